import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStorage, type SqliteOpenOptions } from './sqlite.js';
import { ThreadedSqliteStorage } from './sqlite-threaded.js';
import { SQLITE_MIGRATIONS, migrate } from './sqlite-migrations.js';
import { InvalidCursorError, UnknownReferenceError, decodeCursor, encodeCursor } from './errors.js';
import { both, fb, item } from './feedback-rows.case.js';

const dirs: string[] = [];
const stores: { close(): Promise<void> }[] = [];
function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kindred-sqlite-'));
  dirs.push(dir);
  return join(dir, 'k.db');
}
function openTemp(path = tempPath()): SqliteStorage {
  const s = SqliteStorage.open(path);
  stores.push(s);
  return s;
}
/** Both embedded stores: every write on this thread, or on the writer thread (the engine's default). */
const VARIANTS = [
  { name: 'SqliteStorage', open: async (path: string, opts?: SqliteOpenOptions) => SqliteStorage.open(path, opts) },
  {
    name: 'ThreadedSqliteStorage',
    open: (path: string, opts?: SqliteOpenOptions) => ThreadedSqliteStorage.open(path, opts),
  },
];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('SqliteStorage: opening and schema', () => {
  it('creates the schema in WAL mode with synchronous FULL by default, NORMAL on request', async () => {
    const path = tempPath();
    const s = openTemp(path);
    expect(s.schemaVersion).toBe(SQLITE_MIGRATIONS.length);
    expect(s.synchronousLevel).toBe(2);
    const n = SqliteStorage.open(tempPath(), { synchronous: 'normal' });
    stores.push(n);
    expect(n.synchronousLevel).toBe(1);
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('keeps data across reopen and does not re-run migrations', async () => {
    const path = tempPath();
    const a = SqliteStorage.open(path);
    await a.upsertItems([item('i1')]);
    await a.insertFeedback([fb('u1', 'i1', 5)], both);
    await a.close();
    const b = openTemp(path);
    expect(await b.getItem('i1')).toEqual(item('i1'));
    expect(await b.feedbackCount()).toBe(1);
    expect(b.schemaVersion).toBe(SQLITE_MIGRATIONS.length);
  });

  it('migrates step by step and refuses a database from a newer build', () => {
    const db = new Database(':memory:');
    expect(migrate(db, ['CREATE TABLE a (x)', 'CREATE TABLE b (y)'])).toBe(2);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    // A failing migration rolls back together with its version bump.
    expect(() => migrate(db, ['CREATE TABLE a (x)', 'CREATE TABLE b (y)', 'CREATE TABLE c (z); NOT SQL'])).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'c'").pluck().get()).toBe(0);
    expect(() => migrate(db, ['CREATE TABLE a (x)'])).toThrow(/newer than this build/);
    db.close();
  });
});

describe('SqliteStorage: migration from schema v1 (text-keyed feedback)', () => {
  it('moves every user, item and feedback row to integer keys, keeping seqs and the seq counter', async () => {
    const path = tempPath();
    const raw = new Database(path);
    migrate(raw, SQLITE_MIGRATIONS.slice(0, 1));
    raw
      .prepare(
        "INSERT INTO items VALUES ('i1', '[\"a\"]', '{\"title\":\"One\"}', 'txt', 100, 1, 200), ('i2', '[]', '{}', NULL, 5, 0, 6)",
      )
      .run();
    raw.prepare('INSERT INTO users VALUES (\'u1\', \'{"k":"v"}\', 7)').run();
    const ins = raw.prepare('INSERT INTO feedback (user_id, item_id, type, value, timestamp) VALUES (?, ?, ?, ?, ?)');
    ins.run('u1', 'i1', 'click', 1, 10);
    ins.run('u1', 'i2', 'rating', 4.5, 20);
    // A v1 row whose user row is missing (v1 had no foreign keys): the migration creates the user.
    ins.run('orphan', 'i1', 'like', 1, 30);
    ins.run('u1', 'i2', 'click', 1, 40);
    raw.prepare('DELETE FROM feedback WHERE seq = 4').run(); // the counter (4) is now past max(seq) (3)
    raw.close();

    const s = openTemp(path);
    expect(s.schemaVersion).toBe(SQLITE_MIGRATIONS.length);
    expect(await s.getItem('i1')).toEqual({
      id: 'i1',
      categories: ['a'],
      labels: { title: 'One' },
      text: 'txt',
      timestamp: 100,
      hidden: true,
      updatedAt: 200,
    });
    expect(await s.getUser('u1')).toEqual({ id: 'u1', labels: { k: 'v' }, updatedAt: 7 });
    expect(await s.getUser('orphan')).toMatchObject({ id: 'orphan', labels: {} });
    expect(await s.scanFeedback(0, 10)).toEqual([
      { seq: 1, userId: 'u1', itemId: 'i1', type: 'click', value: 1, timestamp: 10 },
      { seq: 2, userId: 'u1', itemId: 'i2', type: 'rating', value: 4.5, timestamp: 20 },
      { seq: 3, userId: 'orphan', itemId: 'i1', type: 'like', value: 1, timestamp: 30 },
    ]);
    const more = [fb('u1', 'i1', 50)];
    await s.insertFeedback(more, both);
    expect(more[0].seq).toBe(5);
    expect((await s.userFeedback('u1')).map((r) => r.seq)).toEqual([5, 2, 1]);
    const plain = new Database(path, { readonly: true });
    const cols = plain.prepare("SELECT name FROM pragma_table_info('feedback')").pluck().all();
    // v5 added event_id (idempotent ingestion).
    expect(cols).toEqual(['seq', 'user_key', 'item_key', 'type', 'value', 'timestamp', 'event_id']);
    plain.close();
  });
});

describe('SqliteStorage: migration from schema v2 (feedback_by_item)', () => {
  it('keeps every row and the seq counter, drops the item index and adds the purge queue', async () => {
    const path = tempPath();
    const raw = new Database(path);
    migrate(raw, SQLITE_MIGRATIONS.slice(0, 2));
    raw.prepare("INSERT INTO users (id, labels, updated_at) VALUES ('u1', '{}', 1), ('u2', '{\"k\":\"v\"}', 2)").run();
    raw
      .prepare(
        "INSERT INTO items (id, categories, labels, text, timestamp, hidden, updated_at) VALUES ('i1', '[\"a\"]', '{}', 't', 10, 0, 11), ('i2', '[]', '{}', NULL, 20, 1, 21)",
      )
      .run();
    const ins = raw.prepare('INSERT INTO feedback (user_key, item_key, type, value, timestamp) VALUES (?, ?, ?, ?, ?)');
    for (let k = 0; k < 50; k++)
      ins.run(1 + (k % 2), 1 + (k % 3 === 0 ? 1 : 0), k % 5 === 0 ? 'rating' : 'click', k / 2, k);
    raw.prepare('DELETE FROM feedback WHERE seq > 48').run(); // the counter (50) is now past max(seq) (48)
    const before = raw.prepare('SELECT * FROM feedback ORDER BY seq').all();
    expect(raw.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'feedback_by_item'").pluck().get()).toBe(1);
    raw.close();

    const s = openTemp(path);
    expect(s.schemaVersion).toBe(SQLITE_MIGRATIONS.length);
    expect(await s.feedbackCount()).toBe(48);
    expect(await s.getItem('i2')).toEqual({
      id: 'i2',
      categories: [],
      labels: {},
      timestamp: 20,
      hidden: true,
      updatedAt: 21,
    });
    expect((await s.userFeedback('u2')).length).toBe(24);
    const more = [fb('u1', 'i1', 99)];
    await s.insertFeedback(more, both);
    expect(more[0].seq).toBe(51);
    expect(await s.deleteItem('i2')).toBe(true);
    expect(await s.feedbackCount()).toBe(49 - 16);

    const plain = new Database(path, { readonly: true });
    const v2Columns = 'seq, user_key, item_key, type, value, timestamp';
    expect(plain.prepare(`SELECT ${v2Columns} FROM feedback WHERE seq <= 48 ORDER BY seq`).all()).toEqual(before);
    const indexes = plain.prepare("SELECT name FROM sqlite_master WHERE tbl_name = 'feedback' AND type = 'index'");
    // v5's partial unique index on event_id is the only one (rows without an event id have no entry in it).
    expect(indexes.pluck().all()).toEqual(['feedback_by_event_id']);
    // v4: the user index is two tables; the migration put every old row into the main level.
    const main = plain.prepare('SELECT user_key, timestamp, seq FROM feedback_by_user_main ORDER BY seq').raw().all();
    const recent = plain
      .prepare('SELECT user_key, timestamp, seq FROM feedback_by_user_recent ORDER BY seq')
      .raw()
      .all();
    const rows = plain.prepare('SELECT user_key, timestamp, seq FROM feedback ORDER BY seq').raw().all();
    expect([...main, ...recent]).toEqual(rows);
    const queue = plain.prepare("SELECT name FROM pragma_table_info('deleted_items')").pluck().all();
    expect(queue).toEqual(['item_key', 'through_seq']);
    plain.close();
  });
});

describe.each(VARIANTS)('$name: integer keys and the id cache', ({ open }) => {
  const openStore = async (opts?: SqliteOpenOptions) => {
    const s = await open(tempPath(), opts);
    stores.push(s);
    return s;
  };
  it('a deleted and re-created user gets a new key and none of the old feedback', async () => {
    const s = await openStore({ keyCacheSize: 2 });
    await s.insertFeedback([fb('a', 'x', 1), fb('b', 'y', 2), fb('c', 'z', 3), fb('a', 'z', 4)], both);
    expect(await s.deleteUser('a')).not.toBeNull();
    await s.insertFeedback([fb('a', 'x', 5)], both);
    expect((await s.userFeedback('a')).map((r) => [r.itemId, r.timestamp])).toEqual([['x', 5]]);
    // Users beyond the cache's capacity are still found (through the index), and rows land on the right user.
    await s.insertFeedback([fb('b', 'x', 6), fb('c', 'x', 7), fb('d', 'x', 8), fb('b', 'x', 9)], both);
    expect((await s.userFeedback('b')).map((r) => r.timestamp)).toEqual([9, 6, 2]);
    expect((await s.userFeedback('c')).map((r) => r.timestamp)).toEqual([7, 3]);
  });

  it('a rolled-back batch leaves no key of a user it created behind', async () => {
    const s = await openStore();
    await s.upsertItems([item('i1')]);
    await expect(
      s.insertFeedback([fb('new', 'i1', 1), fb('new', 'missing', 2)], { createUsers: true, createItems: false }),
    ).rejects.toBeInstanceOf(UnknownReferenceError);
    expect(await s.getUser('new')).toBeNull();
    // Had the rolled-back key been cached, this row would point at a user row that does not exist.
    await s.insertFeedback([fb('new', 'i1', 3)], { createUsers: true, createItems: false });
    expect(await s.userFeedback('new')).toEqual([
      { seq: expect.any(Number), userId: 'new', itemId: 'i1', type: 'click', value: 1, timestamp: 3 },
    ]);
    expect(await s.getUser('new')).toMatchObject({ id: 'new' });
  });

  it('scanFeedbackColumns returns the scanFeedback rows in column form', async () => {
    const s = await openStore({ keyCacheSize: 1 });
    const rows = [
      fb('u1', 'i1', 10),
      fb('u2', 'i1', 20, 'rating', 3.5),
      fb('u1', 'i2', 30, 'like'),
      fb('u3', 'i3', 40),
    ];
    await s.insertFeedback(rows, both);
    for (const [after, limit] of [
      [0, 10],
      [1, 2],
      [4, 5],
    ]) {
      const c = await s.scanFeedbackColumns(after, limit);
      const asRows = Array.from({ length: c.length }, (_, r) => ({
        seq: c.seqs[r],
        userId: c.userIds[c.users[r]],
        itemId: c.itemIds[c.items[r]],
        type: c.typeNames[c.types[r]],
        value: c.values[r],
        timestamp: c.timestamps[r],
      }));
      expect(asRows).toEqual(await s.scanFeedback(after, limit));
    }
    const c = await s.scanFeedbackColumns(0, 10);
    // Each distinct id once, numbered in order of first appearance.
    expect(c.userIds).toEqual(['u1', 'u2', 'u3']);
    expect(Array.from(c.users)).toEqual([0, 1, 0, 2]);
    expect(c.typeNames).toEqual(['click', 'rating', 'like']);
  });
});

describe.each(VARIANTS)('$name: items and users', ({ open }) => {
  const openStore = async () => {
    const s = await open(tempPath());
    stores.push(s);
    return s;
  };
  it('upserts, gets, patches and deletes items', async () => {
    const s = await openStore();
    expect(await s.upsertItems([item('a', { text: 'hello', categories: ['x'], labels: { k: 'v' } }), item('b')])).toBe(
      2,
    );
    expect(await s.getItem('a')).toEqual(item('a', { text: 'hello', categories: ['x'], labels: { k: 'v' } }));
    // Upsert replaces the whole record.
    await s.upsertItems([item('a', { hidden: true })]);
    expect(await s.getItem('a')).toEqual(item('a', { hidden: true }));
    const patched = await s.patchItem('a', { categories: ['y'], text: 'new', updatedAt: 3000 });
    expect(patched).toEqual(item('a', { hidden: true, categories: ['y'], text: 'new', updatedAt: 3000 }));
    expect(await s.getItem('a')).toEqual(patched);
    // An explicit undefined text clears it; an absent key keeps it.
    await s.patchItem('a', { hidden: false });
    expect((await s.getItem('a'))?.text).toBe('new');
    await s.patchItem('a', { text: undefined });
    expect(await s.getItem('a')).not.toHaveProperty('text');
    expect(await s.patchItem('zz', { hidden: true })).toBeNull();
    expect(await s.deleteItem('a')).toBe(true);
    expect(await s.deleteItem('a')).toBe(false);
    expect(await s.getItem('a')).toBeNull();
    expect((await s.allItems()).map((i) => i.id)).toEqual(['b']);
  });

  it('a failing row rolls back the whole item batch', async () => {
    const s = await openStore();
    await s.upsertItems([item('keep')]);
    // NaN binds as NULL and violates NOT NULL on the third row.
    await expect(s.upsertItems([item('x1'), item('x2'), item('x3', { timestamp: NaN })])).rejects.toThrow();
    expect((await s.allItems()).map((i) => i.id)).toEqual(['keep']);
  });

  it('pages items and users by id with opaque cursors', async () => {
    const s = await openStore();
    const ids = Array.from({ length: 23 }, (_, i) => `item-${String(i).padStart(2, '0')}`);
    await s.upsertItems([...ids].reverse().map((id) => item(id)));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await s.listItems(cursor, 5);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.next;
      pages++;
    } while (cursor !== null);
    expect(seen).toEqual(ids);
    expect(pages).toBe(5);
    // An exact multiple ends with next = null, not an empty extra page.
    expect((await s.listItems(null, 23)).next).toBeNull();

    await s.upsertUsers(['c', 'a', 'b'].map((id) => ({ id, labels: { n: id }, updatedAt: 1 })));
    const p1 = await s.listUsers(null, 2);
    expect(p1.items.map((u) => u.id)).toEqual(['a', 'b']);
    const p2 = await s.listUsers(p1.next, 2);
    expect(p2).toEqual({ items: [{ id: 'c', labels: { n: 'c' }, updatedAt: 1 }], next: null });
    await expect(s.listUsers('not-a-cursor', 2)).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('cursor encoding round-trips any id and rejects junk', () => {
    for (const id of ['a', 'ünï/cødé?&', 'x'.repeat(256), '🙂']) expect(decodeCursor(encodeCursor(id))).toBe(id);
    for (const junk of ['', 'abc', encodeCursor('a') + '=', '!!!!'])
      expect(() => decodeCursor(junk)).toThrow(InvalidCursorError);
  });

  it('patches users', async () => {
    const s = await openStore();
    await s.upsertUsers([{ id: 'u', labels: { a: '1' }, updatedAt: 1 }]);
    expect(await s.patchUser('u', { labels: { b: '2' }, updatedAt: 5 })).toEqual({
      id: 'u',
      labels: { b: '2' },
      updatedAt: 5,
    });
    expect(await s.getUser('u')).toEqual({ id: 'u', labels: { b: '2' }, updatedAt: 5 });
    expect(await s.patchUser('nobody', { labels: {} })).toBeNull();
  });
});

describe.each(VARIANTS)('$name: feedback', ({ open }) => {
  const openStore = async () => {
    const s = await open(tempPath());
    stores.push(s);
    return s;
  };
  it('assigns increasing seqs, creates unknown users/items when allowed, reads newest first', async () => {
    const s = await openStore();
    const rows = [fb('u1', 'i1', 10), fb('u1', 'i2', 30), fb('u2', 'i1', 20), fb('u1', 'i3', 20)];
    expect(await s.insertFeedback(rows, both)).toBe(4);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(await s.getUser('u2')).toMatchObject({ id: 'u2', labels: {} });
    expect(await s.getItem('i3')).toMatchObject({ id: 'i3', categories: [], hidden: false });
    expect((await s.userFeedback('u1')).map((r) => r.itemId)).toEqual(['i2', 'i3', 'i1']);
    expect(await s.userFeedback('u1', 1)).toEqual([
      { seq: 2, userId: 'u1', itemId: 'i2', type: 'click', value: 1, timestamp: 30 },
    ]);
    expect(await s.userFeedback('nobody')).toEqual([]);
    expect((await s.scanFeedback(1, 2)).map((r) => r.seq)).toEqual([2, 3]);
    expect(await s.scanFeedback(4, 10)).toEqual([]);
    expect(await s.feedbackCount()).toBe(4);
    expect(await s.lastSeq()).toBe(4);
  });

  it('rejects a batch naming an unknown user or item (auto-creation off) and writes none of it', async () => {
    const s = await openStore();
    await s.upsertItems([item('i1')]);
    await s.insertFeedback([fb('u1', 'i1', 1)], both);
    const rows = [fb('u1', 'i1', 2), fb('new-user', 'i1', 3), fb('u1', 'missing', 4)];
    const err = await s.insertFeedback(rows, { createUsers: true, createItems: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownReferenceError);
    expect(err).toMatchObject({ kind: 'item', id: 'missing', index: 2 });
    // The user the batch would have created is rolled back with it.
    expect(await s.getUser('new-user')).toBeNull();
    expect(await s.feedbackCount()).toBe(1);
    await expect(
      s.insertFeedback([fb('ghost', 'i1', 5)], { createUsers: false, createItems: false }),
    ).rejects.toMatchObject({
      kind: 'user',
      id: 'ghost',
      index: 0,
    });
    expect(await s.feedbackCount()).toBe(1);
  });

  it('deleteUser and deleteItem take their feedback with them, and seqs are never reused', async () => {
    const s = await openStore();
    await s.insertFeedback([fb('a', 'x', 1), fb('b', 'x', 2), fb('a', 'y', 3), fb('b', 'y', 4)], both);
    // The rows it removed come back (serving subtracts them from popularity).
    expect((await s.deleteUser('a'))?.map((r) => [r.itemId, r.type, r.seq])).toEqual([
      ['y', 'click', 3],
      ['x', 'click', 1],
    ]);
    expect(await s.userFeedback('a')).toEqual([]);
    expect(await s.getUser('a')).toBeNull();
    expect((await s.scanFeedback(0, 10)).map((r) => [r.userId, r.itemId])).toEqual([
      ['b', 'x'],
      ['b', 'y'],
    ]);
    expect(await s.deleteItem('y')).toBe(true);
    expect((await s.scanFeedback(0, 10)).map((r) => r.seq)).toEqual([2]);
    expect(await s.deleteUser('a')).toBeNull();
    // The newest row (seq 4) is gone; AUTOINCREMENT still hands out 5, so training never re-reads an old seq.
    const more = [fb('b', 'x', 9)];
    await s.insertFeedback(more, both);
    expect(more[0].seq).toBe(5);
  });
});

describe.each(VARIANTS)('$name: models', ({ open }) => {
  const openStore = async () => {
    const s = await open(tempPath());
    stores.push(s);
    return s;
  };
  it('saves, lists, activates one version at a time and returns bytes', async () => {
    const s = await openStore();
    const meta = {
      algorithm: 'als',
      params: { factors: 8 },
      createdAt: 1,
      metrics: { 'ndcg@10': 0.3 },
      trainedThroughSeq: 7,
      fitSeconds: 0.5,
    };
    const m1 = await s.saveModel(meta, new Uint8Array([1, 2, 3]));
    const m2 = await s.saveModel({ ...meta, createdAt: 2 }, new Uint8Array(new ArrayBuffer(10), 2, 4).fill(9));
    expect(m1).toEqual({ ...meta, version: 1, active: false, sizeBytes: 3 });
    expect(m2.version).toBe(2);
    expect(await s.activeModel()).toBeNull();
    expect(await s.activateModel(1)).toBe(true);
    expect(await s.activateModel(2)).toBe(true);
    expect(await s.activateModel(99)).toBe(false);
    expect((await s.listModels()).map((m) => [m.version, m.active, m.sizeBytes])).toEqual([
      [1, false, 3],
      [2, true, 4],
    ]);
    expect(await s.activeModel()).toMatchObject({ version: 2, createdAt: 2 });
    expect(Array.from((await s.modelBytes(2))!)).toEqual([9, 9, 9, 9]);
    expect(await s.modelBytes(3)).toBeNull();
  });
});

// ---- kill -9: no acknowledged event lost ----

const engineRoot = fileURLToPath(new URL('../..', import.meta.url));
const repoRoot = join(engineRoot, '..', '..');
const distStore = join(engineRoot, 'dist', 'storage', 'sqlite.js');
const fixture = fileURLToPath(new URL('./sqlite-kill.fixture.mjs', import.meta.url));

describe('SqliteStorage: durability', () => {
  // The child imports the built store. An incremental build is cheap when dist is current, and it is the only
  // reliable freshness check: tsc leaves an output's mtime alone when a source change (formatting) emits the same text.
  beforeAll(() => {
    try {
      execFileSync(join(repoRoot, 'node_modules', '.bin', 'tsc'), ['-b', 'packages/engine'], {
        cwd: repoRoot,
        stdio: 'pipe',
      });
    } catch {
      // tsc exits non-zero on type errors elsewhere in the engine but still emits; the child shows what is broken.
    }
    if (!existsSync(distStore)) throw new Error(`could not build ${distStore} (run npx tsc -b packages/engine)`);
  }, 120_000);

  it('loses no acknowledged batch when the writer is killed with SIGKILL mid-stream', async () => {
    const path = tempPath();
    const child = spawn(process.execPath, [fixture, path, 'full'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let acked = 0;
    let acks = 0;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve, reject) => {
      let buf = '';
      // Kill at a moment the child does not choose: after a random number (30..60) of acknowledgements, the child is
      // usually in the middle of its next batch.
      const killAfter = 30 + Math.floor(Math.random() * 30);
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const line of lines) {
          acked = Math.max(acked, Number(line.split(' ')[1]));
          if (++acks === killAfter) {
            child.kill('SIGKILL');
            resolve();
          }
        }
      });
      // After the kill this is a no-op (the promise is settled); before it, the child died on its own.
      child.on('exit', () => reject(new Error(`child exited before the kill: ${stderr}`)));
    });
    expect(await exited).toBe('SIGKILL');
    expect(acked).toBeGreaterThanOrEqual(3000);

    const s = openTemp(path);
    const rows = await s.scanFeedback(0, acked);
    expect(rows.length).toBe(acked);
    // Every acknowledged row is there with its exact contents (row k has seq k + 1, value k).
    for (let k = 0; k < acked; k++) {
      const r = rows[k];
      if (r.seq !== k + 1 || r.value !== k || r.userId !== `u${k % 97}` || r.itemId !== `i${k % 89}`)
        throw new Error(`row ${k} differs: ${JSON.stringify(r)}`);
    }
    // Whatever was committed after the last ack is whole batches only (atomic transactions).
    expect((await s.feedbackCount()) % 100).toBe(0);
  });
});
