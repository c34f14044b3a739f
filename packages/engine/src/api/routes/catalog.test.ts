import { afterEach, describe, expect, it, vi } from 'vitest';
import { ingestTestApp } from './ingest-test-app.js';
import { MAX_BATCH } from '../schemas.js';

type T = Awaited<ReturnType<typeof ingestTestApp>>;
const open: T[] = [];
async function setup(config: Record<string, unknown> = {}): Promise<T> {
  const t = await ingestTestApp(config);
  open.push(t);
  return t;
}
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

const json = { 'content-type': 'application/json' };

async function post(t: T, url: string, payload: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url, payload: JSON.stringify(payload), headers: { ...json, ...headers } });
}
function err(res: { json: () => unknown }) {
  return (res.json() as { error: { code: string; message: string; path?: string } }).error;
}

describe('items API', () => {
  it('batch-upserts items with ISO or epoch-ms timestamps and reads them back', async () => {
    const t = await setup();
    const spy = vi.spyOn(t.engine.serving, 'onItemsUpserted');
    const res = await post(t, '/api/items', [
      {
        id: 'i1',
        categories: ['comedy'],
        labels: { lang: 'en' },
        text: 'A film',
        timestamp: '2024-05-01T12:00:00+02:00',
      },
      { id: 'i2', timestamp: 86_400_000, hidden: true },
    ]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: 2 });
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0][0].map((i) => i.id)).toEqual(['i1', 'i2']);

    const i1 = await t.app.inject('/api/items/i1');
    expect(i1.statusCode).toBe(200);
    expect(i1.json()).toMatchObject({
      id: 'i1',
      categories: ['comedy'],
      labels: { lang: 'en' },
      text: 'A film',
      timestamp: '2024-05-01T10:00:00.000Z',
      hidden: false,
    });
    expect((await t.app.inject('/api/items/i2')).json()).toMatchObject({
      timestamp: '1970-01-02T00:00:00.000Z',
      hidden: true,
    });
  });

  it('keeps an existing timestamp when an upsert omits it, and stamps new items with now', async () => {
    const t = await setup();
    await post(t, '/api/items', [{ id: 'old', timestamp: '2020-01-01' }]);
    const before = Date.now();
    await post(t, '/api/items', [{ id: 'old', categories: ['x'] }, { id: 'new' }]);
    expect(await t.engine.storage.getItem('old')).toMatchObject({ timestamp: Date.UTC(2020, 0, 1), categories: ['x'] });
    expect((await t.engine.storage.getItem('new'))!.timestamp).toBeGreaterThanOrEqual(before);
  });

  it('pages the catalogue by id with a cursor', async () => {
    const t = await setup();
    await post(
      t,
      '/api/items',
      ['c', 'a', 'e', 'b', 'd'].map((id) => ({ id })),
    );
    const ids: string[] = [];
    let url = '/api/items?n=2';
    for (;;) {
      const page = (await t.app.inject(url)).json() as { items: { id: string }[]; next: string | null };
      ids.push(...page.items.map((i) => i.id));
      if (!page.next) break;
      url = `/api/items?n=2&cursor=${encodeURIComponent(page.next)}`;
    }
    expect(ids).toEqual(['a', 'b', 'c', 'd', 'e']);
    for (const [q, path] of [
      ['n=0', 'querystring.n'],
      ['n=abc', 'querystring.n'],
      ['n=1001', 'querystring.n'],
      ['cursor=bogus', 'querystring.cursor'],
      ['page=2', 'querystring.page'],
    ]) {
      const res = await t.app.inject(`/api/items?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(err(res).path, q).toBe(path);
    }
  });

  it('patches some fields, clears text with null, and 404s an unknown id', async () => {
    const t = await setup();
    await post(t, '/api/items', [{ id: 'i1', categories: ['a'], text: 'hello', timestamp: 5 }]);
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/api/items/i1',
      payload: { labels: { k: 'v' }, text: null },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: 'i1',
      categories: ['a'],
      labels: { k: 'v' },
      timestamp: '1970-01-01T00:00:00.005Z',
    });
    expect(res.json()).not.toHaveProperty('text');
    const missing = await t.app.inject({ method: 'PATCH', url: '/api/items/nope', payload: { hidden: true } });
    expect(missing.statusCode).toBe(404);
    expect(err(missing)).toEqual({ code: 'NOT_FOUND', message: 'no item "nope"', path: 'params.id' });
    const empty = await t.app.inject({ method: 'PATCH', url: '/api/items/i1', payload: {} });
    expect(empty.statusCode).toBe(400);
    expect(err(empty).message).toBe('body must set at least one field');
    const idChange = await t.app.inject({ method: 'PATCH', url: '/api/items/i1', payload: { id: 'i2' } });
    expect(err(idChange)).toMatchObject({ code: 'VALIDATION', path: 'body.id' });
  });

  it('deletes an item with its feedback', async () => {
    const t = await setup({ feedback: { autoCreateItems: true } });
    const spy = vi.spyOn(t.engine.serving, 'onItemDeleted');
    await post(t, '/api/feedback', [
      { userId: 'u', itemId: 'gone', type: 'click' },
      { userId: 'u', itemId: 'kept', type: 'click' },
    ]);
    const del = await t.app.inject({ method: 'DELETE', url: '/api/items/gone' });
    expect(del.statusCode).toBe(204);
    expect(spy).toHaveBeenCalledWith('gone');
    expect((await t.app.inject('/api/items/gone')).statusCode).toBe(404);
    expect((await t.engine.storage.userFeedback('u')).map((r) => r.itemId)).toEqual(['kept']);
    expect((await t.app.inject({ method: 'DELETE', url: '/api/items/gone' })).statusCode).toBe(404);
  });
});

describe('users API', () => {
  it('upserts, reads, patches, lists users', async () => {
    const t = await setup();
    expect((await post(t, '/api/users', [{ id: 'u1', labels: { age: '30' } }, { id: 'u2' }])).json()).toEqual({
      accepted: 2,
    });
    expect((await t.app.inject('/api/users/u1')).json()).toMatchObject({ id: 'u1', labels: { age: '30' } });
    const patched = await t.app.inject({ method: 'PATCH', url: '/api/users/u2', payload: { labels: { x: 'y' } } });
    expect(patched.json()).toMatchObject({ id: 'u2', labels: { x: 'y' } });
    const list = (await t.app.inject('/api/users?n=1')).json() as { users: { id: string }[]; next: string };
    expect(list.users.map((u) => u.id)).toEqual(['u1']);
    const rest = (await t.app.inject(`/api/users?cursor=${list.next}`)).json();
    expect(rest).toMatchObject({ users: [{ id: 'u2' }], next: null });
    expect((await t.app.inject('/api/users/nobody')).statusCode).toBe(404);
    expect(
      (await t.app.inject({ method: 'PATCH', url: '/api/users/nobody', payload: { labels: {} } })).statusCode,
    ).toBe(404);
  });

  it('deleting a user removes all their feedback (and only theirs)', async () => {
    const t = await setup({ feedback: { autoCreateItems: true } });
    const spy = vi.spyOn(t.engine.serving, 'onUserDeleted');
    await post(t, '/api/feedback', [
      { userId: 'alice', itemId: 'x', type: 'like' },
      { userId: 'bob', itemId: 'x', type: 'like' },
      { userId: 'alice', itemId: 'y', type: 'purchase' },
    ]);
    expect(((await t.app.inject('/api/users/alice/feedback')).json() as { feedback: unknown[] }).feedback).toHaveLength(
      2,
    );
    expect((await t.app.inject({ method: 'DELETE', url: '/api/users/alice' })).statusCode).toBe(204);
    expect(spy).toHaveBeenCalledWith('alice', expect.arrayContaining([expect.objectContaining({ itemId: 'y' })]));
    expect((await t.app.inject('/api/users/alice/feedback')).statusCode).toBe(404);
    expect(await t.engine.storage.userFeedback('alice')).toEqual([]);
    expect(await t.engine.storage.feedbackCount()).toBe(1);
    expect((await t.engine.storage.userFeedback('bob')).length).toBe(1);
  });
});

describe('catalogue bad input → 4xx with {error: {code, message, path}}', () => {
  const cases: [string, unknown, number, string | undefined, RegExp][] = [
    ['wrong type of id', [{ id: 5 }], 400, 'body.0.id', /must be string/],
    ['empty id', [{ id: '' }], 400, 'body.0.id', /non-empty string of at most 256/],
    ['overlong id', [{ id: 'x'.repeat(257) }], 400, 'body.0.id', /at most 256/],
    ['control character in id', [{ id: 'a\u0000b' }], 400, 'body.0.id', /without control characters/],
    ['lone surrogate in id', [{ id: 'a\ud800' }], 400, 'body.0.id', /without control characters/],
    ['unknown field', [{ id: 'a' }, { id: 'b', colour: 'red' }], 400, 'body.1.colour', /not a known field/],
    ['missing id', [{ categories: [] }], 400, 'body.0.id', /is required/],
    ['not an array', { id: 'a' }, 400, 'body', /must be array/],
    ['empty batch', [], 400, 'body', /at least one row/],
    ['categories not strings', [{ id: 'a', categories: [1] }], 400, 'body.0.categories.0', /must be string/],
    ['label value not a string', [{ id: 'a', labels: { k: 1 } }], 400, 'body.0.labels.k', /must be string/],
    ['hidden as string', [{ id: 'a', hidden: 'true' }], 400, 'body.0.hidden', /must be boolean/],
    ['timestamp "NaN"', [{ id: 'a', timestamp: 'NaN' }], 400, 'body.0.timestamp', /ISO-8601/],
    ['timestamp "Infinity"', [{ id: 'a', timestamp: 'Infinity' }], 400, 'body.0.timestamp', /ISO-8601/],
    ['timestamp not a date', [{ id: 'a', timestamp: 'yesterday' }], 400, 'body.0.timestamp', /ISO-8601/],
    ['timestamp Feb 30', [{ id: 'a', timestamp: '2023-02-30' }], 400, 'body.0.timestamp', /ISO-8601/],
    ['timestamp hour 24', [{ id: 'a', timestamp: '2023-01-01T24:00:00Z' }], 400, 'body.0.timestamp', /ISO-8601/],
    ['timestamp too large', [{ id: 'a', timestamp: 1e20 }], 400, 'body.0.timestamp', /epoch milliseconds/],
    ['timestamp boolean', [{ id: 'a', timestamp: true }], 400, 'body.0.timestamp', /ISO-8601 string or epoch/],
  ];
  for (const [name, body, status, path, message] of cases) {
    it(name, async () => {
      const t = await setup();
      await post(t, '/api/items', [{ id: 'existing' }]);
      const res = await post(t, '/api/items', body);
      expect(res.statusCode).toBe(status);
      const e = err(res);
      expect(e.code).toBe('VALIDATION');
      expect(e.path).toBe(path);
      expect(e.message).toMatch(message);
      // Nothing of a rejected batch is written.
      expect((await t.engine.storage.allItems()).map((i) => i.id)).toEqual(['existing']);
    });
  }

  it('a batch with one bad row among valid ones writes nothing', async () => {
    const t = await setup();
    const rows: unknown[] = Array.from({ length: 50 }, (_, i) => ({ id: `ok${i}` }));
    rows[37] = { id: 'bad', timestamp: '2023-13-01' };
    const res = await post(t, '/api/items', rows);
    expect(err(res)).toMatchObject({ code: 'VALIDATION', path: 'body.37.timestamp' });
    expect(await t.engine.storage.allItems()).toEqual([]);
  });

  it('malformed JSON → 400 INVALID_JSON; too many rows → 400; huge body → 413', async () => {
    const t = await setup({ server: { bodyLimit: 256 * 1024 } });
    const bad = await t.app.inject({ method: 'POST', url: '/api/items', payload: '[{"id": "a"', headers: json });
    expect(bad.statusCode).toBe(400);
    expect(err(bad).code).toBe('INVALID_JSON');
    const many = await post(
      t,
      '/api/items',
      Array.from({ length: MAX_BATCH + 1 }, (_, i) => ({ id: `${i}` })),
    );
    expect(many.statusCode).toBe(400);
    expect(err(many)).toMatchObject({ path: 'body', message: `body has more than ${MAX_BATCH} rows; split the batch` });
    const huge = await post(t, '/api/items', [{ id: 'a', text: 'x'.repeat(300 * 1024) }]);
    expect(huge.statusCode).toBe(413);
    expect(err(huge).code).toBe('BODY_TOO_LARGE');
    expect(await t.engine.storage.allItems()).toEqual([]);
  });

  it('needs the write key to write and the read key to read', async () => {
    const t = await setup({ auth: { readKey: 'read-key-1', writeKey: 'write-key-1' } });
    expect((await post(t, '/api/items', [{ id: 'a' }])).statusCode).toBe(401);
    // Auth is checked before the body is validated: a bad body from a stranger is still a 401.
    expect((await post(t, '/api/items', [{ bad: 1 }])).statusCode).toBe(401);
    expect((await post(t, '/api/items', [{ id: 'a' }], { 'x-api-key': 'read-key-1' })).statusCode).toBe(403);
    expect((await post(t, '/api/items', [{ id: 'a' }], { 'x-api-key': 'write-key-1' })).statusCode).toBe(200);
    expect((await t.app.inject('/api/items/a')).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/api/items/a', headers: { 'x-api-key': 'read-key-1' } })).statusCode).toBe(200);
    expect(
      (await t.app.inject({ method: 'DELETE', url: '/api/users/a', headers: { 'x-api-key': 'read-key-1' } }))
        .statusCode,
    ).toBe(403);
  });
});
