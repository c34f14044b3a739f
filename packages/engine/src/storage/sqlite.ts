import Database from 'better-sqlite3';
type Statement = Database.Statement;
import type { FeedbackColumns, FeedbackRecord, ItemRecord, ModelRecord, Page, Storage, UserRecord } from './port.js';
import { decodeCursor, encodeCursor, UnknownReferenceError } from './errors.js';
import { migrate } from './sqlite-migrations.js';
import { KeyCache } from './key-cache.js';

/**
 * How hard a commit waits for the disk.
 * - `'full'` (default): every commit fsyncs the WAL before it returns, so an acknowledged write survives a process
 *   kill, an OS crash and a power cut.
 * - `'normal'`: commits are written to the WAL (into the OS page cache) without an fsync; the WAL is fsynced at
 *   checkpoints. An acknowledged write still survives `kill -9` or any crash of the Node process, because the bytes
 *   are already in the kernel, which writes them out whatever happens to the process; only an OS crash or power cut
 *   before the next checkpoint can lose the newest commits (the database itself is never corrupted). See
 *   https://sqlite.org/pragma.html#pragma_synchronous and https://sqlite.org/wal.html ("WAL mode is always
 *   consistent with synchronous=NORMAL, but WAL mode does lose durability").
 */
export type SqliteSynchronous = 'full' | 'normal';

export interface SqliteOpenOptions {
  synchronous?: SqliteSynchronous;
  /**
   * Page cache per connection in MiB (default 256; SQLite's own default of 2 MiB is far too small for the feedback
   * indexes). An upper bound: pages are allocated as they are read.
   */
  cacheMiB?: number;
  /**
   * WAL pages after which a commit checkpoints the WAL into the database file (default 16,384 = 64 MiB; SQLite's
   * default is 1,000). A batch of random feedback inserts dirties ~2 index pages per event, so with SQLite's default
   * nearly every commit checkpointed; a larger WAL lets a checkpoint write each hot index page once for many commits.
   */
  walAutocheckpoint?: number;
  /** Entries of each in-process id↔key cache (users and items, both directions; default 100,000). */
  keyCacheSize?: number;
}

interface ItemRow {
  id: string;
  categories: string;
  labels: string;
  text: string | null;
  timestamp: number;
  hidden: number;
  updatedAt: number;
}

interface UserRow {
  id: string;
  labels: string;
  updatedAt: number;
}

interface ModelRow {
  version: number;
  meta: string;
  active: number;
  sizeBytes: number;
}

type ModelMeta = Omit<ModelRecord, 'version' | 'active' | 'sizeBytes'>;

const ITEM_COLUMNS = 'id, categories, labels, text, timestamp, hidden, updated_at AS updatedAt';
const USER_COLUMNS = 'id, labels, updated_at AS updatedAt';
// Aliased so that better-sqlite3's row objects are FeedbackRecords as they come, with no per-row mapping. Used with
// `feedback f JOIN users u JOIN items i`: feedback stores integer keys, the ids come from the two rowid lookups.
const FEEDBACK_COLUMNS =
  'f.seq AS seq, u.id AS userId, i.id AS itemId, f.type AS type, f.value AS value, f.timestamp AS timestamp';
const FEEDBACK_JOIN = 'feedback f JOIN users u ON u.user_key = f.user_key JOIN items i ON i.item_key = f.item_key';
/** Empty id→key lookups in one batch, as a sentinel for "checked, absent". */
const ABSENT = -1;
const MODEL_COLUMNS = 'version, meta, active, length(bytes) AS sizeBytes';

/**
 * The embedded store: one SQLite file in WAL mode (readers never block the writer), schema versioned by
 * `PRAGMA user_version`, every statement prepared once, every multi-row write in one transaction (all rows or none).
 * better-sqlite3 is synchronous, so each method completes before its promise settles; an acknowledged write is
 * committed.
 *
 * Ids are strings at the port; inside, users and items have INTEGER keys and feedback stores the keys (schema v2:
 * the feedback indexes stay small, so ingestion is a mostly-cached B-tree insert). The id→key translation goes
 * through a bounded in-process cache (`keyCacheSize`) in front of a prepared unique-index lookup. The cache assumes
 * that this process is the database's only writer (the embedded deployment): a user or item deleted by another
 * process could otherwise still be found in it.
 *
 * @example
 * const store = SqliteStorage.open('./kindred-data/kindred.db');
 * await store.insertFeedback([{ userId: 'u1', itemId: 'i1', type: 'click', value: 1, timestamp: Date.now() }],
 *   { createUsers: true, createItems: true });
 * const rows = await store.userFeedback('u1', 10);
 * await store.close();
 */
export class SqliteStorage implements Storage {
  private readonly db: Database.Database;
  private readonly stmt: ReturnType<typeof prepareAll>;
  private readonly userKeys: KeyCache<string, number>;
  private readonly itemKeys: KeyCache<string, number>;
  /** Key → id, for column scans (keys are never reused, so an entry can only go unused, never wrong). */
  private readonly userIdsByKey: KeyCache<number, string>;
  private readonly itemIdsByKey: KeyCache<number, string>;
  private readonly txInsertFeedback: (rows: FeedbackRecord[], createUsers: boolean, createItems: boolean) => number;
  private readonly insertFeedbackBatch: (rows: FeedbackRecord[], createUsers: boolean, createItems: boolean) => number;
  private readonly txUpsertItems: (items: ItemRecord[]) => number;
  private readonly txUpsertUsers: (users: UserRecord[]) => number;
  private readonly txDeleteUser: (id: string) => boolean;
  private readonly txDeleteItem: (id: string) => boolean;
  private readonly txActivate: (version: number) => boolean;
  private readonly txPatchItem: (id: string, patch: Partial<Omit<ItemRecord, 'id'>>) => ItemRecord | null;
  private readonly txPatchUser: (id: string, patch: Partial<Omit<UserRecord, 'id'>>) => UserRecord | null;

  private constructor(db: Database.Database, keyCacheSize: number) {
    this.db = db;
    const s = prepareAll(db);
    this.stmt = s;
    this.userKeys = new KeyCache(keyCacheSize);
    this.itemKeys = new KeyCache(keyCacheSize);
    this.userIdsByKey = new KeyCache(keyCacheSize);
    this.itemIdsByKey = new KeyCache(keyCacheSize);

    // The keys of this batch's users and items; filled inside the transaction, copied into the caches only after it
    // commits (a rolled-back batch must not leave the keys of users it created in a cache).
    const batchUsers = new Map<string, number>();
    const batchItems = new Map<string, number>();
    this.txInsertFeedback = db.transaction((rows: FeedbackRecord[], createUsers: boolean, createItems: boolean) => {
      const now = Date.now();
      const n = rows.length;
      const uk = new Float64Array(n);
      const ik = new Float64Array(n);
      // Each distinct id is resolved (or created) once per batch; a batch of 1000 events usually names far fewer.
      for (let i = 0; i < n; i++) {
        const r = rows[i];
        let u = batchUsers.get(r.userId);
        if (u === undefined) {
          u = this.userKeys.get(r.userId) ?? (s.userKey.get(r.userId) as number | undefined) ?? ABSENT;
          if (u === ABSENT) {
            if (!createUsers) throw new UnknownReferenceError('user', r.userId, i);
            u = Number(s.createUser.run(r.userId, now).lastInsertRowid);
          }
          batchUsers.set(r.userId, u);
        }
        let it = batchItems.get(r.itemId);
        if (it === undefined) {
          it = this.itemKeys.get(r.itemId) ?? (s.itemKey.get(r.itemId) as number | undefined) ?? ABSENT;
          if (it === ABSENT) {
            if (!createItems) throw new UnknownReferenceError('item', r.itemId, i);
            it = Number(s.createItem.run(r.itemId, now, now).lastInsertRowid);
          }
          batchItems.set(r.itemId, it);
        }
        uk[i] = u;
        ik[i] = it;
      }
      const ins = s.insertFeedback;
      for (let i = 0; i < n; i++) {
        const r = rows[i];
        r.seq = Number(ins.run(uk[i], ik[i], r.type, r.value, r.timestamp).lastInsertRowid);
      }
      return n;
    });
    this.insertFeedbackBatch = (rows, createUsers, createItems) => {
      try {
        const n = this.txInsertFeedback(rows, createUsers, createItems);
        for (const [id, k] of batchUsers) this.userKeys.set(id, k);
        for (const [id, k] of batchItems) this.itemKeys.set(id, k);
        return n;
      } finally {
        batchUsers.clear();
        batchItems.clear();
      }
    };

    this.txUpsertItems = db.transaction((items: ItemRecord[]) => {
      for (const it of items) s.upsertItem.run(...itemParams(it));
      return items.length;
    });

    this.txUpsertUsers = db.transaction((users: UserRecord[]) => {
      for (const u of users) s.upsertUser.run(u.id, JSON.stringify(u.labels ?? {}), u.updatedAt);
      return users.length;
    });

    // Explicit cascades (not foreign keys): the feedback table is the hot write path and FK checks would cost two
    // extra lookups per inserted row; the only deletes are these two.
    // The cache entry goes first: even if the transaction failed after it, the next lookup just asks the database.
    this.txDeleteUser = db.transaction((id: string) => {
      this.userKeys.delete(id);
      const key = s.userKey.get(id) as number | undefined;
      if (key === undefined) return false;
      s.deleteUserFeedback.run(key);
      s.deleteUser.run(key);
      return true;
    });
    this.txDeleteItem = db.transaction((id: string) => {
      this.itemKeys.delete(id);
      const key = s.itemKey.get(id) as number | undefined;
      if (key === undefined) return false;
      s.deleteItemFeedback.run(key);
      s.deleteItem.run(key);
      return true;
    });

    this.txActivate = db.transaction((version: number) => {
      if (s.modelExists.get(version) === undefined) return false;
      s.deactivateModels.run();
      s.activateModel.run(version);
      return true;
    });

    this.txPatchItem = db.transaction((id: string, patch: Partial<Omit<ItemRecord, 'id'>>) => {
      const row = s.getItem.get(id) as ItemRow | undefined;
      if (!row) return null;
      const cur = itemFromRow(row);
      const next: ItemRecord = {
        id,
        categories: patch.categories ?? cur.categories,
        labels: patch.labels ?? cur.labels,
        timestamp: patch.timestamp ?? cur.timestamp,
        hidden: patch.hidden ?? cur.hidden,
        updatedAt: patch.updatedAt ?? Date.now(),
      };
      // A present-but-undefined `text` clears it (the API maps `"text": null` to that); an absent key keeps it.
      const text = 'text' in patch ? patch.text : cur.text;
      if (text !== undefined) next.text = text;
      s.upsertItem.run(...itemParams(next));
      return next;
    });

    this.txPatchUser = db.transaction((id: string, patch: Partial<Omit<UserRecord, 'id'>>) => {
      const row = s.getUser.get(id) as UserRow | undefined;
      if (!row) return null;
      const cur = userFromRow(row);
      const next: UserRecord = { id, labels: patch.labels ?? cur.labels, updatedAt: patch.updatedAt ?? Date.now() };
      s.upsertUser.run(id, JSON.stringify(next.labels), next.updatedAt);
      return next;
    });
  }

  /**
   * Opens (creating if needed) the database at `path` (or `':memory:'`), switches it to WAL and migrates the schema.
   *
   * @example
   * const store = SqliteStorage.open('/var/lib/kindred/kindred.db', { synchronous: 'full' });
   */
  static open(path: string, opts: SqliteOpenOptions = {}): SqliteStorage {
    const db = new Database(path, { timeout: 5000 });
    try {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${(opts.synchronous ?? 'full') === 'full' ? 'FULL' : 'NORMAL'}`);
      // Random inserts into feedback_by_user/by_item touch pages all over both indexes; a bigger cache re-reads fewer.
      db.pragma(`cache_size = ${-Math.round((opts.cacheMiB ?? 256) * 1024)}`);
      db.pragma(`wal_autocheckpoint = ${Math.max(0, Math.round(opts.walAutocheckpoint ?? 16_384))}`);
      migrate(db);
      return new SqliteStorage(db, Math.max(0, opts.keyCacheSize ?? 100_000));
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** The `synchronous` level in effect (2 = FULL, 1 = NORMAL), for diagnostics and tests. */
  get synchronousLevel(): number {
    return this.db.pragma('synchronous', { simple: true }) as number;
  }

  /** The schema version (`PRAGMA user_version`). */
  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  async upsertItems(items: ItemRecord[]): Promise<number> {
    return this.txUpsertItems(items);
  }

  async getItem(id: string): Promise<ItemRecord | null> {
    const row = this.stmt.getItem.get(id) as ItemRow | undefined;
    return row ? itemFromRow(row) : null;
  }

  async patchItem(id: string, patch: Partial<Omit<ItemRecord, 'id'>>): Promise<ItemRecord | null> {
    return this.txPatchItem(id, patch);
  }

  async deleteItem(id: string): Promise<boolean> {
    return this.txDeleteItem(id);
  }

  async listItems(cursor: string | null, n: number): Promise<Page<ItemRecord>> {
    const rows = (
      cursor === null ? this.stmt.listItemsFirst.all(n + 1) : this.stmt.listItemsAfter.all(decodeCursor(cursor), n + 1)
    ) as ItemRow[];
    return page(rows.map(itemFromRow), n);
  }

  async allItems(): Promise<ItemRecord[]> {
    return (this.stmt.allItems.all() as ItemRow[]).map(itemFromRow);
  }

  async upsertUsers(users: UserRecord[]): Promise<number> {
    return this.txUpsertUsers(users);
  }

  async getUser(id: string): Promise<UserRecord | null> {
    const row = this.stmt.getUser.get(id) as UserRow | undefined;
    return row ? userFromRow(row) : null;
  }

  async patchUser(id: string, patch: Partial<Omit<UserRecord, 'id'>>): Promise<UserRecord | null> {
    return this.txPatchUser(id, patch);
  }

  async deleteUser(id: string): Promise<boolean> {
    return this.txDeleteUser(id);
  }

  async listUsers(cursor: string | null, n: number): Promise<Page<UserRecord>> {
    const rows = (
      cursor === null ? this.stmt.listUsersFirst.all(n + 1) : this.stmt.listUsersAfter.all(decodeCursor(cursor), n + 1)
    ) as UserRow[];
    return page(rows.map(userFromRow), n);
  }

  /**
   * Stores the batch in one transaction and writes each row's assigned `seq` back into it. Unknown users/items are
   * created (empty labels, timestamp now) when allowed; otherwise the first unknown one aborts the whole batch with
   * {@link UnknownReferenceError}, checked inside the transaction so a concurrent delete cannot slip between.
   */
  async insertFeedback(rows: FeedbackRecord[], opts: { createUsers: boolean; createItems: boolean }): Promise<number> {
    if (rows.length === 0) return 0;
    return this.insertFeedbackBatch(rows, opts.createUsers, opts.createItems);
  }

  async userFeedback(userId: string, limit?: number): Promise<FeedbackRecord[]> {
    const key = this.userKeys.get(userId) ?? (this.stmt.userKey.get(userId) as number | undefined);
    if (key === undefined) return [];
    // LIMIT -1 is SQLite's "no limit".
    return this.stmt.userFeedback.all(key, limit ?? -1) as FeedbackRecord[];
  }

  async scanFeedback(afterSeq: number, limit: number): Promise<FeedbackRecord[]> {
    return this.stmt.scanFeedback.all(afterSeq, limit) as FeedbackRecord[];
  }

  /**
   * Feedback with seq > afterSeq in column form: one raw (array-mode) read of the integer columns, then each
   * distinct user/item key is turned into its id once (through the key→id caches, else a rowid lookup).
   *
   * @example
   * const cols = await store.scanFeedbackColumns(0, 10_000);
   * cols.userIds[cols.users[0]]; // the first row's user id
   */
  async scanFeedbackColumns(afterSeq: number, limit: number): Promise<FeedbackColumns> {
    const raw = this.stmt.scanFeedbackRaw.all(afterSeq, limit) as [number, number, number, string, number, number][];
    const n = raw.length;
    const out: FeedbackColumns = {
      length: n,
      seqs: new Float64Array(n),
      users: new Int32Array(n),
      items: new Int32Array(n),
      types: new Int32Array(n),
      values: new Float64Array(n),
      timestamps: new Float64Array(n),
      userIds: [],
      itemIds: [],
      typeNames: [],
    };
    const userLocal = new Map<number, number>();
    const itemLocal = new Map<number, number>();
    const typeLocal = new Map<string, number>();
    for (let r = 0; r < n; r++) {
      const row = raw[r];
      const uk = row[1],
        ik = row[2],
        type = row[3];
      let u = userLocal.get(uk);
      if (u === undefined) {
        u = out.userIds.length;
        userLocal.set(uk, u);
        out.userIds.push(this.idOfKey(uk, this.userIdsByKey, this.stmt.userIdOfKey));
      }
      let i = itemLocal.get(ik);
      if (i === undefined) {
        i = out.itemIds.length;
        itemLocal.set(ik, i);
        out.itemIds.push(this.idOfKey(ik, this.itemIdsByKey, this.stmt.itemIdOfKey));
      }
      let t = typeLocal.get(type);
      if (t === undefined) {
        t = out.typeNames.length;
        typeLocal.set(type, t);
        out.typeNames.push(type);
      }
      out.seqs[r] = row[0];
      out.users[r] = u;
      out.items[r] = i;
      out.types[r] = t;
      out.values[r] = row[4];
      out.timestamps[r] = row[5];
    }
    return out;
  }

  private idOfKey(key: number, cache: KeyCache<number, string>, stmt: Statement): string {
    let id = cache.get(key);
    if (id === undefined) {
      id = stmt.get(key) as string | undefined;
      // Feedback never outlives its user/item (deletes cascade in one transaction), so this is a broken database.
      if (id === undefined) throw new Error(`feedback refers to a missing user/item key ${key}`);
      cache.set(key, id);
    }
    return id;
  }

  async feedbackCount(): Promise<number> {
    return this.stmt.feedbackCount.get() as number;
  }

  async lastSeq(): Promise<number> {
    return (this.stmt.lastSeq.get() as number | null) ?? 0;
  }

  async saveModel(meta: ModelMeta, bytes: Uint8Array): Promise<ModelRecord> {
    // better-sqlite3 binds Buffers as BLOBs; wrap the caller's bytes without copying.
    const blob = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const res = this.stmt.insertModel.run(JSON.stringify(meta), blob);
    return { ...meta, version: Number(res.lastInsertRowid), active: false, sizeBytes: bytes.byteLength };
  }

  async listModels(): Promise<ModelRecord[]> {
    return (this.stmt.listModels.all() as ModelRow[]).map(modelFromRow);
  }

  async modelBytes(version: number): Promise<Uint8Array | null> {
    return (this.stmt.modelBytes.get(version) as Buffer | undefined) ?? null;
  }

  async activateModel(version: number): Promise<boolean> {
    return this.txActivate(version);
  }

  async activeModel(): Promise<ModelRecord | null> {
    const row = this.stmt.activeModel.get() as ModelRow | undefined;
    return row ? modelFromRow(row) : null;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** Every statement the store runs, prepared once per connection. */
function prepareAll(db: Database.Database) {
  const p = (sql: string): Statement => db.prepare(sql);
  return {
    upsertItem: p(
      `INSERT INTO items (id, categories, labels, text, timestamp, hidden, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET categories = excluded.categories, labels = excluded.labels,
         text = excluded.text, timestamp = excluded.timestamp, hidden = excluded.hidden, updated_at = excluded.updated_at`,
    ),
    getItem: p(`SELECT ${ITEM_COLUMNS} FROM items WHERE id = ?`),
    itemKey: p('SELECT item_key FROM items WHERE id = ?').pluck(),
    itemIdOfKey: p('SELECT id FROM items WHERE item_key = ?').pluck(),
    // Only called after a lookup found no row (inside the same transaction), so a plain INSERT.
    createItem: p(
      `INSERT INTO items (id, categories, labels, text, timestamp, hidden, updated_at) VALUES (?, '[]', '{}', NULL, ?, 0, ?)`,
    ),
    deleteItem: p('DELETE FROM items WHERE item_key = ?'),
    deleteItemFeedback: p('DELETE FROM feedback WHERE item_key = ?'),
    listItemsFirst: p(`SELECT ${ITEM_COLUMNS} FROM items ORDER BY id LIMIT ?`),
    listItemsAfter: p(`SELECT ${ITEM_COLUMNS} FROM items WHERE id > ? ORDER BY id LIMIT ?`),
    allItems: p(`SELECT ${ITEM_COLUMNS} FROM items ORDER BY id`),

    upsertUser: p(
      `INSERT INTO users (id, labels, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET labels = excluded.labels, updated_at = excluded.updated_at`,
    ),
    getUser: p(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`),
    userKey: p('SELECT user_key FROM users WHERE id = ?').pluck(),
    userIdOfKey: p('SELECT id FROM users WHERE user_key = ?').pluck(),
    createUser: p(`INSERT INTO users (id, labels, updated_at) VALUES (?, '{}', ?)`),
    deleteUser: p('DELETE FROM users WHERE user_key = ?'),
    deleteUserFeedback: p('DELETE FROM feedback WHERE user_key = ?'),
    listUsersFirst: p(`SELECT ${USER_COLUMNS} FROM users ORDER BY id LIMIT ?`),
    listUsersAfter: p(`SELECT ${USER_COLUMNS} FROM users WHERE id > ? ORDER BY id LIMIT ?`),

    insertFeedback: p('INSERT INTO feedback (user_key, item_key, type, value, timestamp) VALUES (?, ?, ?, ?, ?)'),
    // Newest first by event time; seq breaks ties in arrival order. Served straight from feedback_by_user (walked
    // backwards), one items rowid lookup per row for the id.
    userFeedback: p(
      `SELECT ${FEEDBACK_COLUMNS} FROM ${FEEDBACK_JOIN} WHERE f.user_key = ?
       ORDER BY f.timestamp DESC, f.seq DESC LIMIT ?`,
    ),
    scanFeedback: p(`SELECT ${FEEDBACK_COLUMNS} FROM ${FEEDBACK_JOIN} WHERE f.seq > ? ORDER BY f.seq LIMIT ?`),
    scanFeedbackRaw: p(
      'SELECT seq, user_key, item_key, type, value, timestamp FROM feedback WHERE seq > ? ORDER BY seq LIMIT ?',
    ).raw(true),
    feedbackCount: p('SELECT count(*) FROM feedback').pluck(),
    lastSeq: p('SELECT max(seq) FROM feedback').pluck(),

    insertModel: p('INSERT INTO models (meta, bytes, active) VALUES (?, ?, 0)'),
    listModels: p(`SELECT ${MODEL_COLUMNS} FROM models ORDER BY version`),
    modelBytes: p('SELECT bytes FROM models WHERE version = ?').pluck(),
    modelExists: p('SELECT 1 FROM models WHERE version = ?').pluck(),
    // Deactivate first: the partial unique index allows one active row at any moment, even inside a transaction.
    deactivateModels: p('UPDATE models SET active = 0 WHERE active = 1'),
    activateModel: p('UPDATE models SET active = 1 WHERE version = ?'),
    activeModel: p(`SELECT ${MODEL_COLUMNS} FROM models WHERE active = 1`),
  };
}

function itemParams(it: ItemRecord): unknown[] {
  return [
    it.id,
    JSON.stringify(it.categories ?? []),
    JSON.stringify(it.labels ?? {}),
    it.text ?? null,
    it.timestamp,
    it.hidden ? 1 : 0,
    it.updatedAt,
  ];
}

function itemFromRow(row: ItemRow): ItemRecord {
  const item: ItemRecord = {
    id: row.id,
    categories: JSON.parse(row.categories) as string[],
    labels: JSON.parse(row.labels) as Record<string, string>,
    timestamp: row.timestamp,
    hidden: row.hidden !== 0,
    updatedAt: row.updatedAt,
  };
  if (row.text !== null) item.text = row.text;
  return item;
}

function userFromRow(row: UserRow): UserRecord {
  return { id: row.id, labels: JSON.parse(row.labels) as Record<string, string>, updatedAt: row.updatedAt };
}

function modelFromRow(row: ModelRow): ModelRecord {
  const meta = JSON.parse(row.meta) as ModelMeta;
  return { ...meta, version: row.version, active: row.active !== 0, sizeBytes: row.sizeBytes };
}

/** Turns n + 1 fetched rows into a page of n and a cursor (the extra row only says that more exist). */
function page<T extends { id: string }>(rows: T[], n: number): Page<T> {
  if (rows.length <= n) return { items: rows, next: null };
  const items = rows.slice(0, n);
  return { items, next: encodeCursor(items[n - 1].id) };
}
