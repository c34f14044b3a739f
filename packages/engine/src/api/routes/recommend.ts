import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { App } from '../../server.js';
import type { Engine } from '../../engine.js';
import type { SessionEvent } from '../../serving/service.js';
import { ApiError } from '../errors.js';
import { checkedValue } from '../feedback-value.js';
import { ERROR_RESPONSES, Id, Timestamp, parseTimestamp, schemaErrorFormatter } from '../schemas.js';

/** Most ids one `exclude` may list, and most events one session body may carry. */
const MAX_EXCLUDE = 1000;
const MAX_SESSION_EVENTS = 1000;

// Query values arrive as strings (no coercion): counts are digit strings, checked against the config below.
const Count = Type.String({ pattern: '^[0-9]{1,6}$', description: 'A non-negative integer' });
const Category = Type.String({ minLength: 1, maxLength: 256, description: 'Only items of this category' });

const UserParams = Type.Object({ userId: Id }, { additionalProperties: false });
const RecommendQuery = Type.Object(
  {
    n: Type.Optional(Count),
    offset: Type.Optional(Count),
    category: Type.Optional(Category),
    exclude: Type.Optional(
      Type.String({ minLength: 1, maxLength: 257 * MAX_EXCLUDE, description: 'Comma-separated item ids to leave out' }),
    ),
  },
  { additionalProperties: false },
);
const SessionBody = Type.Object(
  {
    feedback: Type.Array(
      Type.Object(
        {
          itemId: Id,
          type: Type.String({ minLength: 1, maxLength: 32, description: 'One of the configured feedback.types' }),
          value: Type.Optional(Type.Number()),
          timestamp: Type.Optional(Timestamp),
        },
        { additionalProperties: false },
      ),
      { maxItems: MAX_SESSION_EVENTS, description: "The visitor's recent events, any order" },
    ),
    n: Type.Optional(Type.Integer({ minimum: 1 })),
    offset: Type.Optional(Type.Integer({ minimum: 0 })),
    category: Type.Optional(Category),
    exclude: Type.Optional(Type.Array(Id, { maxItems: MAX_EXCLUDE })),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
const NQuery = Type.Object({ n: Type.Optional(Count) }, { additionalProperties: false });
const RankedQuery = Type.Object(
  { n: Type.Optional(Count), category: Type.Optional(Category) },
  { additionalProperties: false },
);

const ModelOut = Type.Union([Type.Object({ name: Type.String(), version: Type.Integer() }), Type.Null()]);
const ItemOut = Type.Object({
  id: Type.String(),
  score: Type.Number({
    minimum: 0,
    maximum: 1,
    description:
      'The final rank score on one scale for every list: in [0, 1], 1 for the best item, never higher than the item ' +
      "above it. Personal lists: the item's relevance (blended model/candidate score after boosts and freshness) " +
      'relative to the best candidate; popular: the count relative to the top item; latest: the recency weight; ' +
      'similar: the similarity relative to the most similar item. See docs/engine.md "Scores".',
  }),
  reason: Type.Object({
    source: Type.String({ description: "The model's name (als, item-knn, ...), item-to-item, popular, latest, ..." }),
    because: Type.Array(Type.String(), { description: 'Item ids that led to it (e.g. what the user liked)' }),
    category: Type.Optional(Type.String()),
    sources: Type.Array(Type.String(), { description: 'Every source that proposed the item' }),
  }),
  explanation: Type.String({
    description:
      'From the source that contributed most, as specific as it allows: "Because you watched Toy Story" (the ' +
      "user's item behind a model or item-to-item score; the verb is the feedback type's), \"Because you like " +
      'Comedy", "Popular in Comedy", "New this week"; "Recommended for you" / "Popular right now" only when ' +
      'nothing specific is known',
  }),
});
const ListOut = Type.Object({
  items: Type.Array(ItemOut),
  model: ModelOut,
  fallback: Type.Union([Type.String(), Type.Null()], {
    description: 'The cold-start path that served the list (popular, latest), null for the personalised path',
  }),
  reason: Type.Optional(
    Type.String({
      description:
        'Present when the list is shorter than requested (empty included), saying why: "every candidate was ' +
        'already seen", "no items in the catalogue", "filter matched no items (…)", …',
    }),
  ),
});
const UsersOut = Type.Object({
  users: Type.Array(Type.Object({ id: Type.String(), score: Type.Number() })),
  model: ModelOut,
});
const RESPONSES = { 200: ListOut, ...ERROR_RESPONSES };

/**
 * The read path: personalised recommendations, anonymous session recommendations, similar items and users, popular
 * and latest items. All answer `{items: [{id, score, reason: {source, because, ...}, explanation}], model,
 * fallback}` (similar users: `{users, model}`); page sizes are bounded by `serving.maxN`.
 *
 * @example
 * await app.register(async (scope) => recommendRoutes(scope as App, engine));
 * // GET /api/recommend/u1?n=5&exclude=i1,i2 → {"items":[{"id":"i9","score":0.91,"reason":{"source":"als",...},...}],
 * //                                             "model":{"name":"als","version":3},"fallback":null}
 */
export function recommendRoutes(app: App, engine: Engine): void {
  app.setSchemaErrorFormatter(schemaErrorFormatter);
  const read = engine.keys.require('read');
  const serving = engine.serving;
  const { defaultN, maxN } = engine.config.serving;
  const types = engine.config.feedback.types;

  const pageSize = (raw: string | number | undefined, path: string): number => {
    if (raw === undefined) return defaultN;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > maxN)
      throw new ApiError('VALIDATION', `${path} must be an integer from 1 to ${maxN} (serving.maxN), got ${raw}`, path);
    return n;
  };
  const offsetOf = (raw: string | number | undefined, n: number, path: string): number => {
    const offset = raw === undefined ? 0 : Number(raw);
    if (!Number.isInteger(offset) || offset < 0)
      throw new ApiError('VALIDATION', `${path} must be an integer ≥ 0, got ${raw}`, path);
    if (offset + n > serving.maxResults)
      throw new ApiError('VALIDATION', `${path} + n must be at most ${serving.maxResults}, got ${offset + n}`, path);
    return offset;
  };

  app.get(
    '/api/recommend/:userId',
    {
      onRequest: read,
      schema: {
        tags: ['recommend'],
        summary: 'Recommendations for a user (unknown users get the cold-start fallback)',
        params: UserParams,
        querystring: RecommendQuery,
        response: RESPONSES,
      },
    },
    async (req, reply) => {
      const q = req.query;
      const n = pageSize(q.n, 'querystring.n');
      const offset = offsetOf(q.offset, n, 'querystring.offset');
      const exclude = q.exclude === undefined ? undefined : parseExclude(q.exclude);
      const request = { n, offset, category: q.category, exclude };
      // A precomputed list comes already serialized (the same body the response schema would produce): Fastify
      // sends a string with a JSON content type as it is.
      const json = serving.recommendJson(req.params.userId, request);
      if (json !== null) return (reply as FastifyReply).type('application/json; charset=utf-8').send(json);
      return serving.recommend(req.params.userId, request);
    },
  );

  app.post(
    '/api/recommend/session',
    {
      onRequest: read,
      schema: {
        tags: ['recommend'],
        summary: "Recommendations for an anonymous visitor from this session's events",
        body: SessionBody,
        response: RESPONSES,
      },
    },
    async (req) => {
      const b = req.body;
      const n = pageSize(b.n, 'body.n');
      const offset = offsetOf(b.offset, n, 'body.offset');
      const events: SessionEvent[] = b.feedback.map((f, k) => {
        if (!Object.hasOwn(types, f.type))
          throw new ApiError(
            'VALIDATION',
            `body.feedback.${k}.type "${f.type}" is not a configured feedback type; valid types: ${Object.keys(types).join(', ')}`,
            `body.feedback.${k}.type`,
          );
        // The same value rules as POST /api/feedback (required for value types, within the type's range).
        const value = checkedValue(f.type, types[f.type], f.value, `body.feedback.${k}.value`);
        const e: SessionEvent = { itemId: f.itemId, type: f.type };
        if (f.value !== undefined) e.value = value;
        if (f.timestamp !== undefined) e.timestamp = parseTimestamp(f.timestamp, `body.feedback.${k}.timestamp`);
        return e;
      });
      return serving.session(events, { n, offset, category: b.category, exclude: b.exclude });
    },
  );

  app.get(
    '/api/items/:id/similar',
    {
      onRequest: read,
      schema: {
        tags: ['recommend'],
        summary: 'Items similar to an item (model neighbours; popular in its category as the fallback)',
        params: IdParams,
        querystring: NQuery,
        response: RESPONSES,
      },
    },
    async (req) => {
      const n = pageSize(req.query.n, 'querystring.n');
      const list = serving.similarItems(req.params.id, n);
      if (!list) throw new ApiError('NOT_FOUND', `no item "${req.params.id}"`, 'params.id');
      return list;
    },
  );

  for (const kind of ['popular', 'latest'] as const)
    app.get(
      `/api/${kind}`,
      {
        onRequest: read,
        schema: {
          tags: ['recommend'],
          summary: kind === 'popular' ? 'The most interacted-with items' : 'The newest items',
          querystring: RankedQuery,
          response: RESPONSES,
        },
      },
      async (req) => {
        const n = pageSize(req.query.n, 'querystring.n');
        return kind === 'popular' ? serving.popular(n, req.query.category) : serving.latest(n, req.query.category);
      },
    );

  app.get(
    '/api/users/:id/similar',
    {
      onRequest: read,
      schema: {
        tags: ['recommend'],
        summary: 'Users similar to a user (needs a model with user vectors, e.g. als; else 400 NOT_SUPPORTED)',
        params: IdParams,
        querystring: NQuery,
        response: { 200: UsersOut, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const n = pageSize(req.query.n, 'querystring.n');
      const r = serving.similarUsers(req.params.id, n);
      if (!r) throw new ApiError('NOT_FOUND', `the active model does not know user "${req.params.id}"`, 'params.id');
      return r;
    },
  );
}

/** `id1,id2` → ids; empty entries are an error (a trailing comma is a client bug worth reporting). */
function parseExclude(raw: string): string[] {
  const ids = raw.split(',');
  if (ids.length > MAX_EXCLUDE)
    throw new ApiError('VALIDATION', `querystring.exclude lists more than ${MAX_EXCLUDE} ids`, 'querystring.exclude');
  for (const id of ids)
    if (id.length === 0 || id.length > 256)
      throw new ApiError(
        'VALIDATION',
        'querystring.exclude must be comma-separated item ids of 1 to 256 characters',
        'querystring.exclude',
      );
  return ids;
}
