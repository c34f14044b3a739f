import { afterEach, describe, expect, it, vi } from 'vitest';
import { ingestTestApp } from './ingest-test-app.js';

// Issue 12: a single event is deletable (DELETE /api/feedback/:seq, ?eventId=) and ingestion is idempotent by eventId.
// The test app runs the engine's default store (ThreadedSqliteStorage: writes, group commit and deletes on the writer
// thread).

type T = Awaited<ReturnType<typeof ingestTestApp>>;
const open: T[] = [];
async function setup(config: Record<string, unknown> = {}): Promise<T> {
  const t = await ingestTestApp(config);
  open.push(t);
  await t.engine.storage.upsertItems(
    ['i1', 'i2', 'i3'].map((id) => ({ id, categories: [], labels: {}, timestamp: 0, hidden: false, updatedAt: 0 })),
  );
  return t;
}
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

const json = { 'content-type': 'application/json' };
function post(t: T, payload: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST',
    url: '/api/feedback',
    payload: JSON.stringify(payload),
    headers: { ...json, ...headers },
  });
}
function del(t: T, url: string, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'DELETE', url, headers });
}
function err(res: { json: () => unknown }) {
  return (res.json() as { error: { code: string; message: string; path?: string } }).error;
}
async function history(t: T, user: string) {
  return ((await t.app.inject(`/api/users/${user}/feedback`)).json() as { feedback: Record<string, unknown>[] })
    .feedback;
}

describe('DELETE /api/feedback/:seq and ?eventId=', () => {
  it('deletes one event by seq, tells serving, and answers 404 naming the seq once it is gone', async () => {
    const t = await setup();
    const removed = vi.spyOn(t.engine.serving, 'onFeedbackRemoved');
    await post(t, [
      { userId: 'u1', itemId: 'i1', type: 'click', timestamp: 1000 },
      { userId: 'u1', itemId: 'i2', type: 'like', timestamp: 2000 },
      { userId: 'u2', itemId: 'i2', type: 'like', timestamp: 3000 },
    ]);
    const res = await del(t, '/api/feedback/2');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ deleted: 1 });
    expect(removed).toHaveBeenCalledWith([
      { seq: 2, userId: 'u1', itemId: 'i2', type: 'like', value: 1, timestamp: 2000 },
    ]);
    expect((await history(t, 'u1')).map((r) => r.seq)).toEqual([1]);
    expect(await t.engine.storage.feedbackCount()).toBe(2);

    const again = await del(t, '/api/feedback/2');
    expect(again.statusCode).toBe(404);
    expect(err(again)).toEqual({ code: 'NOT_FOUND', path: 'params.seq', message: 'no feedback event with seq 2' });
    expect(removed).toHaveBeenCalledTimes(1);
    for (const bad of ['0', '-1', 'abc', '1.5', '01'])
      expect(err(await del(t, `/api/feedback/${bad}`))).toMatchObject({ code: 'VALIDATION', path: 'params.seq' });
  });

  it('deletes by eventId; a missing or unknown eventId is a 4xx naming querystring.eventId', async () => {
    const t = await setup();
    await post(t, [
      { userId: 'u1', itemId: 'i1', type: 'click', eventId: 'evt 1' },
      { userId: 'u1', itemId: 'i2', type: 'click', eventId: 'evt-2' },
    ]);
    const res = await del(t, '/api/feedback?eventId=evt%201');
    expect(res.json()).toEqual({ deleted: 1 });
    expect((await history(t, 'u1')).map((r) => r.eventId)).toEqual(['evt-2']);
    const gone = await del(t, '/api/feedback?eventId=evt%201');
    expect(gone.statusCode).toBe(404);
    expect(err(gone)).toEqual({
      code: 'NOT_FOUND',
      path: 'querystring.eventId',
      message: 'no feedback event with eventId "evt 1"',
    });
    expect(err(await del(t, '/api/feedback'))).toMatchObject({ code: 'VALIDATION', path: 'querystring.eventId' });
    expect(err(await del(t, '/api/feedback?eventId=%20evt-2'))).toMatchObject({
      code: 'VALIDATION',
      path: 'querystring.eventId',
      message: 'querystring.eventId must not start or end with whitespace',
    });
    // Deleted means gone: the same eventId may be stored again.
    expect((await post(t, [{ userId: 'u1', itemId: 'i3', type: 'click', eventId: 'evt 1' }])).json()).toEqual({
      accepted: 1,
      duplicates: 0,
    });
  });

  it('needs the write key, like POST /api/feedback', async () => {
    const t = await setup({ auth: { readKey: 'read-key-1', writeKey: 'write-key-1' } });
    await post(t, [{ userId: 'u1', itemId: 'i1', type: 'click', eventId: 'e' }], { 'x-api-key': 'write-key-1' });
    expect((await del(t, '/api/feedback/1')).statusCode).toBe(401);
    expect((await del(t, '/api/feedback?eventId=e', { 'x-api-key': 'read-key-1' })).statusCode).toBe(403);
    expect((await del(t, '/api/feedback/1', { 'x-api-key': 'write-key-1' })).json()).toEqual({ deleted: 1 });
  });
});

describe('idempotent ingestion by eventId', () => {
  const batch = [
    { userId: 'u1', itemId: 'i1', type: 'click', eventId: 'a' },
    { userId: 'u1', itemId: 'i2', type: 'rating', value: 4, eventId: 'b' },
    { userId: 'u2', itemId: 'i3', type: 'like', eventId: 'c' },
  ];

  it('the same batch posted twice is stored once; the retry answers duplicates', async () => {
    const t = await setup();
    const onFeedback = vi.spyOn(t.engine.serving, 'onFeedback');
    expect((await post(t, batch)).json()).toEqual({ accepted: 3, duplicates: 0 });
    const retry = await post(t, batch);
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toEqual({ accepted: 0, duplicates: 3 });
    expect(await t.engine.storage.feedbackCount()).toBe(3);
    // Serving counted each event once.
    expect(onFeedback.mock.calls.map((c) => c[0].length)).toEqual([3, 0]);
    // eventId comes back with the stored rows; rows posted without one have no eventId field.
    await post(t, [{ userId: 'u1', itemId: 'i3', type: 'click', timestamp: 0 }]);
    const rows = await history(t, 'u1');
    expect(rows.map((r) => r.eventId)).toEqual(['b', 'a', undefined]); // newest first
    expect(rows.find((r) => r.itemId === 'i2')).toMatchObject({ eventId: 'b', value: 4 });
    expect(rows.find((r) => r.itemId === 'i3')).not.toHaveProperty('eventId');
  });

  it('concurrent copies of a batch (one group commit) store its rows once', async () => {
    const t = await setup();
    const answers = await Promise.all([post(t, batch), post(t, batch), post(t, batch)]);
    const bodies = answers.map((r) => r.json() as { accepted: number; duplicates: number });
    expect(bodies.reduce((n, b) => n + b.accepted, 0)).toBe(3);
    expect(bodies.reduce((n, b) => n + b.duplicates, 0)).toBe(6);
    expect(await t.engine.storage.feedbackCount()).toBe(3);
  });

  it('a repeat within the batch, and rows without eventId, are handled row by row', async () => {
    const t = await setup();
    const res = await post(t, [
      { userId: 'u1', itemId: 'i1', type: 'click', eventId: 'x' },
      { userId: 'u1', itemId: 'i1', type: 'click' },
      { userId: 'u1', itemId: 'i2', type: 'click', eventId: 'x' },
      { userId: 'u1', itemId: 'i1', type: 'click' },
    ]);
    expect(res.json()).toEqual({ accepted: 3, duplicates: 1 });
    // Rows without an eventId are never de-duplicated.
    expect((await post(t, [{ userId: 'u1', itemId: 'i1', type: 'click' }])).json()).toEqual({
      accepted: 1,
      duplicates: 0,
    });
    // With autoCreateItems off, an unknown item still rejects the batch, naming its row in the posted batch.
    const unknown = await post(t, [
      { userId: 'u1', itemId: 'i1', type: 'click', eventId: 'x' },
      { userId: 'u1', itemId: 'nope', type: 'click', eventId: 'y' },
    ]);
    expect(err(unknown)).toMatchObject({ code: 'NOT_FOUND', path: 'body.1.itemId' });
  });

  it('eventId follows the id rules, at most 128 characters', async () => {
    const t = await setup();
    const row = { userId: 'u1', itemId: 'i1', type: 'click' };
    expect(err(await post(t, [row, { ...row, eventId: 'e'.repeat(129) }]))).toEqual({
      code: 'VALIDATION',
      path: 'body.1.eventId',
      message: 'body.1.eventId must be a non-empty string of at most 128 characters without control characters',
    });
    expect(err(await post(t, [{ ...row, eventId: '' }])).path).toBe('body.0.eventId');
    expect(err(await post(t, [{ ...row, eventId: 'e\n' }])).path).toBe('body.0.eventId');
    expect(err(await post(t, [{ ...row, eventId: 'e\u00a0' }])).message).toBe(
      'body.0.eventId must not start or end with whitespace',
    );
    expect((await post(t, [{ ...row, eventId: 'e'.repeat(128) }])).statusCode).toBe(200);
  });
});
