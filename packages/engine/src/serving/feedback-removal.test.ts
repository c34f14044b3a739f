import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../config.js';
import { Engine } from '../engine.js';
import { buildServer, type App } from '../server.js';
import type { FeedbackRecord, ItemRecord } from '../storage/port.js';

const NOW = Date.now();
const open: { app: App; engine: Engine; dir: string }[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) {
    await c.app.close();
    await c.engine.close();
    rmSync(c.dir, { recursive: true, force: true });
  }
});

/**
 * Items `hit` (liked by h0–h29), `b` (liked by b0–b9) and `c` (liked by b0–b4), all 'drama', plus filler items each
 * liked once, so a model can be trained.
 */
async function engineWithLikes() {
  const dir = mkdtempSync(join(tmpdir(), 'kindred-removal-'));
  const config = validateConfig({
    dataDir: dir,
    server: { logLevel: 'silent' },
    training: { algorithm: 'als', params: { factors: 4, iterations: 3 } },
  });
  const engine = await Engine.open(config);
  const app = await buildServer(engine, { logger: false });
  await app.ready();
  open.push({ app, engine, dir });
  const items: ItemRecord[] = ['hit', 'b', 'c', ...Array.from({ length: 10 }, (_, k) => `f${k}`)].map((id) => ({
    id,
    categories: ['drama'],
    labels: {},
    timestamp: NOW,
    hidden: false,
    updatedAt: NOW,
  }));
  await engine.storage.upsertItems(items);
  const rows: FeedbackRecord[] = [];
  const like = (userId: string, itemId: string) =>
    rows.push({ userId, itemId, type: 'like', value: 1, timestamp: NOW - 1000 });
  for (let u = 0; u < 30; u++) {
    like(`h${u}`, 'hit');
    like(`h${u}`, `f${u % 10}`);
  }
  for (let u = 0; u < 10; u++) like(`b${u}`, 'b');
  for (let u = 0; u < 5; u++) like(`b${u}`, 'c');
  await engine.storage.insertFeedback(rows, { createUsers: true, createItems: false });
  await engine.serving.reload();
  return { app, engine };
}

async function popular(app: App, category?: string): Promise<string[]> {
  const url = `/api/popular?n=3${category ? `&category=${category}` : ''}`;
  const r = await app.inject({ method: 'GET', url });
  expect(r.statusCode).toBe(200);
  return (r.json() as { items: { id: string }[] }).items.map((x) => x.id);
}

describe('deletions update popularity at once and across retrains', () => {
  it('deleted users stop counting: /api/popular (global and per category) and after a retrain', async () => {
    const { app, engine } = await engineWithLikes();
    expect(await popular(app)).toEqual(['hit', 'b', 'c']);
    for (let u = 0; u < 28; u++)
      expect((await app.inject({ method: 'DELETE', url: `/api/users/h${u}` })).statusCode).toBe(204);
    // hit now has 2 likes: below b (10) and c (5).
    expect(await popular(app)).toEqual(['b', 'c', 'hit']);
    expect(await popular(app, 'drama')).toEqual(['b', 'c', 'hit']);
    const outcome = await engine.training.trainNow();
    expect(outcome.status).toBe('activated');
    expect(await popular(app)).toEqual(['b', 'c', 'hit']);
    // And the same as a restart computes from the store.
    await engine.serving.reload();
    expect(await popular(app)).toEqual(['b', 'c', 'hit']);
  });

  it('a deleted item loses its count: created again under the same id it starts from zero', async () => {
    const { app } = await engineWithLikes();
    expect((await app.inject({ method: 'DELETE', url: '/api/items/b' })).statusCode).toBe(204);
    expect((await popular(app)).slice(0, 2)).toEqual(['hit', 'c']);
    const again = await app.inject({
      method: 'POST',
      url: '/api/items',
      payload: [{ id: 'b', categories: ['drama'] }],
    });
    expect(again.statusCode).toBe(200);
    expect((await popular(app)).slice(0, 2)).toEqual(['hit', 'c']);
  });

  it('single removed events (onFeedbackRemoved) leave popularity and the user’s cached history at once', async () => {
    const { app, engine } = await engineWithLikes();
    // b0 has seen b and c: neither is recommended to them.
    const before = (await app.inject('/api/recommend/b0?n=20')).json() as { items: { id: string }[] };
    expect(before.items.map((x) => x.id)).not.toContain('c');
    const removed = (await engine.storage.scanFeedback(0, 1000)).filter((r) => r.itemId === 'b').slice(0, 8);
    expect(removed).toHaveLength(8);
    engine.serving.onFeedbackRemoved(removed);
    // b keeps 2 likes: below c (5) and the filler items (3 each).
    expect((await popular(app)).slice(0, 2)).toEqual(['hit', 'c']);
    const c0 = (await engine.storage.scanFeedback(0, 1000)).filter((r) => r.userId === 'b0' && r.itemId === 'c');
    engine.serving.onFeedbackRemoved(c0);
    const after = (await app.inject('/api/recommend/b0?n=20')).json() as { items: { id: string }[] };
    expect(after.items.map((x) => x.id)).toContain('c');
  });
});
