import type { App } from '../../server.js';
import type { Engine } from '../../engine.js';
import type { ItemRecord, UserRecord } from '../../storage/port.js';
import { InvalidCursorError } from '../../storage/errors.js';
import { ApiError } from '../errors.js';
import {
  Accepted,
  DEFAULT_FEEDBACK_PAGE,
  DEFAULT_PAGE,
  ERROR_RESPONSES,
  FeedbackList,
  FeedbackQuery,
  IdParams,
  ItemOut,
  ItemPage,
  ItemPatch,
  ItemsBody,
  ListQuery,
  MAX_FEEDBACK_PAGE,
  MAX_PAGE,
  UserOut,
  UserPage,
  UserPatch,
  UsersBody,
  parsePageSize,
  parseTimestamp,
  schemaErrorFormatter,
  toIso,
} from '../schemas.js';
import { budgetPage, checkRecordSize } from '../record-size.js';
import { afterWrite } from './after-write.js';
import { feedbackOut } from './feedback.js';

/**
 * The catalogue API: items and users. Writes need the write key, reads the read key (checked on request, before the
 * body is even parsed). Batch upserts replace whole records (PATCH changes some fields); an item upserted without a
 * timestamp keeps the one it had, or gets "now" when new.
 *
 * @example
 * await app.register(async (scope) => catalogRoutes(scope as App, engine));
 * // POST /api/items [{"id": "i1", "categories": ["comedy"], "timestamp": "2024-05-01T00:00:00Z"}] → {"accepted": 1}
 */
export function catalogRoutes(app: App, engine: Engine): void {
  app.setSchemaErrorFormatter(schemaErrorFormatter);
  const read = engine.keys.require('read');
  const write = engine.keys.require('write');
  const store = engine.storage;

  // ---- items ----

  app.post(
    '/api/items',
    {
      onRequest: write,
      schema: {
        tags: ['catalog'],
        summary: 'Insert or replace items (batch)',
        body: ItemsBody,
        response: { 200: Accepted, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const now = Date.now();
      const body = req.body;
      const items: ItemRecord[] = new Array(body.length);
      // Validate every row before touching the store, so a bad row 900 costs no I/O.
      const stamps = body.map((it, i) => {
        checkRecordSize(it, `body.${i}`, 'item');
        return it.timestamp === undefined ? undefined : parseTimestamp(it.timestamp, `body.${i}.timestamp`);
      });
      for (let i = 0; i < body.length; i++) {
        const it = body[i];
        const timestamp = stamps[i] ?? (await store.getItem(it.id))?.timestamp ?? now;
        const rec: ItemRecord = {
          id: it.id,
          categories: it.categories ?? [],
          labels: it.labels ?? {},
          timestamp,
          hidden: it.hidden ?? false,
          updatedAt: now,
        };
        if (it.text !== undefined) rec.text = it.text;
        items[i] = rec;
      }
      const n = await store.upsertItems(items);
      afterWrite(req, 'serving.onItemsUpserted', () => engine.serving.onItemsUpserted(items));
      return { accepted: n };
    },
  );

  app.get(
    '/api/items',
    {
      onRequest: read,
      schema: {
        tags: ['catalog'],
        summary: 'List items in id order',
        querystring: ListQuery,
        response: { 200: ItemPage, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const n = parsePageSize(req.query.n, DEFAULT_PAGE, MAX_PAGE, 'querystring.n');
      const page = budgetPage(await listPage(() => store.listItems(req.query.cursor ?? null, n)));
      return { items: page.items.map(itemOut), next: page.next };
    },
  );

  app.get(
    '/api/items/:id',
    {
      onRequest: read,
      schema: { tags: ['catalog'], params: IdParams, response: { 200: ItemOut, ...ERROR_RESPONSES } },
    },
    async (req) => itemOut((await store.getItem(req.params.id)) ?? notFound('item', req.params.id)),
  );

  app.patch(
    '/api/items/:id',
    {
      onRequest: write,
      schema: {
        tags: ['catalog'],
        summary: 'Change some fields of an item',
        params: IdParams,
        body: ItemPatch,
        response: { 200: ItemOut, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const b = req.body;
      const patch: Partial<Omit<ItemRecord, 'id'>> = { updatedAt: Date.now() };
      if (b.categories !== undefined) patch.categories = b.categories;
      if (b.labels !== undefined) patch.labels = b.labels;
      if (b.hidden !== undefined) patch.hidden = b.hidden;
      if (b.timestamp !== undefined) patch.timestamp = parseTimestamp(b.timestamp, 'body.timestamp');
      // Present-but-undefined clears the text in the store (JSON null on the wire).
      if (b.text !== undefined) patch.text = b.text ?? undefined;
      if (b.labels !== undefined || b.categories !== undefined || b.text !== undefined) {
        // The bound is on the record as stored, so the fields this patch keeps count too.
        const cur = (await store.getItem(req.params.id)) ?? notFound('item', req.params.id);
        checkRecordSize(
          {
            labels: patch.labels ?? cur.labels,
            categories: patch.categories ?? cur.categories,
            text: 'text' in patch ? patch.text : cur.text,
          },
          'body',
          'item',
        );
      }
      const item = (await store.patchItem(req.params.id, patch)) ?? notFound('item', req.params.id);
      afterWrite(req, 'serving.onItemsUpserted', () => engine.serving.onItemsUpserted([item]));
      return itemOut(item);
    },
  );

  app.delete(
    '/api/items/:id',
    {
      onRequest: write,
      schema: {
        tags: ['catalog'],
        summary: 'Delete an item and all its feedback',
        params: IdParams,
        response: ERROR_RESPONSES,
      },
    },
    async (req, reply) => {
      if (!(await store.deleteItem(req.params.id))) notFound('item', req.params.id);
      afterWrite(req, 'serving.onItemDeleted', () => engine.serving.onItemDeleted(req.params.id));
      return reply.status(204).send();
    },
  );

  // ---- users ----

  app.post(
    '/api/users',
    {
      onRequest: write,
      schema: {
        tags: ['catalog'],
        summary: 'Insert or replace users (batch)',
        body: UsersBody,
        response: { 200: Accepted, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const now = Date.now();
      const users: UserRecord[] = req.body.map((u, i) => {
        checkRecordSize(u, `body.${i}`, 'user');
        return { id: u.id, labels: u.labels ?? {}, updatedAt: now };
      });
      return { accepted: await store.upsertUsers(users) };
    },
  );

  app.get(
    '/api/users',
    {
      onRequest: read,
      schema: {
        tags: ['catalog'],
        summary: 'List users in id order',
        querystring: ListQuery,
        response: { 200: UserPage, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const n = parsePageSize(req.query.n, DEFAULT_PAGE, MAX_PAGE, 'querystring.n');
      const page = budgetPage(await listPage(() => store.listUsers(req.query.cursor ?? null, n)));
      return { users: page.items.map(userOut), next: page.next };
    },
  );

  app.get(
    '/api/users/:id',
    {
      onRequest: read,
      schema: { tags: ['catalog'], params: IdParams, response: { 200: UserOut, ...ERROR_RESPONSES } },
    },
    async (req) => userOut((await store.getUser(req.params.id)) ?? notFound('user', req.params.id)),
  );

  app.patch(
    '/api/users/:id',
    {
      onRequest: write,
      schema: {
        tags: ['catalog'],
        summary: "Replace a user's labels",
        params: IdParams,
        body: UserPatch,
        response: { 200: UserOut, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      checkRecordSize(req.body, 'body', 'user');
      const user = await store.patchUser(req.params.id, { labels: req.body.labels, updatedAt: Date.now() });
      return userOut(user ?? notFound('user', req.params.id));
    },
  );

  app.delete(
    '/api/users/:id',
    {
      onRequest: write,
      schema: {
        tags: ['catalog'],
        summary: 'Delete a user and all their feedback',
        params: IdParams,
        response: ERROR_RESPONSES,
      },
    },
    async (req, reply) => {
      const removed = (await store.deleteUser(req.params.id)) ?? notFound('user', req.params.id);
      // The removed rows leave popularity and every other statistic serving derives from them, at once.
      afterWrite(req, 'serving.onUserDeleted', () => engine.serving.onUserDeleted(req.params.id, removed));
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/users/:id/feedback',
    {
      onRequest: read,
      schema: {
        tags: ['feedback'],
        summary: "A user's stored feedback, newest first, in pages (?cursor= from the previous page's next)",
        params: IdParams,
        querystring: FeedbackQuery,
        response: { 200: FeedbackList, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const n = parsePageSize(req.query.n, DEFAULT_FEEDBACK_PAGE, MAX_FEEDBACK_PAGE, 'querystring.n');
      if (!(await store.getUser(req.params.id))) notFound('user', req.params.id);
      const page = await listPage(() => store.userFeedbackPage(req.params.id, req.query.cursor ?? null, n));
      return { feedback: page.items.map(feedbackOut), next: page.next };
    },
  );
}

function notFound(kind: 'item' | 'user', id: string): never {
  throw new ApiError('NOT_FOUND', `no ${kind} "${id}"`, 'params.id');
}

async function listPage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof InvalidCursorError) throw new ApiError('VALIDATION', e.message, 'querystring.cursor');
    throw e;
  }
}

/**
 * An item as the API shows it (ISO-8601 timestamps).
 *
 * @example
 * itemOut({ id: 'i1', categories: [], labels: {}, timestamp: 0, hidden: false, updatedAt: 0 }).timestamp;
 * // '1970-01-01T00:00:00.000Z'
 */
export function itemOut(it: ItemRecord) {
  const out: {
    id: string;
    categories: string[];
    labels: Record<string, string>;
    text?: string;
    timestamp: string;
    hidden: boolean;
    updatedAt: string;
  } = {
    id: it.id,
    categories: it.categories,
    labels: it.labels,
    timestamp: toIso(it.timestamp),
    hidden: it.hidden,
    updatedAt: toIso(it.updatedAt),
  };
  if (it.text !== undefined) out.text = it.text;
  return out;
}

/**
 * A user as the API shows it.
 *
 * @example
 * userOut({ id: 'u1', labels: { lang: 'en' }, updatedAt: 0 }); // { id: 'u1', labels: {...}, updatedAt: '1970-…Z' }
 */
export function userOut(u: UserRecord) {
  return { id: u.id, labels: u.labels, updatedAt: toIso(u.updatedAt) };
}
