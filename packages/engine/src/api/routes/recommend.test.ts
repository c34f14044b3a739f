import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Als, InteractionsBuilder, saveModel } from 'kindred';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../config.js';
import { Engine } from '../../engine.js';
import { buildServer, type App } from '../../server.js';
import type { FeedbackRecord, ItemRecord, ModelRecord, Storage } from '../../storage/port.js';

const HOUR = 3_600_000;
const NOW = Date.now();

/**
 * 40 items: i0–i19 are 'drama', i20–i39 'comedy'; item k is titled "Movie k" and published k hours ago.
 * 60 users: u0–u29 like 8 dramas each, u30–u59 8 comedies (a deterministic LCG picks them), all a day ago.
 */
function catalogue(): ItemRecord[] {
  return Array.from({ length: 40 }, (_, k) => ({
    id: `i${k}`,
    categories: [k < 20 ? 'drama' : 'comedy'],
    labels: { title: `Movie ${k}` },
    timestamp: NOW - k * HOUR,
    hidden: false,
    updatedAt: NOW,
  }));
}

function likes(): FeedbackRecord[] {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const rows: FeedbackRecord[] = [];
  for (let u = 0; u < 60; u++) {
    const base = u < 30 ? 0 : 20;
    const picked = new Set<number>();
    while (picked.size < 8) picked.add(base + Math.floor(next() * 20));
    for (const k of picked)
      rows.push({ userId: `u${u}`, itemId: `i${k}`, type: 'like', value: 1, timestamp: NOW - 24 * HOUR });
  }
  return rows;
}

/** Trains ALS directly with kindred on the store's feedback (like = weight 2), saves and activates it. */
async function trainAndActivate(storage: Storage, seed = 1): Promise<{ model: Als; record: ModelRecord }> {
  const b = new InteractionsBuilder();
  for (const r of await storage.scanFeedback(0, 100_000)) if (r.type === 'like') b.add(r.userId, r.itemId, 2);
  const model = new Als({ factors: 8, iterations: 8, regularization: 0.05, seed }).fit(b.build('sum'));
  const saved = await storage.saveModel(
    {
      algorithm: 'als',
      params: {},
      createdAt: Date.now(),
      metrics: {},
      trainedThroughSeq: await storage.lastSeq(),
      fitSeconds: 0,
    },
    saveModel(model),
  );
  await storage.activateModel(saved.version);
  return { model, record: { ...saved, active: true } };
}

interface Ctx {
  app: App;
  engine: Engine;
  dir: string;
}

async function open(config: Record<string, unknown> = {}): Promise<Ctx> {
  const dir = mkdtempSync(join(tmpdir(), 'kindred-serving-'));
  const engine = await Engine.open(validateConfig({ ...config, dataDir: dir, server: { logLevel: 'silent' } }));
  const app = await buildServer(engine, { logger: false });
  await app.ready();
  return { app, engine, dir };
}

async function close(c: Ctx): Promise<void> {
  await c.app.close();
  await c.engine.close();
  rmSync(c.dir, { recursive: true, force: true });
}

type List = {
  items: {
    id: string;
    score: number;
    reason: { source: string; because: string[]; sources: string[] };
    explanation: string;
  }[];
  model: { name: string; version: number } | null;
  fallback: string | null;
};

async function get(c: Ctx, url: string): Promise<{ status: number; body: List & Record<string, unknown> }> {
  const r = await c.app.inject({ method: 'GET', url });
  return { status: r.statusCode, body: r.json() };
}

const ids = (l: List) => l.items.map((x) => x.id);
const num = (id: string) => Number(id.slice(1));

describe('cold start (no model)', () => {
  let c: Ctx;
  beforeAll(async () => {
    c = await open();
  });
  afterAll(() => close(c));

  it('an empty store serves an empty list, not an error, and is not ready', async () => {
    const r = await get(c, '/api/recommend/nobody');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ items: [], model: null, fallback: null, reason: 'no items in the catalogue' });
    expect((await c.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(503);
  });

  it('with items but no feedback: the latest items, and the response says so', async () => {
    await c.engine.storage.upsertItems(catalogue());
    c.engine.serving.onItemsUpserted(catalogue());
    const r = await get(c, '/api/recommend/nobody?n=3');
    expect(r.body.fallback).toBe('latest');
    expect(r.body.model).toBeNull();
    expect(r.body.items.every((x) => x.reason.source === 'latest')).toBe(true);
    expect(r.body.items[0].explanation).toBe('New this week');
    // Newest first, with MMR (λ 0.8) free to interleave the two categories among near-equal scores.
    expect(ids(r.body)[0]).toBe('i0');
    expect(ids(r.body).every((id) => num(id) < 6)).toBe(true);
    const ready = await c.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().fallbacks).toEqual(['popular', 'latest']);
  });

  it('with feedback but no model: the popular items (counts from the store after a reload)', async () => {
    await c.engine.storage.insertFeedback(likes(), { createUsers: true, createItems: false });
    await c.engine.serving.reload();
    const r = await get(c, '/api/recommend/nobody?n=5');
    expect(r.body.fallback).toBe('popular');
    expect(r.body.items[0].explanation).toBe('Popular right now');
    const pop = await get(c, '/api/popular?n=40');
    const counts = new Map<string, number>();
    for (const f of likes()) counts.set(f.itemId, (counts.get(f.itemId) ?? 0) + 1);
    // Scores are counts relative to the top item's (one scale for every list).
    const top = Math.max(...counts.values());
    expect(pop.body.items.map((x) => x.score)).toEqual(
      [...counts.values()]
        .sort((a, b) => b - a)
        .slice(0, pop.body.items.length)
        .map((k) => k / top),
    );
    for (const x of pop.body.items) expect(x.score).toBe(counts.get(x.id)! / top);
    const drama = await get(c, '/api/popular?n=5&category=drama');
    expect(drama.body.items.every((x) => num(x.id) < 20)).toBe(true);
    expect(drama.body.items[0].explanation).toBe('Popular in drama');
    const latest = await get(c, '/api/latest?n=4&category=comedy');
    expect(ids(latest.body)).toEqual(['i20', 'i21', 'i22', 'i23']);
    const nope = await get(c, '/api/popular?category=nope');
    expect(nope.body.items).toEqual([]);
    expect(nope.body.reason).toBe('filter matched no items (no visible item has category "nope")');
  });

  it('similar items fall back to popular items of the same category; similar users need a model', async () => {
    const r = await get(c, '/api/items/i3/similar?n=4');
    expect(r.status).toBe(200);
    expect(r.body.fallback).toBe('popular');
    expect(ids(r.body)).not.toContain('i3');
    expect(r.body.items.every((x) => num(x.id) < 20)).toBe(true);
    expect((await get(c, '/api/items/zzz/similar')).status).toBe(404);
    const u = await get(c, '/api/users/u1/similar');
    expect(u.status).toBe(400);
    expect((u.body as unknown as { error: { code: string } }).error.code).toBe('NOT_SUPPORTED');
  });
});

describe('with a trained ALS model', () => {
  let c: Ctx;
  let first: ModelRecord;
  beforeAll(async () => {
    // MMR off (λ = 1), so the lists show the model's taste alone; the cold-start block runs with the default 0.8.
    c = await open({ serving: { diversityLambda: 1 } });
    await c.engine.storage.upsertItems(catalogue());
    await c.engine.storage.insertFeedback(likes(), { createUsers: true, createItems: false });
    first = (await trainAndActivate(c.engine.storage)).record;
    await c.engine.serving.reload();
  });
  afterAll(() => close(c));

  it('serves model-sourced, explained items of the user’s taste, never what they already liked', async () => {
    const r = await get(c, '/api/recommend/u0?n=5');
    expect(r.status).toBe(200);
    expect(r.body.model).toEqual({ name: 'als', version: first.version });
    expect(r.body.fallback).toBeNull();
    expect(r.body.items).toHaveLength(5);
    const liked = new Set(
      likes()
        .filter((f) => f.userId === 'u0')
        .map((f) => f.itemId),
    );
    for (const x of r.body.items) {
      expect(liked.has(x.id)).toBe(false);
      expect(num(x.id)).toBeLessThan(20); // u0 likes dramas
      expect(x.reason.sources.some((s) => s === 'als' || s === 'item-to-item')).toBe(true);
      expect(x.explanation.length).toBeGreaterThan(0);
    }
    // The liked items (a day old) drive item-to-item: "Because you liked Movie k" names one of them by title.
    const because = r.body.items.filter((x) => x.reason.source === 'item-to-item');
    expect(because.length).toBeGreaterThan(0);
    for (const x of because) {
      expect(liked.has(x.reason.because[0])).toBe(true);
      expect(x.explanation).toBe(`Because you liked Movie ${num(x.reason.because[0])}`);
    }
    expect(r.body.items.some((x) => x.reason.sources.includes('als'))).toBe(true);
  });

  it('exclude, category and offset', async () => {
    const full = await get(c, '/api/recommend/u1?n=6');
    const page = await get(c, '/api/recommend/u1?n=3&offset=2');
    expect(ids(page.body)).toEqual(ids(full.body).slice(2, 5));
    const ex = await get(c, `/api/recommend/u1?n=6&exclude=${ids(full.body)[0]},${ids(full.body)[1]}`);
    expect(ids(ex.body)).not.toContain(ids(full.body)[0]);
    expect(ids(ex.body)).not.toContain(ids(full.body)[1]);
    expect(ids(ex.body)).toHaveLength(6);
    const comedy = await get(c, '/api/recommend/u1?n=5&category=comedy');
    expect(comedy.body.items.length).toBeGreaterThan(0);
    expect(comedy.body.items.every((x) => num(x.id) >= 20)).toBe(true);
    expect((await get(c, '/api/recommend/u1?category=nope')).body.items).toEqual([]);
  });

  it('rejects bad queries with 400 and a path', async () => {
    for (const q of ['n=0', 'n=201', 'n=abc', 'n=-1', 'n=NaN', 'offset=1.5', 'offset=499', 'exclude=a,,b', 'foo=1']) {
      const r = await get(c, `/api/recommend/u1?${q}`);
      expect(r.status, q).toBe(400);
      expect((r.body as unknown as { error: { code: string } }).error.code, q).toBe('VALIDATION');
    }
    // Fastify refuses path parameters over 100 characters before validation (414); either way a 4xx.
    const long = await get(c, `/api/recommend/${'x'.repeat(257)}`);
    expect(long.status).toBeGreaterThanOrEqual(400);
    expect(long.status).toBeLessThan(500);
  });

  it('hidden and deleted items disappear from cached lists at once', async () => {
    const before = ids((await get(c, '/api/recommend/u2?n=5')).body);
    const patch = await c.app.inject({ method: 'PATCH', url: `/api/items/${before[0]}`, payload: { hidden: true } });
    expect(patch.statusCode).toBe(200);
    expect(ids((await get(c, '/api/recommend/u2?n=5')).body)).not.toContain(before[0]);
    await c.app.inject({ method: 'DELETE', url: `/api/items/${before[1]}` });
    expect(ids((await get(c, '/api/recommend/u2?n=5')).body)).not.toContain(before[1]);
    await c.app.inject({ method: 'PATCH', url: `/api/items/${before[0]}`, payload: { hidden: false } });
  });

  it('feedback is visible at once: seen items excluded, a new user’s list follows their likes', async () => {
    const top = ids((await get(c, '/api/recommend/u3?n=5')).body)[0];
    const post = await c.app.inject({
      method: 'POST',
      url: '/api/feedback',
      payload: [{ userId: 'u3', itemId: top, type: 'read' }],
    });
    expect(post.statusCode).toBe(200);
    expect(ids((await get(c, '/api/recommend/u3?n=5')).body)).not.toContain(top);

    // A user the model has never seen: cold start, then their comedy likes steer the list (fold-in + item-to-item).
    expect((await get(c, '/api/recommend/newbie?n=5')).body.fallback).toBe('popular');
    await c.app.inject({
      method: 'POST',
      url: '/api/feedback',
      payload: ['i21', 'i25', 'i30'].map((itemId) => ({ userId: 'newbie', itemId, type: 'like' })),
    });
    const after = await get(c, '/api/recommend/newbie?n=5');
    expect(after.body.fallback).toBeNull();
    expect(ids(after.body)).not.toContain('i21');
    expect(after.body.items.filter((x) => num(x.id) >= 20).length).toBeGreaterThanOrEqual(4);
    expect(after.body.items.some((x) => x.reason.sources.includes('als'))).toBe(true);

    // A drama fan who suddenly likes comedies: the fold-in moves their list within the same second.
    const u4 = await get(c, '/api/recommend/u4?n=5');
    expect(u4.body.items.every((x) => num(x.id) < 20)).toBe(true);
    await c.app.inject({
      method: 'POST',
      url: '/api/feedback',
      payload: ['i20', 'i22', 'i24', 'i26', 'i28', 'i31', 'i33', 'i35', 'i37', 'i39'].flatMap((itemId) => [
        { userId: 'u4', itemId, type: 'purchase' },
        { userId: 'u4', itemId, type: 'purchase' },
      ]),
    });
    const moved = await get(c, '/api/recommend/u4?n=5');
    expect(ids(moved.body)).not.toEqual(ids(u4.body));
    expect(moved.body.items.some((x) => num(x.id) >= 20)).toBe(true);
  });

  it('deleting a user drops their state and cached list: they are served as a new user', async () => {
    const before = await get(c, '/api/recommend/u5?n=5');
    expect(before.body.fallback).toBeNull();
    expect((await get(c, '/api/users/u5/similar?n=3')).status).toBe(200);
    expect((await c.app.inject({ method: 'DELETE', url: '/api/users/u5' })).statusCode).toBe(204);
    const after = await get(c, '/api/recommend/u5?n=5');
    expect(after.body.fallback).toBe('popular');
    expect((await get(c, '/api/users/u5/similar')).status).toBe(404);
    const others = await get(c, '/api/users/u6/similar?n=50');
    const users = (others.body as unknown as { users: { id: string }[] }).users;
    expect(users.length).toBeGreaterThan(0);
    expect(users.map((u) => u.id)).not.toContain('u5');
  });

  it('session recommendations from an anonymous visitor’s events', async () => {
    const post = (payload: object) => c.app.inject({ method: 'POST', url: '/api/recommend/session', payload });
    const r = await post({
      feedback: [
        { itemId: 'i21', type: 'like' },
        { itemId: 'i33', type: 'rating', value: 5 },
      ],
      n: 5,
    });
    expect(r.statusCode).toBe(200);
    const body = r.json() as List;
    expect(body.fallback).toBeNull();
    expect(ids(body)).not.toContain('i21');
    expect(body.items.filter((x) => x.reason.source === 'item-to-item').length).toBeGreaterThan(0);
    expect(body.items.some((x) => /^Because you liked Movie (21|33)$/.test(x.explanation))).toBe(true);
    const cold = await post({ feedback: [], n: 3, category: 'drama' });
    expect((cold.json() as List).fallback).toBe('popular');
    expect((cold.json() as List).items.every((x) => num(x.id) < 20)).toBe(true);
    expect((await post({ feedback: [{ itemId: 'i1', type: 'nope' }] })).statusCode).toBe(400);
    expect((await post({ feedback: [{ itemId: 'i1', type: 'rating' }] })).statusCode).toBe(400);
    // Values follow the feedback type's range, as in POST /api/feedback (issue 12: a 1e308 rating).
    expect((await post({ feedback: [{ itemId: 'i1', type: 'rating', value: 1e308 }] })).json()).toMatchObject({
      error: { code: 'VALIDATION', path: 'body.feedback.0.value' },
    });
    expect((await post({ feedback: [], extra: 1 })).statusCode).toBe(400);
    expect((await post({ feedback: [], n: '5' })).statusCode).toBe(400);
    expect((await post({ feedback: [{ itemId: 'unknown', type: 'like' }], n: 2 })).statusCode).toBe(200);
  });

  it('similar items from the model', async () => {
    const r = await get(c, '/api/items/i21/similar?n=5');
    expect(r.body.fallback).toBeNull();
    expect(r.body.items).toHaveLength(5);
    expect(ids(r.body)).not.toContain('i21');
    expect(r.body.items.filter((x) => num(x.id) >= 20).length).toBeGreaterThanOrEqual(4);
    expect(r.body.items[0]).toMatchObject({
      reason: { source: 'als', because: ['i21'] },
      explanation: 'Similar to Movie 21',
    });
    const scores = r.body.items.map((x) => x.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('a model swap during traffic keeps answering; the new version serves afterwards', async () => {
    const { model, record } = await trainAndActivate(c.engine.storage, 2);
    const requests = Array.from({ length: 120 }, (_, k) => get(c, `/api/recommend/u${k % 60}?n=5`));
    c.engine.serving.swapModel(model, record);
    const more = Array.from({ length: 60 }, (_, k) => get(c, `/api/recommend/u${k}?n=5&category=drama`));
    const all = await Promise.all([...requests, ...more]);
    expect(all.every((r) => r.status === 200 && r.body.items.length > 0)).toBe(true);
    expect((await get(c, '/api/recommend/u7')).body.model).toEqual({ name: 'als', version: record.version });
    expect(record.version).toBe(first.version + 1);
  });
});
