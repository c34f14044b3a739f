import { afterEach, describe, expect, it, vi } from 'vitest';
import { ingestTestApp } from './ingest-test-app.js';

type T = Awaited<ReturnType<typeof ingestTestApp>>;
const open: T[] = [];
async function setup(config: Record<string, unknown> = {}): Promise<T> {
  const t = await ingestTestApp(config);
  open.push(t);
  // A small catalogue: feedback on unknown items is rejected by default (feedback.autoCreateItems = false).
  await t.engine.storage.upsertItems(
    ['i1', 'i2', 'i3'].map((id) => ({ id, categories: [], labels: {}, timestamp: 0, hidden: false, updatedAt: 0 })),
  );
  return t;
}
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

function send(t: T, payload: unknown) {
  return t.app.inject({
    method: 'POST',
    url: '/api/feedback',
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    headers: { 'content-type': 'application/json' },
  });
}
function err(res: { json: () => unknown }) {
  return (res.json() as { error: { code: string; message: string; path?: string } }).error;
}

describe('POST /api/feedback', () => {
  it('stores a batch, answers {accepted}, notifies serving and training, counts the events', async () => {
    const t = await setup();
    const onFeedback = vi.spyOn(t.engine.serving, 'onFeedback');
    const noteEvents = vi.spyOn(t.engine.training, 'noteEvents');
    const before = Date.now();
    const res = await send(t, [
      { userId: 'u1', itemId: 'i1', type: 'click' },
      { userId: 'u1', itemId: 'i2', type: 'rating', value: 4.5, timestamp: '2024-01-02T03:04:05.678Z' },
      { userId: 'u2', itemId: 'i3', type: 'purchase', timestamp: 1_700_000_000_000 },
    ]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: 3, duplicates: 0 });
    expect(noteEvents).toHaveBeenCalledWith(3);
    expect(onFeedback).toHaveBeenCalledTimes(1);
    const rows = onFeedback.mock.calls[0][0];
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(rows[0].value).toBe(1);
    expect(rows[0].timestamp).toBeGreaterThanOrEqual(before);
    expect(rows[1]).toMatchObject({ type: 'rating', value: 4.5, timestamp: Date.UTC(2024, 0, 2, 3, 4, 5, 678) });
    expect((await t.engine.metrics.eventsIngested.get()).values[0].value).toBe(3);
    // Unknown users are created by default.
    expect(await t.engine.storage.getUser('u2')).not.toBeNull();

    const stored = await t.app.inject('/api/users/u1/feedback');
    expect(stored.statusCode).toBe(200);
    expect(stored.json()).toEqual({
      feedback: [
        {
          seq: 1,
          userId: 'u1',
          itemId: 'i1',
          type: 'click',
          value: 1,
          timestamp: new Date(rows[0].timestamp).toISOString(),
        },
        { seq: 2, userId: 'u1', itemId: 'i2', type: 'rating', value: 4.5, timestamp: '2024-01-02T03:04:05.678Z' },
      ],
      next: null,
    });
    expect(
      ((await t.app.inject('/api/users/u1/feedback?n=1')).json() as { feedback: unknown[] }).feedback,
    ).toHaveLength(1);
  });

  it('rejects an unknown feedback type naming it and the valid ones', async () => {
    const t = await setup();
    const ok = { userId: 'u', itemId: 'i1', type: 'click' };
    const res = await send(t, [ok, ok, ok, { ...ok, type: 'bookmark' }]);
    expect(res.statusCode).toBe(400);
    expect(err(res)).toEqual({
      code: 'VALIDATION',
      path: 'body.3.type',
      message:
        'body.3.type "bookmark" is not a configured feedback type; valid types: click, like, purchase, rating, dislike, read',
    });
    // Inherited object keys are not types.
    for (const type of ['constructor', 'toString', '__proto__'])
      expect((await send(t, [{ ...ok, type }])).statusCode).toBe(400);
    expect(await t.engine.storage.feedbackCount()).toBe(0);
  });

  it('honours configured types', async () => {
    const t = await setup({ feedback: { types: { view: { weight: 1 }, stars: { weight: 1, useValue: true } } } });
    expect((await send(t, [{ userId: 'u', itemId: 'i1', type: 'view' }])).statusCode).toBe(200);
    expect(err(await send(t, [{ userId: 'u', itemId: 'i1', type: 'nope' }])).message).toMatch(
      /valid types: .*view, stars$/,
    );
    const noValue = await send(t, [{ userId: 'u', itemId: 'i1', type: 'stars' }]);
    expect(err(noValue)).toMatchObject({
      path: 'body.0.value',
      message: 'body.0.value is required for feedback type "stars"',
    });
  });

  it("rejects a value outside its type's range, naming the row, the type and the range (issue 12: 1e308)", async () => {
    const t = await setup({
      feedback: {
        types: {
          rating: { weight: 1, useValue: true, min: 0, max: 5 },
          view: { weight: 1 },
          big: { weight: 1, min: 2 },
        },
      },
    });
    const ok = { userId: 'u', itemId: 'i1', type: 'rating', value: 5 };
    const res = await send(t, [ok, { ...ok, value: 1e308 }]);
    expect(res.statusCode).toBe(400);
    expect(err(res)).toEqual({
      code: 'VALIDATION',
      path: 'body.1.value',
      message: 'body.1.value 1e+308 is outside the range of feedback type "rating": 0..5',
    });
    expect(err(await send(t, [{ ...ok, value: -0.5 }])).path).toBe('body.0.value');
    // No configured range: |value| ≤ 1e6.
    expect(err(await send(t, [{ ...ok, type: 'view', value: 1_000_001 }])).message).toBe(
      'body.0.value 1000001 is outside the range of feedback type "view": -1000000..1000000',
    );
    // The default value 1 is checked too: a type whose range excludes it needs an explicit value.
    expect(err(await send(t, [{ userId: 'u', itemId: 'i1', type: 'big' }])).message).toMatch(
      /^body\.0\.value is required for feedback type "big": the default 1 is outside its range 2\.\.1000000$/,
    );
    expect(await t.engine.storage.feedbackCount()).toBe(0);
    // The bounds are inclusive.
    const edges = [0, 5].map((value) => ({ ...ok, value }));
    const fine = await send(t, [...edges, { ...ok, type: 'view', value: -1e6 }, { ...ok, type: 'big', value: 2 }]);
    expect(fine.json()).toEqual({ accepted: 4, duplicates: 0 });
  });

  it('an unknown item (autoCreateItems off) is a 404 naming it, and nothing of the batch is written', async () => {
    const t = await setup();
    const onFeedback = vi.spyOn(t.engine.serving, 'onFeedback');
    await send(t, [{ userId: 'u0', itemId: 'i1', type: 'click' }]);
    const res = await send(t, [
      { userId: 'u0', itemId: 'i2', type: 'like' },
      { userId: 'brand-new', itemId: 'i3', type: 'like' },
      { userId: 'u0', itemId: 'nope', type: 'like' },
    ]);
    expect(res.statusCode).toBe(404);
    expect(err(res)).toEqual({
      code: 'NOT_FOUND',
      path: 'body.2.itemId',
      message:
        'body.2.itemId: unknown item "nope" (feedback.autoCreateItems is off); nothing of this batch was written',
    });
    expect(await t.engine.storage.feedbackCount()).toBe(1);
    expect(await t.engine.storage.getUser('brand-new')).toBeNull();
    expect(onFeedback).toHaveBeenCalledTimes(1);
  });

  it('concurrent batches (one group commit): a failing one is a 404 alone, the others are stored in order', async () => {
    const t = await setup();
    const onFeedback = vi.spyOn(t.engine.serving, 'onFeedback');
    const [a, bad, c] = await Promise.all([
      send(t, [{ userId: 'ua', itemId: 'i1', type: 'click' }]),
      send(t, [
        { userId: 'ub', itemId: 'i2', type: 'click' },
        { userId: 'ub', itemId: 'nope', type: 'click' },
      ]),
      send(t, [{ userId: 'uc', itemId: 'i3', type: 'click' }]),
    ]);
    expect([a.statusCode, bad.statusCode, c.statusCode]).toEqual([200, 404, 200]);
    expect(err(bad)).toMatchObject({ code: 'NOT_FOUND', path: 'body.1.itemId' });
    expect((await t.engine.storage.scanFeedback(0, 10)).map((r) => [r.seq, r.userId])).toEqual([
      [1, 'ua'],
      [2, 'uc'],
    ]);
    expect(await t.engine.storage.getUser('ub')).toBeNull();
    expect(onFeedback).toHaveBeenCalledTimes(2);
  });

  it('an unknown user is a 404 when autoCreateUsers is off; unknown items are created when autoCreateItems is on', async () => {
    const t = await setup({ feedback: { autoCreateUsers: false, autoCreateItems: true } });
    await t.engine.storage.upsertUsers([{ id: 'known', labels: {}, updatedAt: 0 }]);
    const res = await send(t, [
      { userId: 'known', itemId: 'fresh', type: 'click' },
      { userId: 'stranger', itemId: 'i1', type: 'click' },
    ]);
    expect(err(res)).toMatchObject({ code: 'NOT_FOUND', path: 'body.1.userId' });
    expect(await t.engine.storage.getItem('fresh')).toBeNull();
    expect((await send(t, [{ userId: 'known', itemId: 'fresh', type: 'click' }])).statusCode).toBe(200);
    expect(await t.engine.storage.getItem('fresh')).toMatchObject({ id: 'fresh', hidden: false });
  });

  it('a failing serving hook after the commit does not turn the answer into a 5xx', async () => {
    const t = await setup();
    vi.spyOn(t.engine.serving, 'onFeedback').mockImplementation(() => {
      throw new Error('cache exploded');
    });
    const res = await send(t, [{ userId: 'u', itemId: 'i1', type: 'click' }]);
    expect(res.statusCode).toBe(200);
    expect(await t.engine.storage.feedbackCount()).toBe(1);
  });

  const ok = { userId: 'u', itemId: 'i1', type: 'rating', value: 3 };
  const bad: [string, unknown, string, RegExp][] = [
    ['value "NaN"', [{ ...ok, value: 'NaN' }], 'body.0.value', /must be number/],
    ['value "Infinity"', [{ ...ok, value: 'Infinity' }], 'body.0.value', /must be number/],
    [
      'value 1e400 (Infinity after parsing)',
      '[{"userId":"u","itemId":"i1","type":"click","value":1e400}]',
      'body.0.value',
      /must be number/,
    ],
    ['value -1e400', '[{"userId":"u","itemId":"i1","type":"click","value":-1e400}]', 'body.0.value', /must be number/],
    ['value null', [{ ...ok, value: null }], 'body.0.value', /must be number/],
    ['userId number', [{ ...ok, userId: 7 }], 'body.0.userId', /must be string/],
    ['type missing', [{ userId: 'u', itemId: 'i1' }], 'body.0.type', /is required/],
    ['unknown field', [ok, { ...ok, weight: 2 }], 'body.1.weight', /not a known field/],
    ['empty batch', [], 'body', /at least one row/],
    ['object instead of array', ok, 'body', /must be array/],
    ['timestamp "NaN"', [{ ...ok, timestamp: 'NaN' }], 'body.0.timestamp', /ISO-8601/],
    ['timestamp in seconds as a string', [{ ...ok, timestamp: '1700000000' }], 'body.0.timestamp', /ISO-8601/],
    [
      'timestamp with a bad offset',
      [{ ...ok, timestamp: '2024-01-01T00:00:00+25:00' }],
      'body.0.timestamp',
      /ISO-8601/,
    ],
    ['negative huge timestamp', [{ ...ok, timestamp: -1e300 }], 'body.0.timestamp', /epoch milliseconds/],
  ];
  for (const [name, payload, path, message] of bad) {
    it(`bad input: ${name} → 400`, async () => {
      const t = await setup();
      const res = await send(t, payload);
      expect(res.statusCode).toBe(400);
      expect(err(res)).toMatchObject({ code: 'VALIDATION', path });
      expect(err(res).message).toMatch(message);
      expect(await t.engine.storage.feedbackCount()).toBe(0);
    });
  }

  it('malformed JSON and a non-JSON content type are 4xx', async () => {
    const t = await setup();
    const res = await send(t, '[{"userId": "u", ');
    expect(res.statusCode).toBe(400);
    expect(err(res).code).toBe('INVALID_JSON');
    // JSON only: text/plain is a 415 like any other content type (api/json-parser.ts drops Fastify's text parser).
    const text = await t.app.inject({
      method: 'POST',
      url: '/api/feedback',
      payload: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.statusCode).toBe(415);
    expect(err(text).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const xml = await t.app.inject({
      method: 'POST',
      url: '/api/feedback',
      payload: '<a/>',
      headers: { 'content-type': 'application/xml' },
    });
    expect(xml.statusCode).toBe(415);
  });
});
