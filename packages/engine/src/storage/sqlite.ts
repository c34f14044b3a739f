import Database from 'better-sqlite3';
type Statement = Database.Statement;
import type { FeedbackRecord, ItemRecord, ModelRecord, Page, Storage, UserRecord } from './port.js';
import { decodeCursor, encodeCursor, UnknownReferenceError } from './errors.js';
import { migrate } from './sqlite-migrations.js';

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
  /** Page cache per connection in MiB (SQLite's default is 2 MiB, too small for the feedback indexes). */
  cacheMiB?: number;
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
// Aliased so that better-sqlite3's row objects are FeedbackRecords as they come, with no per-row mapping.
const FEEDBACK_COLUMNS = 'seq, user_id AS userId, item_id AS itemId, type, value, timestamp';
const MODEL_COLUMNS = 'version, meta, active, length(bytes) AS sizeBytes';

/**
 * The embedded store: one SQLite file in WAL mode (readers never block the writer), schema versioned by
 * `PRAGMA user_version`, every statement prepared once, every multi-row write in one transaction (all rows or none).
 * better-sqlite3 is synchronous, so each method completes before its promise settles; an acknowledged write is
 * committed.
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
  private readonly txInsertFeedback: (rows: FeedbackRecord[], createUsers: boolean, createItems: boolean) => number;
  private readonly txUpsertItems: (items: ItemRecord[]) => number;
  private readonly txUpsertUsers: (users: UserRecord[]) => number;
  private readonly txDeleteUser: (id: string) => boolean;
  private readonly txDeleteItem: (id: string) => boolean;
  private readonly txActivate: (version: number) => boolean;
  private readonly txPatchItem: (id: string, patch: Partial<Omit<ItemRecord, 'id'>>) => ItemRecord | null;
  private readonly txPatchUser: (id: string, patch: Partial<Omit<UserRecord, 'id'>>) => UserRecord | null;

  private constructor(db: Database.Database) {
    this.db = db;
    const s = prepareAll(db);
    this.stmt = s;

    this.txInsertFeedback = db.transaction((rows: FeedbackRecord[], createUsers: boolean, createItems: boolean) => {
      const now = Date.now();
      // Each distinct id is checked (or created) once per batch; a batch of 1000 events usually names far fewer.
      const users = new Set<string>();
      const items = new Set<string>();
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i];
        if (!users.has(r.userId)) {
          users.add(r.userId);
          if (createUsers) s.createUser.run(r.userId, now);
          else if (s.userExists.get(r.userId) === undefined) throw new UnknownReferenceError('user', r.userId, i);
        }
        if (!items.has(r.itemId)) {
          items.add(r.itemId);
          if (createItems) s.createItem.run(r.itemId, now, now);
          else if (s.itemExists.get(r.itemId) === undefined) throw new UnknownReferenceError('item', r.itemId, i);
        }
      }
      for (const r of rows) {
        const res = s.insertFeedback.run(r.userId, r.itemId, r.type, r.value, r.timestamp);
        r.seq = Number(res.lastInsertRowid);
      }
      return rows.length;
    });

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
    this.txDeleteUser = db.transaction((id: string) => {
      s.deleteUserFeedback.run(id);
      return s.deleteUser.run(id).changes > 0;
    });
    this.txDeleteItem = db.transaction((id: string) => {
      s.deleteItemFeedback.run(id);
      return s.deleteItem.run(id).changes > 0;
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
      db.pragma(`cache_size = ${-Math.round((opts.cacheMiB ?? 64) * 1024)}`);
      migrate(db);
      return new SqliteStorage(db);
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
    return this.txInsertFeedback(rows, opts.createUsers, opts.createItems);
  }

  async userFeedback(userId: string, limit?: number): Promise<FeedbackRecord[]> {
    // LIMIT -1 is SQLite's "no limit".
    return this.stmt.userFeedback.all(userId, limit ?? -1) as FeedbackRecord[];
  }

  async scanFeedback(afterSeq: number, limit: number): Promise<FeedbackRecord[]> {
    return this.stmt.scanFeedback.all(afterSeq, limit) as FeedbackRecord[];
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
    itemExists: p('SELECT 1 FROM items WHERE id = ?').pluck(),
    createItem: p(
      `INSERT INTO items (id, categories, labels, text, timestamp, hidden, updated_at) VALUES (?, '[]', '{}', NULL, ?, 0, ?)
       ON CONFLICT (id) DO NOTHING`,
    ),
    deleteItem: p('DELETE FROM items WHERE id = ?'),
    deleteItemFeedback: p('DELETE FROM feedback WHERE item_id = ?'),
    listItemsFirst: p(`SELECT ${ITEM_COLUMNS} FROM items ORDER BY id LIMIT ?`),
    listItemsAfter: p(`SELECT ${ITEM_COLUMNS} FROM items WHERE id > ? ORDER BY id LIMIT ?`),
    allItems: p(`SELECT ${ITEM_COLUMNS} FROM items ORDER BY id`),

    upsertUser: p(
      `INSERT INTO users (id, labels, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET labels = excluded.labels, updated_at = excluded.updated_at`,
    ),
    getUser: p(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`),
    userExists: p('SELECT 1 FROM users WHERE id = ?').pluck(),
    createUser: p(`INSERT INTO users (id, labels, updated_at) VALUES (?, '{}', ?) ON CONFLICT (id) DO NOTHING`),
    deleteUser: p('DELETE FROM users WHERE id = ?'),
    deleteUserFeedback: p('DELETE FROM feedback WHERE user_id = ?'),
    listUsersFirst: p(`SELECT ${USER_COLUMNS} FROM users ORDER BY id LIMIT ?`),
    listUsersAfter: p(`SELECT ${USER_COLUMNS} FROM users WHERE id > ? ORDER BY id LIMIT ?`),

    insertFeedback: p('INSERT INTO feedback (user_id, item_id, type, value, timestamp) VALUES (?, ?, ?, ?, ?)'),
    // Newest first by event time; seq breaks ties in arrival order. Served straight from feedback_by_user.
    userFeedback: p(
      `SELECT ${FEEDBACK_COLUMNS} FROM feedback WHERE user_id = ? ORDER BY timestamp DESC, seq DESC LIMIT ?`,
    ),
    scanFeedback: p(`SELECT ${FEEDBACK_COLUMNS} FROM feedback WHERE seq > ? ORDER BY seq LIMIT ?`),
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
