import fc from 'fast-check';
import { MAX_LABEL_KEY, MAX_LABELS } from '../schemas.js';
import {
  FEEDBACK_TYPES,
  POOL_ITEMS,
  POOL_USERS,
  edgeWhitespaceId,
  encodeSegment,
  extremeValue,
  innerWhitespaceId,
} from './ingest-arbitraries.case.js';
import type { Req } from './ingest-harness.case.js';

/**
 * Requests of the input classes issue 12 bounds, each with the answer it must get (`Req.expect`): the generator is
 * its own oracle. Test-only.
 */

const user = fc.constantFrom(...POOL_USERS);
const item = fc.constantFrom(...POOL_ITEMS);
const validRow = fc.record({ userId: user, itemId: item, type: fc.constantFrom('click', 'like', 'purchase') });

/**
 * Feedback batches whose values are extreme for their type (1e308, 5e-324, 1e6 + 1, rating 5.0001, -0.0001, any
 * double): accepted when every value is within its type's range, else a 400 naming the first bad row's value.
 * Also values JSON text can only spell as ±1e400 (they parse to ±Infinity), always a 400.
 */
export const extremeValues: fc.Arbitrary<Req> = fc.oneof(
  {
    weight: 9,
    arbitrary: fc
      .array(fc.record({ userId: user, itemId: item, type: fc.constantFrom(...FEEDBACK_TYPES), value: extremeValue }), {
        minLength: 1,
        maxLength: 4,
      })
      .map((rows): Req => {
        const bad = rows.findIndex((r) => !(r.value >= r.type.min && r.value <= r.type.max));
        return {
          method: 'POST',
          url: '/api/feedback',
          body: { json: rows.map((r) => ({ ...r, type: r.type.name })) },
          expect: bad < 0 ? { status: 200 } : { status: 400, code: 'VALIDATION', path: `body.${bad}.value` },
        };
      }),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...FEEDBACK_TYPES), fc.constantFrom('1e400', '-1e400', '1.8e308', '-2e308'))
      .map(([t, v]): Req => ({
        method: 'POST',
        url: '/api/feedback',
        body: { raw: `[{"userId":"u1","itemId":"i1","type":"${t.name}","value":${v}}]` },
        expect: { status: 400 },
      })),
  },
);

/** The write routes with a body, each with a valid body shape to nest a value into. */
const DEPTH_ROUTES: { method: 'POST' | 'PATCH'; url: string; wrap: (inner: string) => string; outer: number }[] = [
  { method: 'POST', url: '/api/items', wrap: (x) => `[{"id":"i1","labels":{"k":${x}}}]`, outer: 3 },
  { method: 'POST', url: '/api/users', wrap: (x) => `[{"id":"u1","labels":{"k":${x}}}]`, outer: 3 },
  {
    method: 'POST',
    url: '/api/feedback',
    wrap: (x) => `[{"userId":"u1","itemId":"i1","type":"click","value":${x}}]`,
    outer: 2,
  },
  { method: 'PATCH', url: '/api/items/i1', wrap: (x) => `{"categories":[${x}]}`, outer: 2 },
  { method: 'PATCH', url: '/api/users/u1', wrap: (x) => `{"labels":{"k":${x}}}`, outer: 2 },
];
/** Deeper than any route allows (DEFAULT_MAX_BODY_DEPTH is 16): refused before parsing, BODY_TOO_DEEP. */
const BEYOND_ANY_LIMIT = 17;

/**
 * Bodies nested deeper than allowed, sent as raw text: arrays or objects (`{"a":…}`), a few levels past a route's
 * schema up to 200,000 deep (a 400 KB body), bare or inside an otherwise valid body. Always a 400; beyond 16 levels
 * the code is BODY_TOO_DEEP (the parser refuses it before JSON.parse runs).
 */
export const tooDeep: fc.Arbitrary<Req> = fc
  .tuple(
    fc.constantFrom(...DEPTH_ROUTES),
    fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(300, 5_000, 200_000)),
    fc.constantFrom('array', 'object'),
    fc.boolean(),
  )
  .map(([route, inner, shape, bare]): Req => {
    const nest =
      shape === 'array' ? '['.repeat(inner) + ']'.repeat(inner) : '{"a":'.repeat(inner) + '1' + '}'.repeat(inner);
    const depth = bare ? inner : route.outer + inner;
    return {
      method: route.method,
      url: route.url,
      body: { raw: bare ? nest : route.wrap(nest) },
      // Shallower than 17, the route's own depth bound or its schema refuses it (every body here has a wrong shape).
      expect: depth >= BEYOND_ANY_LIMIT ? { status: 400, code: 'BODY_TOO_DEEP', path: 'body' } : { status: 400 },
    };
  });

type LabelCase = { labels: Record<string, string>; ok: boolean };
const key = (n: number) => 'k'.repeat(n);
const manyKeys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
const labelCase: fc.Arbitrary<LabelCase> = fc.oneof(
  fc.integer({ min: MAX_LABEL_KEY + 1, max: 5000 }).map((n) => ({ labels: { [key(n)]: 'v' }, ok: false })),
  fc.constant({ labels: { '': 'v' }, ok: false }),
  fc.integer({ min: MAX_LABELS + 1, max: 2000 }).map((n) => ({ labels: manyKeys(n), ok: false })),
  fc.constantFrom('a\u0001', '\u0000', 'x\ud800').map((k) => ({ labels: { [k]: 'v' }, ok: false })),
  // The bounds themselves are allowed.
  fc.constant({ labels: { [key(MAX_LABEL_KEY)]: 'v' }, ok: true }),
  fc.constant({ labels: manyKeys(MAX_LABELS), ok: true }),
);

/**
 * Labels with over-long keys (257..5000 characters), empty keys, too many keys (257..2000) or control characters in a
 * key, on every route that takes labels: a 400 naming the labels object. Keys of exactly 256 characters and exactly
 * 256 keys are accepted.
 */
export const labelKeys: fc.Arbitrary<Req> = fc
  .tuple(fc.constantFrom('POST items', 'POST users', 'PATCH items', 'PATCH users'), labelCase, item, user)
  .map(([route, c, i, u]): Req => {
    const [method, kind] = route.split(' ') as ['POST' | 'PATCH', 'items' | 'users'];
    const id = kind === 'items' ? i : u;
    const post = method === 'POST';
    return {
      method,
      url: post ? `/api/${kind}` : `/api/${kind}/${id}`,
      body: { json: post ? [{ id, labels: c.labels }] : { labels: c.labels } },
      expect: c.ok
        ? { status: 200 }
        : { status: 400, code: 'VALIDATION', path: post ? 'body.0.labels' : 'body.labels' },
    };
  });

const ws = edgeWhitespaceId;
/** A batch of valid rows with `bad` at a random position; the expected path names that position. */
const withRowAt = <T>(rows: fc.Arbitrary<T[]>, bad: fc.Arbitrary<T>) =>
  fc.tuple(rows, bad, fc.nat()).map(([r, b, at]) => {
    const k = at % (r.length + 1);
    return { rows: [...r.slice(0, k), b, ...r.slice(k)], k };
  });

/**
 * Ids with leading or trailing whitespace (space, tab, NBSP, BOM, U+3000, U+2028, …) or only whitespace, in every
 * place an id goes: row ids, userId, itemId, eventId, path parameters, the eventId query. Always a 400 naming the
 * field. Ids with whitespace inside only are accepted.
 */
export const whitespaceIds: fc.Arbitrary<Req> = fc.oneof(
  withRowAt(
    fc.array(
      item.map((id) => ({ id })),
      { maxLength: 3 },
    ),
    ws.map((id) => ({ id })),
  ).map(({ rows, k }): Req => ({
    method: 'POST',
    url: '/api/items',
    body: { json: rows },
    expect: { status: 400, code: 'VALIDATION', path: `body.${k}.id` },
  })),
  withRowAt(
    fc.array(
      user.map((id) => ({ id })),
      { maxLength: 3 },
    ),
    ws.map((id) => ({ id })),
  ).map(({ rows, k }): Req => ({
    method: 'POST',
    url: '/api/users',
    body: { json: rows },
    expect: { status: 400, code: 'VALIDATION', path: `body.${k}.id` },
  })),
  fc
    .tuple(fc.constantFrom('userId', 'itemId', 'eventId'), fc.array(validRow, { maxLength: 3 }), ws, validRow, fc.nat())
    .map(([field, rows, bad, row, at]): Req => {
      const k = at % (rows.length + 1);
      const json = [...rows.slice(0, k), { ...row, [field]: bad }, ...rows.slice(k)];
      return {
        method: 'POST',
        url: '/api/feedback',
        body: { json },
        expect: { status: 400, code: 'VALIDATION', path: `body.${k}.${field}` },
      };
    }),
  fc
    .tuple(fc.constantFrom('PATCH items', 'PATCH users', 'DELETE items', 'DELETE users'), ws)
    .map(([route, bad]): Req => {
      const [method, kind] = route.split(' ') as ['PATCH' | 'DELETE', string];
      return {
        method,
        url: `/api/${kind}/${encodeSegment(bad)}`,
        ...(method === 'PATCH' ? { body: { json: { labels: { a: 'b' } } } } : {}),
        expect: { status: 400, code: 'VALIDATION', path: 'params.id' },
      };
    }),
  ws.map((bad): Req => ({
    method: 'DELETE',
    url: `/api/feedback?eventId=${encodeSegment(bad)}`,
    expect: { status: 400, code: 'VALIDATION' },
  })),
  // Inner whitespace is part of an id: accepted.
  innerWhitespaceId.map((id): Req => ({
    method: 'POST',
    url: '/api/items',
    body: { json: [{ id }] },
    expect: { status: 200 },
  })),
  fc.tuple(innerWhitespaceId, item).map(([u, i]): Req => ({
    method: 'POST',
    url: '/api/feedback',
    body: { json: [{ userId: u, itemId: i, type: 'click', eventId: `${u}-${i}` }] },
    expect: { status: 200 },
  })),
);
