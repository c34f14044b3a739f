import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthetic } from 'kindred';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, startServerProcess, type ServerProcess } from './server-process.js';

// The whole life of a deployment, through HTTP only, against the real server in a child process: import a catalogue
// and feedback, train, serve, delete a user, stop it (SIGTERM), start it again on the same data directory.

const ADMIN = 'e2e-admin-key-0001';
const READ = 'e2e-read-key-00001';
const dir = mkdtempSync(join(tmpdir(), 'kindred-e2e-'));
const configFile = join(dir, 'kindred.json');
const env = { KINDRED_STORE_DIR: join(dir, 'data'), KINDRED_ADMIN_KEY: ADMIN, KINDRED_READ_KEY: READ };
let server: ServerProcess | null = null;

async function call(method: string, path: string, body?: unknown, key = ADMIN) {
  const res = await fetch(server!.url + path, {
    method,
    headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
async function ok(method: string, path: string, body?: unknown) {
  const r = await call(method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

// ML-like data: 5-star ratings from a latent taste model, Zipf popularity, 6 genres.
const data = synthetic({ users: 300, items: 200, interactions: 9000, seed: 5 });
const GENRES = ['Action', 'Comedy', 'Drama', 'Horror', 'Romance', 'Sci-Fi'];
const T0 = Date.parse('2024-01-01T00:00:00Z');
const feedback = Array.from({ length: data.length }, (_, k) => ({
  userId: String(data.userIds.id(data.users[k])),
  itemId: String(data.itemIds.id(data.items[k])),
  type: 'rating',
  value: data.values[k],
  timestamp: T0 + k * 60_000,
}));
const ratedBy = new Map<string, Set<string>>();
for (const f of feedback) (ratedBy.get(f.userId) ?? ratedBy.set(f.userId, new Set()).get(f.userId)!).add(f.itemId);
// The most active user is the one deleted; another active one is followed across the restart.
const byActivity = [...ratedBy.entries()].sort((a, b) => b[1].size - a[1].size).map(([u]) => u);
const doomed = byActivity[0];
const kept = byActivity[1];

const ids = (list: { items: { id: string }[] }) => list.items.map((x) => x.id);

beforeAll(() => {
  ensureBuilt();
  writeFileSync(
    configFile,
    JSON.stringify({
      server: { logLevel: 'warn' },
      // Training only on demand, so the test decides how many versions exist.
      training: {
        fitAfterEvents: 0,
        fitPeriodSeconds: 0,
        params: { factors: 16, iterations: 8, regularization: 0.05 },
      },
    }),
  );
}, 180_000);
afterAll(async () => {
  await server?.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('engine end to end (real server in a child process)', () => {
  let before: { users: string[]; items: number; feedback: Record<string, unknown[]>; recs: string[] };

  it('imports, trains, recommends, deletes a user, and keeps everything across a restart', async () => {
    server = await startServerProcess(env, configFile);
    expect((await call('GET', '/health/live')).status).toBe(200);

    // ---- import ----
    const items = Array.from({ length: data.nItems }, (_, i) => ({
      id: String(data.itemIds.id(i)),
      categories: [GENRES[i % GENRES.length]],
      labels: { title: `Movie ${i}` },
      timestamp: new Date(T0 - i * 86_400_000).toISOString(),
    }));
    expect(await ok('POST', '/api/items', items)).toEqual({ accepted: data.nItems });
    for (let k = 0; k < feedback.length; k += 1000)
      expect(await ok('POST', '/api/feedback', feedback.slice(k, k + 1000))).toEqual({
        accepted: Math.min(1000, feedback.length - k),
        duplicates: 0,
      });
    // A read key cannot train.
    expect((await call('POST', '/api/train?wait=true', undefined, READ)).status).toBe(403);

    // ---- train ----
    const trained = await ok('POST', '/api/train?wait=true');
    expect(trained.status).toBe('activated');
    expect(trained.model).toMatchObject({ version: 1, algorithm: 'als', active: true });
    expect(trained.model.trainedThroughSeq).toBe(feedback.length);
    expect(trained.model.metrics['ndcg@10']).toBeGreaterThan(0);
    const models = await ok('GET', '/api/models');
    expect(models.map((m: { version: number; active: boolean }) => [m.version, m.active])).toEqual([[1, true]]);

    // ---- recommend: personalised, by the model, never an item the user already rated ----
    const recs = await ok('GET', `/api/recommend/${kept}?n=10`);
    expect(recs.model).toEqual({ name: 'als', version: 1 });
    expect(recs.fallback).toBeNull();
    expect(recs.items).toHaveLength(10);
    for (const it of recs.items) {
      expect(ratedBy.get(kept)!.has(it.id)).toBe(false);
      expect(typeof it.explanation).toBe('string');
    }
    expect(recs.items.some((it: { reason: { sources: string[] } }) => it.reason.sources.includes('als'))).toBe(true);
    // Paging and exclusions.
    const page2 = await ok('GET', `/api/recommend/${kept}?n=5&offset=5`);
    expect(ids(page2)).toEqual(ids(recs).slice(5, 10));
    const excl = await ok('GET', `/api/recommend/${kept}?n=10&exclude=${ids(recs).slice(0, 3).join(',')}`);
    expect(ids(excl).some((id) => ids(recs).slice(0, 3).includes(id))).toBe(false);

    // ---- similar items ----
    const seed = String(data.itemIds.id(0));
    const similar = await ok('GET', `/api/items/${seed}/similar?n=5`);
    expect(similar.items).toHaveLength(5);
    expect(ids(similar)).not.toContain(seed);
    expect(similar.items[0].reason).toMatchObject({ source: 'als', because: [seed] });
    expect((await call('GET', '/api/items/no-such-item/similar?n=5')).status).toBe(404);

    // ---- session (anonymous) ----
    const sessionItems = [...ratedBy.get(kept)!].slice(0, 4);
    const session = await ok('POST', '/api/recommend/session', {
      feedback: sessionItems.map((itemId) => ({ itemId, type: 'like' })),
      n: 5,
    });
    expect(session.items).toHaveLength(5);
    expect(ids(session).some((id) => sessionItems.includes(id))).toBe(false);

    // ---- delete a user: their feedback is gone and they are served like a user never seen ----
    const doomedBefore = await ok('GET', `/api/recommend/${doomed}?n=10`);
    expect(doomedBefore.fallback).toBeNull();
    expect((await ok('GET', `/api/users/${doomed}/feedback?n=10000`)).feedback.length).toBe(ratedBy.get(doomed)!.size);
    expect((await call('DELETE', `/api/users/${doomed}`)).status).toBe(204);
    expect((await call('GET', `/api/users/${doomed}/feedback`)).status).toBe(404);
    expect((await call('GET', `/api/users/${doomed}`)).status).toBe(404);
    const cold = await ok('GET', '/api/recommend/never-seen-user?n=10');
    const doomedAfter = await ok('GET', `/api/recommend/${doomed}?n=10`);
    expect(doomedAfter.fallback).not.toBeNull();
    expect(doomedAfter).toEqual(cold);
    expect(ids(doomedAfter)).not.toEqual(ids(doomedBefore));

    // ---- snapshot of what must survive ----
    const users: string[] = [];
    let cursor: string | null = null;
    do {
      const pageOf: { users: { id: string }[]; next: string | null } = await ok(
        'GET',
        `/api/users?n=1000${cursor ? `&cursor=${cursor}` : ''}`,
      );
      users.push(...pageOf.users.map((u) => u.id));
      cursor = pageOf.next;
    } while (cursor);
    expect(users).toHaveLength(ratedBy.size - 1);
    expect(users).not.toContain(doomed);
    const fb: Record<string, unknown[]> = {};
    let rows = 0;
    for (const u of users) {
      fb[u] = (await ok('GET', `/api/users/${u}/feedback?n=10000`)).feedback;
      rows += fb[u].length;
    }
    expect(rows).toBe(feedback.length - ratedBy.get(doomed)!.size);
    const itemPage = await ok('GET', '/api/items?n=1000');
    expect(itemPage.items).toHaveLength(data.nItems);
    before = { users, items: itemPage.items.length, feedback: fb, recs: ids(recs) };

    // ---- stop (SIGTERM: a clean shutdown) and start again on the same directory ----
    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    server = await startServerProcess(env, configFile);

    const modelsAfter = await ok('GET', '/api/models');
    expect(modelsAfter).toEqual(models);
    const ready = await ok('GET', '/health/ready');
    expect(ready).toMatchObject({ ready: true, model: { name: 'als', version: 1 } });
    const recsAfter = await ok('GET', `/api/recommend/${kept}?n=10`);
    expect(recsAfter.model).toEqual({ name: 'als', version: 1 });
    expect(recsAfter.fallback).toBeNull();
    expect(ids(recsAfter)).toEqual(before.recs);
    expect((await ok('GET', '/api/items?n=1000')).items).toHaveLength(before.items);
    const usersAfter = (await ok('GET', '/api/users?n=1000')).users.map((u: { id: string }) => u.id);
    expect(usersAfter).toEqual(before.users);
    for (const u of before.users)
      expect((await ok('GET', `/api/users/${u}/feedback?n=10000`)).feedback).toEqual(before.feedback[u]);
    // The deleted user stays deleted.
    expect((await call('GET', `/api/users/${doomed}/feedback`)).status).toBe(404);
  }, 120_000);

  it('a deleted user is still served as a cold user after the restart (the model was trained with them)', async () => {
    expect(server).not.toBeNull();
    const cold = await ok('GET', '/api/recommend/never-seen-user?n=10');
    const served = await ok('GET', `/api/recommend/${doomed}?n=10`);
    expect(served.fallback).toBe(cold.fallback);
    expect(ids(served)).toEqual(ids(cold));
    expect(await server!.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    server = null;
  }, 30_000);

  it('a second server on the same data directory refuses to start naming the holder; after kill -9 one starts', async () => {
    await server?.stop('SIGTERM');
    server = await startServerProcess(env, configFile);
    const holder = server.child.pid;
    // Before the lock, both started and drifted apart (B trained v2 while A kept serving v1).
    await expect(startServerProcess(env, configFile)).rejects.toThrow(
      new RegExp(
        `server exited \\(1\\) before listening:[\\s\\S]*data directory \\S+ is in use by another kindred engine \\(pid ${holder} `,
      ),
    );
    expect((await call('GET', '/health/live')).status).toBe(200);
    const models = await ok('GET', '/api/models');
    // A holder killed with SIGKILL never runs its release: the OS drops the lock with the process.
    expect(await server.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    server = await startServerProcess(env, configFile);
    expect(await ok('GET', '/api/models')).toEqual(models);
    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    server = null;
  }, 60_000);
});
