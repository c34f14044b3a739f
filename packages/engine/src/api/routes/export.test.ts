import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as onTurn } from 'node:timers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { validateConfig } from '../../config.js';
import { Engine } from '../../engine.js';
import { buildServer, type App } from '../../server.js';
import type { FeedbackRecord, ItemRecord } from '../../storage/port.js';
import { SqliteStorage } from '../../storage/sqlite.js';
import { EXPORT_CATALOG_CHUNK, EXPORT_FEEDBACK_CHUNK, exportLines } from './export.js';

const ADMIN = { 'x-api-key': 'admin-key-0001' };
const READ = { 'x-api-key': 'read-key-00001' };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const item = (id: string, extra: Partial<ItemRecord> = {}): ItemRecord => ({
  id,
  categories: ['c'],
  labels: { k: 'v' },
  timestamp: 1_700_000_000_000,
  hidden: false,
  updatedAt: 1_700_000_000_000,
  ...extra,
});

/** A store with more items than one catalogue chunk and more feedback rows than one feedback chunk. */
async function seeded(): Promise<SqliteStorage> {
  const store = SqliteStorage.open(':memory:');
  const items = Array.from({ length: EXPORT_CATALOG_CHUNK + 20 }, (_, k) => item(`i${k}`, { hidden: k === 3 }));
  items[0].text = 'a "quoted" text\nwith a line break';
  await store.upsertItems(items);
  const rows: FeedbackRecord[] = Array.from({ length: 2 * EXPORT_FEEDBACK_CHUNK + 100 }, (_, k) => ({
    userId: `u${k % 37}`,
    itemId: `i${k % items.length}`,
    type: 'click',
    value: 1,
    timestamp: 1_700_000_000_000 + k,
  }));
  await store.insertFeedback(rows, { createUsers: true, createItems: false });
  return store;
}

async function serve(store: SqliteStorage): Promise<{ app: App; url: string; engine: Engine }> {
  const dir = mkdtempSync(join(tmpdir(), 'kindred-export-'));
  const config = validateConfig({
    dataDir: dir,
    server: { logLevel: 'silent' },
    auth: { adminKey: ADMIN['x-api-key'], readKey: READ['x-api-key'] },
  });
  const engine = await Engine.open(config, store);
  const app = await buildServer(engine, { logger: false });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  cleanups.push(async () => {
    await app.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { app, url, engine };
}

describe('GET /api/admin/export', () => {
  it('streams every item, user and feedback row as NDJSON in the API shapes, over several chunks', async () => {
    const store = await seeded();
    const { app, url } = await serve(store);
    const res = await fetch(`${url}/api/admin/export`, { headers: ADMIN });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = (await res.text()).split('\n');
    expect(lines.pop()).toBe('');
    const records = lines.map((l) => JSON.parse(l) as { kind: string; id?: string; seq?: number });
    const kinds = records.map((r) => r.kind);
    const nItems = EXPORT_CATALOG_CHUNK + 20;
    const nRows = 2 * EXPORT_FEEDBACK_CHUNK + 100;
    // Items first, then users, then feedback: each kind one run.
    expect(kinds.slice(0, nItems).every((k) => k === 'item')).toBe(true);
    expect(kinds.slice(nItems, nItems + 37).every((k) => k === 'user')).toBe(true);
    expect(kinds.slice(nItems + 37)).toEqual(Array(nRows).fill('feedback'));
    const seqs = records.slice(nItems + 37).map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: nRows }, (_, k) => k + 1));
    // Each line is what the record's own route answers, plus `kind`.
    const i0 = records.find((r) => r.id === 'i0')!;
    const { kind: _k, ...i0Body } = i0;
    expect(i0Body).toEqual((await app.inject({ url: '/api/items/i0', headers: READ })).json());
    const u5 = records.find((r) => r.kind === 'user' && r.id === 'u5')!;
    expect(u5).toEqual({ kind: 'user', ...(await app.inject({ url: '/api/users/u5', headers: READ })).json() });
    const f1 = records[nItems + 37];
    const fromRoute = (await app.inject({ url: '/api/users/u0/feedback?n=10000', headers: READ })).json() as {
      feedback: { seq: number }[];
    };
    expect(f1).toEqual({ kind: 'feedback', ...fromRoute.feedback.find((f) => f.seq === 1) });
  });

  it('needs the admin key; HEAD reads nothing', async () => {
    const store = SqliteStorage.open(':memory:');
    const { url } = await serve(store);
    const list = vi.spyOn(store, 'listItems');
    const head = await fetch(`${url}/api/admin/export`, { method: 'HEAD', headers: ADMIN });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(list).not.toHaveBeenCalled();
    expect((await fetch(`${url}/api/admin/export`)).status).toBe(401);
    expect((await fetch(`${url}/api/admin/export`, { headers: READ })).status).toBe(403);
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as {
      paths: Record<string, { get?: { security?: unknown[] } }>;
    };
    expect(doc.paths['/api/admin/export']?.get?.security).toEqual([{ apiKey: [] }]);
  });

  it('answers other requests while an export is midway', async () => {
    const store = await seeded();
    const { url } = await serve(store);
    // The export's second feedback read waits until a concurrent request has been answered.
    let answered!: () => void;
    const healthAnswered = new Promise<void>((resolve) => (answered = resolve));
    const scan = store.scanFeedback.bind(store);
    let reads = 0;
    vi.spyOn(store, 'scanFeedback').mockImplementation(async (after, limit) => {
      if (++reads === 2) await healthAnswered;
      return scan(after, limit);
    });
    const exported = fetch(`${url}/api/admin/export`, { headers: ADMIN }).then((r) => r.text());
    await vi.waitFor(() => expect(reads).toBe(2), { timeout: 20_000 });
    const health = await fetch(`${url}/health/live`);
    expect(health.status).toBe(200);
    answered();
    const text = await exported;
    expect(text.split('\n').filter((l) => l.includes('"kind":"feedback"'))).toHaveLength(
      2 * EXPORT_FEEDBACK_CHUNK + 100,
    );
  });
});

describe('exportLines', () => {
  it('reads the store lazily, one keyset read per chunk asked for, with a turn of the event loop between reads', async () => {
    const store = await seeded();
    cleanups.push(() => store.close());
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) onTurn(tick);
    };
    onTurn(tick);
    const readAt: number[] = [];
    const scan = store.scanFeedback.bind(store);
    vi.spyOn(store, 'scanFeedback').mockImplementation(async (after, limit) => {
      readAt.push(turns);
      return scan(after, limit);
    });
    const list = vi.spyOn(store, 'listItems');
    const gen = exportLines(store, { feedbackChunk: 1000, catalogChunk: 100 });
    // Nothing is read before the first chunk is asked for, and each chunk costs one read.
    expect(list).not.toHaveBeenCalled();
    await gen.next();
    expect(list).toHaveBeenCalledTimes(1);
    await gen.next();
    expect(list).toHaveBeenCalledTimes(2);
    let lines = 0;
    for await (const text of gen) lines += text.split('\n').length - 1;
    ticking = false;
    expect(lines).toBe(EXPORT_CATALOG_CHUNK + 20 - 200 + 37 + 2 * EXPORT_FEEDBACK_CHUNK + 100);
    expect(readAt.length).toBe(Math.ceil((2 * EXPORT_FEEDBACK_CHUNK + 100) / 1000));
    for (let k = 1; k < readAt.length; k++) expect(readAt[k]).toBeGreaterThan(readAt[k - 1]);
  });

  it('leaves out feedback stored after the export started', async () => {
    const store = SqliteStorage.open(':memory:');
    cleanups.push(() => store.close());
    const row = (u: string) => ({ userId: u, itemId: 'i', type: 'click', value: 1, timestamp: 1 });
    await store.insertFeedback([row('a'), row('b')], { createUsers: true, createItems: true });
    const gen = exportLines(store, { feedbackChunk: 1 });
    const first = await gen.next(); // the items chunk: the export's seq bound is taken
    expect(first.value).toContain('"kind":"item"');
    await store.insertFeedback([row('c')], { createUsers: true, createItems: true });
    let rest = '';
    for await (const text of gen) rest += text;
    expect(rest.split('\n').filter((l) => l.includes('"kind":"feedback"'))).toHaveLength(2);
    // The user created meanwhile is after the user page being read: it is exported (catalogue reads are live).
    expect(rest).toContain('"id":"c"');
  });
});
