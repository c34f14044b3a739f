import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Als, InteractionsBuilder, saveModel } from 'kindred';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../config.js';
import { SqliteStorage } from '../storage/sqlite.js';
import { ServingService } from './service.js';

const NOW = Date.now();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A store with 40 items, 30 users and an active ALS model; a precomputing service and a plain one over it. */
async function setup(serving: Record<string, unknown> = {}, { activate = true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kindred-precompute-'));
  const dbPath = join(dir, 'kindred.db');
  const storage = SqliteStorage.open(dbPath);
  cleanups.push(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const config = validateConfig({ dataDir: dir, serving: { diversityLambda: 0.8, ...serving } });
  await storage.upsertItems(
    Array.from({ length: 40 }, (_, k) => ({
      id: `i${k}`,
      categories: [`c${k % 4}`],
      labels: { title: `Item ${k}` },
      // Published long ago: recency weights are ~0, so lists do not depend on the moment they are computed.
      timestamp: Date.UTC(2000, 0, 1) + k * 60_000,
      hidden: false,
      updatedAt: NOW,
    })),
  );
  const rows = [];
  for (let u = 0; u < 30; u++)
    for (let k = 0; k < 6; k++)
      rows.push({ userId: `u${u}`, itemId: `i${(u * 7 + k * 5) % 40}`, type: 'like', value: 1, timestamp: NOW - k });
  await storage.insertFeedback(rows, { createUsers: true, createItems: false });
  const b = new InteractionsBuilder();
  for (const r of rows) b.add(r.userId, r.itemId, 1);
  const model = new Als({ factors: 6, iterations: 6, regularization: 0.05, seed: 1 }).fit(b.build('sum'));
  const rec = await storage.saveModel(
    {
      algorithm: 'als',
      params: {},
      createdAt: NOW,
      metrics: {},
      trainedThroughSeq: await storage.lastSeq(),
      fitSeconds: 0,
    },
    saveModel(model),
  );
  if (activate) await storage.activateModel(rec.version);
  // Without the latest/category generators a list does not depend on the moment it is computed, so the worker's
  // lists and on-demand ones can be compared exactly. The embedder's pipeline options reach the worker too.
  const pipeline = { candidates: { latest: { n: 0 }, category: { n: 0 } } };
  const pre = new ServingService({ config, storage, dbPath }, { pipeline });
  const plain = new ServingService(
    { config: validateConfig({ ...config, serving: { ...config.serving, precomputeUsers: 0 } }), storage },
    { pipeline },
  );
  cleanups.push(() => pre.close());
  await Promise.all([pre.reload(), plain.reload()]);
  return { storage, pre, plain, model, rec };
}

async function finished(s: ServingService) {
  for (let t = 0; t < 600; t++) {
    const p = s.ready().precompute;
    if (p.status !== 'running') return p;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('precompute did not finish in 30 s');
}

describe('precomputed lists', () => {
  it('a worker computes every user’s default list; pages served from it equal on-demand pages', async () => {
    const { pre, plain } = await setup();
    expect(pre.ready().precompute.status).toBe('running');
    const st = await finished(pre);
    expect(st.status).toBe('done');
    expect(st.users).toBe(30);
    // Scores may differ in the last digits: the latest/freshness terms decay with the time of the request.
    const shape = (l: Awaited<ReturnType<ServingService['recommend']>>) => ({
      ...l,
      items: l.items.map((x) => ({ ...x, score: Math.round(x.score * 1e6) })),
    });
    for (let u = 0; u < 30; u++)
      for (const [offset, n] of [
        [0, 10],
        [5, 20],
      ])
        expect(shape(await pre.recommend(`u${u}`, { n, offset }))).toEqual(
          shape(await plain.recommend(`u${u}`, { n, offset })),
        );
    // The serialized fast path answers the same body; filters and exclusions are never precomputed.
    for (let u = 0; u < 30; u++) {
      const req = { n: 7, offset: u % 3 };
      const json = pre.recommendJson(`u${u}`, req);
      expect(json).not.toBeNull();
      expect(JSON.parse(json as string)).toEqual(JSON.parse(JSON.stringify(await pre.recommend(`u${u}`, req))));
    }
    expect(pre.recommendJson('u1', { n: 5, category: 'c1' })).toBeNull();
    expect(pre.recommendJson('u1', { n: 5, exclude: ['i1'] })).toBeNull();
    expect(pre.recommendJson('nobody', { n: 5 })).toBeNull();
    expect(plain.recommendJson('u1', { n: 5 })).toBeNull();
    // The lookup path: the precomputing service never read these users from the store.
    expect((pre as unknown as { users: { size: number } }).users.size).toBe(0);
  });

  it('new feedback voids the user’s list at once: the item is excluded on the next request', async () => {
    const { pre, storage } = await setup();
    await finished(pre);
    const before = await pre.recommend('u3', { n: 5 });
    const row = { userId: 'u3', itemId: before.items[0].id, type: 'read', value: 1, timestamp: NOW };
    await storage.insertFeedback([row], { createUsers: false, createItems: false });
    pre.onFeedback([row]);
    expect(pre.recommendJson('u3', { n: 5 })).toBeNull();
    const after = await pre.recommend('u3', { n: 5 });
    expect(after.items.map((x) => x.id)).not.toContain(before.items[0].id);
    expect(pre.ready().precompute.users).toBe(29);
  });

  it('a deleted item is never served from a stored list; a deleted user loses theirs', async () => {
    const { pre, storage } = await setup();
    await finished(pre);
    const list = await pre.recommend('u4', { n: 5 });
    const gone = list.items[1].id;
    await storage.deleteItem(gone);
    pre.onItemDeleted(gone);
    expect(pre.recommendJson('u4', { n: 5 }) ?? '').not.toContain(`"${gone}"`);
    expect((await pre.recommend('u4', { n: 5 })).items.map((x) => x.id)).not.toContain(gone);
    pre.onUserDeleted('u5');
    expect(pre.ready().precompute.users).toBe(29);
  });

  it('a refresh keeps the current lists serving until the new run has replaced them', async () => {
    const { pre, plain, storage } = await setup();
    await finished(pre);
    const before = await pre.recommend('u6', { n: 5 });
    pre.refreshPrecomputed();
    expect(pre.ready().precompute.status).toBe('running');
    // The previous set answers meanwhile: still a lookup, no store read for the user.
    expect(await pre.recommend('u6', { n: 5 })).toEqual(before);
    expect((pre as unknown as { users: { size: number } }).users.size).toBe(0);
    // Feedback during the refresh voids the user's list in both sets.
    const row = { userId: 'u7', itemId: before.items[0].id, type: 'read', value: 1, timestamp: NOW };
    await storage.insertFeedback([row], { createUsers: false, createItems: false });
    pre.onFeedback([row]);
    plain.onFeedback([row]);
    const st = await finished(pre);
    expect(st.status).toBe('done');
    // Everyone but u7, whose feedback arrived while the run was under way.
    expect(st.users).toBe(29);
    expect((await pre.recommend('u7', { n: 5 })).items.map((x) => x.id)).toEqual(
      (await plain.recommend('u7', { n: 5 })).items.map((x) => x.id),
    );
  });

  it('after a model swap the previous lists serve (naming their model) until the new run replaces them', async () => {
    const { pre, storage } = await setup();
    await finished(pre);
    const before = await pre.recommend('u8', { n: 5 });
    expect(before.model?.version).toBe(1);
    // A second model (other factors), saved, activated and swapped in as training does.
    const b = new InteractionsBuilder();
    for (let u = 0; u < 30; u++) for (let k = 0; k < 6; k++) b.add(`u${u}`, `i${(u * 7 + k * 5) % 40}`, 1);
    const model = new Als({ factors: 4, iterations: 4, regularization: 0.1, seed: 9 }).fit(b.build('sum'));
    const meta = { algorithm: 'als', params: {}, createdAt: NOW, metrics: {}, trainedThroughSeq: 0, fitSeconds: 0 };
    const rec = await storage.saveModel(meta, saveModel(model));
    await storage.activateModel(rec.version);
    pre.swapModel(model, rec);
    expect(pre.ready()).toMatchObject({ model: { version: rec.version }, precompute: { status: 'running' } });
    // Still a lookup in the old set: the same list, honest about the model that computed it.
    expect(await pre.recommend('u8', { n: 5 })).toEqual(before);
    expect(JSON.parse(pre.recommendJson('u8', { n: 5 }) as string).model).toEqual({ name: 'als', version: 1 });
    expect((pre as unknown as { users: { size: number } }).users.size).toBe(0);
    // A user who gives feedback meanwhile leaves the old set at once.
    const row = { userId: 'u9', itemId: before.items[0].id, type: 'read', value: 1, timestamp: NOW };
    await storage.insertFeedback([row], { createUsers: false, createItems: false });
    pre.onFeedback([row]);
    expect(pre.recommendJson('u9', { n: 5 })).toBeNull();
    expect((await pre.recommend('u9', { n: 5 })).model?.version).toBe(rec.version);
    await finished(pre);
    expect((await pre.recommend('u8', { n: 5 })).model?.version).toBe(rec.version);
    expect((pre as unknown as { previousLists: unknown }).previousLists).toBeNull();
  });

  it('lists computed without a model do not outlive the arrival of one', async () => {
    const { pre, storage, model, rec } = await setup({}, { activate: false });
    await finished(pre);
    expect(JSON.parse(pre.recommendJson('u8', { n: 5 }) as string).model).toBeNull();
    await storage.activateModel(rec.version);
    pre.swapModel(model, rec);
    // The cold-start set gives way at once: the model answers on demand until its own lists arrive.
    expect(pre.recommendJson('u8', { n: 5 })).toBeNull();
    expect((await pre.recommend('u8', { n: 5 })).model?.version).toBe(rec.version);
    await finished(pre);
    expect(JSON.parse(pre.recommendJson('u8', { n: 5 }) as string).model).toEqual({
      name: 'als',
      version: rec.version,
    });
  });

  it('with a cap, the most recently active users get the lists', async () => {
    const { pre, storage } = await setup({ precomputeUsers: 3 });
    // u12 becomes the most recent; then u29 and u28 (the last users of the setup's inserts).
    await storage.insertFeedback([{ userId: 'u12', itemId: 'i1', type: 'click', value: 1, timestamp: NOW }], {
      createUsers: false,
      createItems: false,
    });
    expect(await storage.recentUsers(3)).toEqual(['u12', 'u29', 'u28']);
    pre.refreshPrecomputed();
    const st = await finished(pre);
    expect(st).toMatchObject({ status: 'done', users: 3 });
    const lists = (pre as unknown as { precomputed: { slotOf: Map<string, number> } }).precomputed;
    expect([...lists.slotOf.keys()].sort()).toEqual(['u12', 'u28', 'u29']);
  });

  it('is off with precomputeUsers 0 or without a database file', async () => {
    const { plain } = await setup();
    expect(plain.ready().precompute).toEqual({ status: 'off', users: 0 });
  });
});
