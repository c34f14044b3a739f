import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_RECORD_BYTES, PAGE_BYTE_BUDGET } from '../record-size.js';
import { ingestTestApp } from './ingest-test-app.js';

type T = Awaited<ReturnType<typeof ingestTestApp>>;

describe('label keys and record size', () => {
  let t: T;
  beforeAll(async () => {
    t = await ingestTestApp({}, { memory: true });
  });
  afterAll(() => t.close());

  const send = (method: 'POST' | 'PATCH', url: string, payload: unknown) => t.app.inject({ method, url, payload });

  it('bounds label keys: 1..256 characters, no control characters, at most 256 keys', async () => {
    const long = await send('POST', '/api/items', [{ id: 'i1', labels: { ['k'.repeat(9_000_000)]: 'v' } }]);
    expect(long.statusCode).toBe(400);
    const err = long.json().error;
    expect(err.code).toBe('VALIDATION');
    expect(err.path).toBe('body.0.labels');
    expect(err.message).toContain('label keys must be 1 to 256 characters');
    // The answer does not echo the 9 MB key.
    expect(long.body.length).toBeLessThan(500);

    for (const key of ['', 'a\u0000b', 'tab\there']) {
      const r = await send('POST', '/api/users', [{ id: 'u1', labels: { [key]: 'v' } }]);
      expect(r.statusCode, JSON.stringify(key)).toBe(400);
      expect(r.json().error.path).toBe('body.0.labels');
    }
    const ok = await send('POST', '/api/users', [{ id: 'u1', labels: { ['k'.repeat(256)]: 'v', 'é 中': 'v' } }]);
    expect(ok.statusCode).toBe(200);
    const many = Object.fromEntries(Array.from({ length: 257 }, (_, k) => [`k${k}`, 'v']));
    expect((await send('PATCH', '/api/users/u1', { labels: many })).statusCode).toBe(400);
  });

  it('bounds a stored record at 256 KiB (labels + categories + text), naming the row', async () => {
    const big = Object.fromEntries(Array.from({ length: 80 }, (_, k) => [`k${k}`, 'v'.repeat(4000)]));
    const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd', labels: big }];
    const r = await send('POST', '/api/items', rows);
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toMatchObject({ code: 'VALIDATION', path: 'body.3' });
    expect(r.json().error.message).toContain(`${MAX_RECORD_BYTES} bytes`);
    expect((await t.app.inject({ method: 'GET', url: '/api/items/a' })).statusCode).toBe(404); // nothing written

    const users = await send('POST', '/api/users', [{ id: 'u2', labels: big }]);
    expect(users.json().error).toMatchObject({ code: 'VALIDATION', path: 'body.0' });
    expect((await send('PATCH', '/api/users/u1', { labels: big })).json().error.path).toBe('body');
  });

  it('counts the fields a PATCH keeps', async () => {
    const half = Object.fromEntries(Array.from({ length: 40 }, (_, k) => [`k${k}`, 'v'.repeat(4000)]));
    expect((await send('POST', '/api/items', [{ id: 'p', text: 't'.repeat(65_000), labels: half }])).statusCode).toBe(
      200,
    );
    const more = { ...half, ...Object.fromEntries(Array.from({ length: 20 }, (_, k) => [`m${k}`, 'v'.repeat(4000)])) };
    const r = await send('PATCH', '/api/items/p', { labels: more });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.path).toBe('body');
    // Clearing the text makes room.
    expect((await send('PATCH', '/api/items/p', { labels: more, text: null })).statusCode).toBe(200);
  });
});

describe('list pages stop at a byte budget', () => {
  let t: T;
  beforeAll(async () => {
    t = await ingestTestApp({}, { memory: true });
    // 40 records of ~200 KB: 8 MB in all, twice the budget.
    const labels = Object.fromEntries(Array.from({ length: 50 }, (_, k) => [`k${k}`, 'v'.repeat(4000)]));
    const items = Array.from({ length: 40 }, (_, k) => ({ id: `i${String(k).padStart(2, '0')}`, labels }));
    for (let k = 0; k < 40; k += 10)
      expect(
        (await t.app.inject({ method: 'POST', url: '/api/items', payload: items.slice(k, k + 10) })).statusCode,
      ).toBe(200);
    const users = items.map((it) => ({ id: it.id.replace('i', 'u'), labels }));
    for (let k = 0; k < 40; k += 10)
      await t.app.inject({ method: 'POST', url: '/api/users', payload: users.slice(k, k + 10) });
  });
  afterAll(() => t.close());

  for (const kind of ['items', 'users'] as const)
    it(`GET /api/${kind}?n=1000 pages by bytes, and the cursors cover every record once`, async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url = `/api/${kind}?n=1000${cursor ? `&cursor=${cursor}` : ''}`;
        const r = await t.app.inject({ method: 'GET', url });
        expect(r.statusCode).toBe(200);
        // At most the budget plus one record (the one that crossed it is left for the next page) and the envelope.
        expect(r.body.length).toBeLessThan(PAGE_BYTE_BUDGET + 300_000);
        const body = r.json() as { next: string | null } & Record<string, { id: string }[]>;
        seen.push(...body[kind].map((x) => x.id));
        cursor = body.next;
        pages++;
      } while (cursor !== null);
      expect(pages).toBeGreaterThanOrEqual(2);
      expect(seen).toEqual([...new Set(seen)]);
      expect(seen.length).toBe(40);
    });
});
