import { setImmediate } from 'node:timers';
import Database from 'better-sqlite3';
type Statement = Database.Statement;
import type {
  FeedbackColumns,
  FeedbackRecord,
  FeedbackSelector,
  ItemRecord,
  ModelRecord,
  Page,
  Storage,
  UserRecord,
} from './port.js';
import { decodeCursor, encodeCursor, UnknownReferenceError } from './errors.js';
import { migrate } from './sqlite-migrations.js';
import { KeyCache } from './key-cache.js';
import { PURGE_CHUNK_SEQS, SqliteItemPurge } from './sqlite-item-purge.js';
import { enableIncrementalVacuum, IncrementalVacuum } from './sqlite-vacuum.js';
import { SqliteUserIndexMerge } from './sqlite-user-index.js';
import { EventIdFilter } from './sqlite-event-ids.js';
import { deleteFeedbackTx, type DeleteFeedbackTx } from './sqlite-feedback-delete.js';
import { SqliteUserFeedbackPages } from './sqlite-user-feedback.js';
import { decodeFeedbackCursor } from './feedback-cursor.js';

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
   * default is 1,000). A group of feedback inserts dirties most pages of the user index's recent level, and a merge
   * chunk a range of its main level, so with SQLite's default nearly every commit checkpointed; a larger WAL lets a
   * checkpoint write each hot page once for many commits. (The engine sets 0 and checkpoints from a worker thread.)
   */
  walAutocheckpoint?: number;
  /** Entries of each in-process id↔key cache (users and items, both directions; default 100,000). */
  keyCacheSize?: number;
  /**
   * Group commit bound: feedback batches queued by concurrent callers are written in one transaction of at most this
   * many events (default 50,000; a single larger batch still goes alone). Bounds how long one commit holds the event
   * loop.
   */
  groupMaxEvents?: number;
  /**
   * Seqs per chunk of the background purge of deleted items' feedback (default 50,000): one short transaction per
   * chunk, a turn of the event loop between chunks. See {@link SqliteItemPurge}.
   */
  purgeChunkSeqs?: number;
  /**
   * Whether this connection hands pages freed by deletes back to the file system (default true; see
   * {@link IncrementalVacuum}). A second connection that only reads passes false.
   */
  incrementalVacuum?: boolean;
  /**
   * Whether this connection runs the background purge of deleted items' feedback (default true). A second connection
   * to the same file (a worker thread that only reads) should pass false: one purger is enough, and its chunks would
   * make the serving connection's commits wait for the write lock.
   */
  purgeDeletedItems?: boolean;
  /**
   * Entries in the recent level of the user index that start a merge into the main level (default 200,000), and
   * entries per merge chunk (default 5,000). See {@link SqliteUserIndexMerge}.
   */
  userIndexMergeRows?: number;
  userIndexChunkRows?: number;
}

/** A feedback batch waiting for its group commit, and how to answer its caller. */
interface QueuedBatch {
  rows: FeedbackRecord[];
  createUsers: boolean;
  createItems: boolean;
  /** Rows stored (the batch minus rows skipped for an already stored eventId), set by the group commit. */
  stored: number;
  resolve: (n: number) => void;
  reject: (e: unknown) => void;
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
  'f.seq AS seq, u.id AS userId, i.id AS itemId, f.type AS type, f.value AS value, f.timestamp AS timestamp, ' +
  'f.event_id AS eventId';
const FEEDBACK_JOIN = 'feedback f JOIN users u ON u.user_key = f.user_key JOIN items i ON i.item_key = f.item_key';
/** Empty id→key lookups in one batch, as a sentinel for "checked, absent". */
const ABSENT = -1;
/** Feedback rows per multi-row INSERT (6 parameters each; SQLite allows 32,766). */
const ROWS_PER_INSERT = 100;
/** Seq range per step of `positiveItemCounts` (~0.3 s of work each on 5M rows; requests run between steps). */
const COUNT_CHUNK = 500_000;
const MODEL_COLUMNS = 'version, meta, active, length(bytes) AS sizeBytes';

/**
 * The embedded store: one SQLite file in WAL mode (readers never block the writer), schema versioned by
 * `PRAGMA user_version`, every statement prepared once, every multi-row write in one transaction (all rows or none).
 * better-sqlite3 is synchronous, so each method completes before its promise settles; an acknowledged write is
 * committed. Feedback batches are the exception in timing only: they are group-committed on the next turn of the event
 * loop (see `insertFeedback`), and their promises still settle after the commit.
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
  /** Writes a group of batches in one transaction; returns each batch's error (undefined where it was stored). */
  private readonly writeGroup: (group: QueuedBatch[]) => unknown[];
  /** The parameter array of one multi-row feedback INSERT, reused. */
  private readonly manyParams: (string | number | null)[] = new Array(ROWS_PER_INSERT * 6);
  /** Skips rows whose eventId is already stored (idempotent ingestion). */
  private readonly eventIds: EventIdFilter;
  private readonly txDeleteFeedback: DeleteFeedbackTx;
  /** Feedback batches waiting for the next group commit, in arrival order (= seq order). */
  private queue: QueuedBatch[] = [];
  /** `positiveItemCounts` statements by number of types (the IN list has one placeholder per type). */
  private readonly countStmts = new Map<number, Statement>();
  private flushScheduled = false;
  private readonly groupMaxEvents: number;
  private readonly txUpsertItems: (items: ItemRecord[]) => number;
  private readonly txUpsertUsers: (users: UserRecord[]) => number;
  private readonly txDeleteUser: (id: string) => FeedbackRecord[] | null;
  private readonly txDeleteItem: (id: string) => { key: number; through: number } | null;
  /** Deleted items whose feedback rows are still stored, and the background purge that deletes them. */
  private readonly purge: SqliteItemPurge;
  /** The merge of the user index's recent level into its main level. */
  private readonly userIndex: SqliteUserIndexMerge;
  /** Keyset pages of one user's feedback (both levels of the user index). */
  private readonly feedbackPages: SqliteUserFeedbackPages;
  private readonly txActivate: (version: number) => boolean;
  /** Hands pages freed by deletes back to the file system, in chunks (storage/sqlite-vacuum.ts). */
  private readonly vacuum: IncrementalVacuum;
  private readonly txPatchItem: (id: string, patch: Partial<Omit<ItemRecord, 'id'>>) => ItemRecord | null;
  private readonly txPatchUser: (id: string, patch: Partial<Omit<UserRecord, 'id'>>) => UserRecord | null;

  private constructor(db: Database.Database, opts: SqliteOpenOptions) {
    this.db = db;
    this.groupMaxEvents = Math.max(1, opts.groupMaxEvents ?? 50_000);
    this.vacuum = new IncrementalVacuum(db, opts.incrementalVacuum ?? true);
    this.purge = new SqliteItemPurge(db, Math.max(1, Math.round(opts.purgeChunkSeqs ?? PURGE_CHUNK_SEQS)), () =>
      this.vacuum.kick(),
    );
    this.userIndex = new SqliteUserIndexMerge(db, opts.userIndexMergeRows, opts.userIndexChunkRows);
    this.feedbackPages = new SqliteUserFeedbackPages(db, FEEDBACK_COLUMNS);
    const keyCacheSize = Math.max(0, opts.keyCacheSize ?? 100_000);
    const s = prepareAll(db);
    this.stmt = s;
    this.eventIds = new EventIdFilter(db);
    this.txDeleteFeedback = deleteFeedbackTx(db);
    this.userKeys = new KeyCache(keyCacheSize);
    this.itemKeys = new KeyCache(keyCacheSize);
    this.userIdsByKey = new KeyCache(keyCacheSize);
    this.itemIdsByKey = new KeyCache(keyCacheSize);

    // The keys of this group's users and items; filled inside the transaction, copied into the caches only after it
    // commits (a rolled-back group must not leave the keys of users it created in a cache). A batch that fails inside
    // the group takes the keys it created out again (its savepoint rolled those rows back); keys it only looked up
    // stay valid.
    const groupUsers = new Map<string, number>();
    const groupItems = new Map<string, number>();
    const createdUsers: string[] = [];
    const createdItems: string[] = [];
    // One batch, all rows or none: run inside the group transaction, better-sqlite3 makes it a SAVEPOINT.
    const txBatch = db.transaction((batch: FeedbackRecord[], createUsers: boolean, createItems: boolean) => {
      const now = Date.now();
      // Rows already stored under their eventId are left out (and keep no seq); a batch without eventIds is as is.
      const { rows, index } = this.eventIds.fresh(batch);
      const n = rows.length;
      if (n === 0) return 0;
      const uk = new Float64Array(n);
      const ik = new Float64Array(n);
      // Each distinct id is resolved (or created) once per group; a batch of 1000 events usually names far fewer.
      for (let i = 0; i < n; i++) {
        const r = rows[i];
        let u = groupUsers.get(r.userId);
        if (u === undefined) {
          u = this.userKeys.get(r.userId) ?? (s.userKey.get(r.userId) as number | undefined) ?? ABSENT;
          if (u === ABSENT) {
            if (!createUsers) throw new UnknownReferenceError('user', r.userId, index ? index[i] : i);
            u = Number(s.createUser.run(r.userId, now).lastInsertRowid);
            createdUsers.push(r.userId);
          }
          groupUsers.set(r.userId, u);
        }
        let it = groupItems.get(r.itemId);
        if (it === undefined) {
          it = this.itemKeys.get(r.itemId) ?? (s.itemKey.get(r.itemId) as number | undefined) ?? ABSENT;
          if (it === ABSENT) {
            if (!createItems) throw new UnknownReferenceError('item', r.itemId, index ? index[i] : i);
            it = Number(s.createItem.run(r.itemId, now, now).lastInsertRowid);
            createdItems.push(r.itemId);
          }
          groupItems.set(r.itemId, it);
        }
        uk[i] = u;
        ik[i] = it;
      }
      // Rows go in INSERT statements of ROWS_PER_INSERT rows (one call into SQLite instead of a hundred), the rest
      // one by one. AUTOINCREMENT gives each row the largest seq so far + 1 (this connection is the only writer, inside
      // its transaction), so a statement's rows are numbered from the counter's value on and its last seq names them
      // all. Each statement's last seq is checked against the counter, so a broken assumption fails the batch instead
      // of misnumbering its rows.
      const params = this.manyParams;
      let first = 0;
      let last = (s.feedbackSeqCounter.get() as number | undefined) ?? 0;
      let i = 0;
      for (; i + ROWS_PER_INSERT <= n; i += ROWS_PER_INSERT) {
        for (let j = 0, o = 0; j < ROWS_PER_INSERT; j++, o += 6) {
          const r = rows[i + j];
          params[o] = uk[i + j];
          params[o + 1] = ik[i + j];
          params[o + 2] = r.type;
          params[o + 3] = r.value;
          params[o + 4] = r.timestamp;
          params[o + 5] = r.eventId ?? null;
        }
        const end = Number(s.insertFeedbackMany.run(params).lastInsertRowid);
        const start = end - ROWS_PER_INSERT + 1;
        if (start !== last + 1) throw new Error(`feedback seqs not consecutive: ${last} then ${start}`);
        if (i === 0) first = start;
        for (let j = 0; j < ROWS_PER_INSERT; j++) rows[i + j].seq = start + j;
        last = end;
      }
      for (; i < n; i++) {
        const r = rows[i];
        r.seq = Number(
          s.insertFeedback.run(uk[i], ik[i], r.type, r.value, r.timestamp, r.eventId ?? null).lastInsertRowid,
        );
        if (r.seq !== last + 1) throw new Error(`feedback seqs not consecutive: ${last} then ${r.seq}`);
        if (i === 0) first = r.seq;
        last = r.seq;
      }
      // The batch's user index entries in one statement (its rows are the only ones from `first` on: this is the
      // only writer, inside its transaction), read back from pages still in the cache.
      s.indexRecentFrom.run(first);
      return n;
    });
    // The group: every queued batch in one transaction, so one WAL commit (one fsync under synchronous=FULL) for
    // all of them. A failing batch is recorded in `failures` and only its savepoint is rolled back.
    const txGroup = db.transaction((group: QueuedBatch[], failures: unknown[]) => {
      const single = group.length === 1;
      for (let g = 0; g < group.length; g++) {
        const b = group[g];
        createdUsers.length = 0;
        createdItems.length = 0;
        try {
          b.stored = txBatch(b.rows, b.createUsers, b.createItems);
        } catch (e) {
          // Alone in the group: fail the whole transaction (no savepoint is needed to undo it). And if SQLite rolled
          // back the whole transaction itself (an I/O error, a full disk: https://sqlite.org/lang_transaction.html
          // "Response To Errors Within A Transaction"), the next batches must not run in autocommit mode: fail all.
          if (single || !db.inTransaction) throw e;
          failures[g] = e;
          b.stored = 0;
          for (const id of createdUsers) groupUsers.delete(id);
          for (const id of createdItems) groupItems.delete(id);
          for (const r of b.rows) delete r.seq;
        }
      }
    });
    this.writeGroup = (group) => {
      const failures: unknown[] = new Array(group.length);
      try {
        txGroup(group, failures);
        for (const [id, k] of groupUsers) this.userKeys.set(id, k);
        for (const [id, k] of groupItems) this.itemKeys.set(id, k);
        let added = 0;
        for (let g = 0; g < group.length; g++) if (failures[g] === undefined) added += group[g].stored;
        this.userIndex.added(added);
      } catch (e) {
        // The commit (or a lone batch) failed: nothing of the group is stored.
        for (const b of group) {
          b.stored = 0;
          for (const r of b.rows) delete r.seq;
        }
        failures.fill(e);
      } finally {
        groupUsers.clear();
        groupItems.clear();
      }
      return failures;
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
    // extra lookups per inserted row; the only deletes are these two. A user's rows go at once (both levels of the
    // user index find them); an item's rows are purged lazily (no index by item since schema v3; readers skip queued keys).
    // The cache entry goes first: even if the transaction failed after it, the next lookup just asks the database.
    this.txDeleteUser = db.transaction((id: string) => {
      this.userKeys.delete(id);
      const key = s.userKey.get(id) as number | undefined;
      if (key === undefined) return null;
      // Read in the same transaction: exactly the rows deleted (serving subtracts them from popularity).
      const removed = withoutNullEventIds(s.userFeedback.all({ user: key, limit: -1 }) as FeedbackRecord[]);
      s.deleteUserFeedback.run({ user: key });
      s.deleteUserIndexMain.run(key);
      s.deleteUserIndexRecent.run(key);
      s.deleteUser.run(key);
      return removed;
    });
    this.txDeleteItem = db.transaction((id: string) => {
      this.itemKeys.delete(id);
      const key = s.itemKey.get(id) as number | undefined;
      if (key === undefined) return null;
      s.deleteItem.run(key);
      return { key, through: this.purge.record(key) };
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
      // First of all: on a new file the mode takes effect only before WAL mode writes the header; an older file with
      // tables is rewritten once.
      if (enableIncrementalVacuum(db))
        process.emitWarning(`kindred: ${path} was rewritten once (VACUUM) to enable incremental vacuum`);
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${(opts.synchronous ?? 'full') === 'full' ? 'FULL' : 'NORMAL'}`);
      // Merges and reads touch pages all over the user index's main level; a bigger cache re-reads fewer.
      db.pragma(`cache_size = ${-Math.round((opts.cacheMiB ?? 256) * 1024)}`);
      db.pragma(`wal_autocheckpoint = ${Math.max(0, Math.round(opts.walAutocheckpoint ?? 16_384))}`);
      migrate(db);
      const store = new SqliteStorage(db, opts);
      // Resumes the purge of items deleted before a restart (the queue is durable).
      if (opts.purgeDeletedItems ?? true) store.purge.start();
      return store;
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

  /**
   * Deletes the item row and queues its key for the background purge, in one transaction. Its feedback disappears
   * from every read at once (readers join `items` or skip queued keys); the rows themselves are deleted in chunks
   * afterwards (see {@link SqliteItemPurge}), since no index finds them by item.
   */
  async deleteItem(id: string): Promise<boolean> {
    const deleted = this.txDeleteItem(id);
    if (deleted === null) return false;
    this.itemIdsByKey.delete(deleted.key);
    this.purge.track(deleted.key, deleted.through);
    this.vacuum.kick();
    return true;
  }

  /** Entries in the recent level of the user index, waiting for a merge into the main level (diagnostics, tests). */
  get userIndexPending(): number {
    return this.userIndex.pending;
  }

  /** Merges the user index's recent level into its main level now, synchronously (tests, benchmarks, maintenance). */
  mergeUserIndex(): void {
    this.userIndex.mergeNow();
  }

  /** Resolves once no merge of the user index is running (rejects if the store closes first). */
  whenUserIndexMerged(): Promise<void> {
    return this.userIndex.whenIdle();
  }

  /** Deleted items whose feedback rows are not yet physically deleted (diagnostics and tests). */
  get pendingItemPurges(): number {
    return this.purge.size;
  }

  /**
   * Resolves once every deleted item's feedback rows are physically deleted (rejects if the store closes first).
   * For tests, benchmarks and maintenance scripts; readers never need to wait for it.
   *
   * @example
   * await store.deleteItem('i1');
   * await store.whenItemsPurged();
   */
  whenItemsPurged(): Promise<void> {
    return this.purge.whenIdle();
  }

  /** Resolves once the incremental vacuum has handed back the pages deletes freed (tests, diagnostics). */
  whenVacuumed(): Promise<void> {
    return this.vacuum.whenIdle();
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

  async deleteUser(id: string): Promise<FeedbackRecord[] | null> {
    const removed = this.txDeleteUser(id);
    this.vacuum.kick();
    return removed;
  }

  /** One pass over both levels of the user index (seconds at millions of events): background work, not requests. */
  async recentUsers(limit: number): Promise<string[]> {
    const n = Math.max(0, Math.floor(limit));
    if (n === 0) return [];
    // Both reads in one transaction: a merge chunk between them could move a user from the second level to the first.
    const [main, recent] = this.db.transaction(
      () => [this.stmt.lastSeqByUserMain.all(), this.stmt.lastSeqByUserRecent.all()] as [number, number][][],
    )();
    const last = new Map<number, number>();
    for (const [key, seq] of main) last.set(key, seq);
    for (const [key, seq] of recent) if ((last.get(key) ?? -1) < seq) last.set(key, seq);
    const byLast = [...last].sort((a, b) => b[1] - a[1]);
    const ids: string[] = [];
    for (let i = 0; i < byLast.length && ids.length < n; i++) {
      const key = byLast[i][0];
      const id = this.userIdsByKey.get(key) ?? (this.stmt.userIdOfKey.get(key) as string | undefined);
      if (id !== undefined) ids.push(id);
    }
    return ids;
  }

  async listUsers(cursor: string | null, n: number): Promise<Page<UserRecord>> {
    const rows = (
      cursor === null ? this.stmt.listUsersFirst.all(n + 1) : this.stmt.listUsersAfter.all(decodeCursor(cursor), n + 1)
    ) as UserRow[];
    return page(rows.map(userFromRow), n);
  }

  /**
   * Stores the batch atomically and writes each row's assigned `seq` back into it. Unknown users/items are created
   * (empty labels, timestamp now) when allowed; otherwise the first unknown one aborts the whole batch with
   * {@link UnknownReferenceError}, checked inside the transaction so a concurrent delete cannot slip between.
   *
   * Group commit: the batch is queued and written on the next turn of the event loop together with every other batch
   * queued meanwhile (by concurrent requests), in one transaction: one WAL commit, one fsync, and the dirty index pages
   * shared by the batches written once. Each batch runs in its own savepoint, so a failing batch rejects only its own
   * promise. Every promise settles only after the commit that holds its rows (an acknowledged batch is durable), and
   * seqs follow the order of the calls.
   */
  async insertFeedback(rows: FeedbackRecord[], opts: { createUsers: boolean; createItems: boolean }): Promise<number> {
    if (rows.length === 0) return 0;
    if (!this.db.open) throw new TypeError('The database connection is not open');
    return new Promise<number>((resolve, reject) => {
      this.queue.push({
        rows,
        createUsers: opts.createUsers,
        createItems: opts.createItems,
        stored: 0,
        resolve,
        reject,
      });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // setImmediate runs after the poll phase: every request whose body completed in this turn has queued by then.
        // From node:timers, not the global, so that tests faking timers cannot stall writes.
        setImmediate(this.flushQueue);
      }
    });
  }

  /** Writes queued feedback batches in groups of at most `groupMaxEvents` events (at least one batch each). */
  private readonly flushQueue = (): void => {
    this.flushScheduled = false;
    while (this.queue.length > 0) {
      let take = 0;
      for (let events = 0; take < this.queue.length; take++) {
        events += this.queue[take].rows.length;
        if (take > 0 && events > this.groupMaxEvents) break;
      }
      const group = this.queue.splice(0, take);
      const failures = this.writeGroup(group);
      for (let g = 0; g < group.length; g++) {
        if (failures[g] === undefined) group[g].resolve(group[g].stored);
        else group[g].reject(failures[g]);
      }
      // More queued than one group takes: let requests (and their answers) through before the next group.
      if (this.queue.length > 0) {
        this.flushScheduled = true;
        setImmediate(this.flushQueue);
        return;
      }
    }
  };

  /**
   * See {@link Storage.userFeedbackPage}; the SQL is in sqlite-user-feedback.ts.
   *
   * @example
   * const { items, next } = await store.userFeedbackPage('u1', null, 100);
   * const more = next ? await store.userFeedbackPage('u1', next, 100) : null;
   */
  async userFeedbackPage(userId: string, cursor: string | null, n: number): Promise<Page<FeedbackRecord>> {
    // Validated first: a bad cursor is the caller's mistake whether or not the user exists.
    const from = cursor === null ? null : decodeFeedbackCursor(cursor);
    const key = this.userKeys.get(userId) ?? (this.stmt.userKey.get(userId) as number | undefined);
    if (key === undefined) return { items: [], next: null };
    return this.feedbackPages.read(key, from, Math.max(1, Math.floor(n)));
  }

  async userFeedback(userId: string, limit?: number): Promise<FeedbackRecord[]> {
    const key = this.userKeys.get(userId) ?? (this.stmt.userKey.get(userId) as number | undefined);
    if (key === undefined) return [];
    // LIMIT -1 is SQLite's "no limit".
    return withoutNullEventIds(this.stmt.userFeedback.all({ user: key, limit: limit ?? -1 }) as FeedbackRecord[]);
  }

  async scanFeedback(afterSeq: number, limit: number): Promise<FeedbackRecord[]> {
    return withoutNullEventIds(this.stmt.scanFeedback.all(afterSeq, limit) as FeedbackRecord[]);
  }

  /**
   * Deletes one feedback row by seq or eventId (see {@link deleteFeedbackTx}); null when it is not stored.
   *
   * @example
   * await store.deleteFeedback({ eventId: 'evt-1' }); // the removed row, or null
   */
  async deleteFeedback(sel: FeedbackSelector): Promise<FeedbackRecord | null> {
    const removed = this.txDeleteFeedback(sel);
    this.vacuum.kick();
    return removed;
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
    // Rows of deleted items are filtered in SQL, before LIMIT: a short batch means "end of the log" to callers.
    const stmt = this.itemsAwaitPurge() ? this.stmt.scanFeedbackRawLive : this.stmt.scanFeedbackRaw;
    const raw = stmt.all(afterSeq, limit) as [number, number, number, string, number, number][];
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
      // Feedback of a deleted user goes with it, a deleted item's is skipped until purged: a broken database.
      if (id === undefined) throw new Error(`feedback refers to a missing user/item key ${key}`);
      cache.set(key, id);
    }
    return id;
  }

  /**
   * Popularity counts without a row object per event: the item key of every matching row (integers only, filtered
   * by type in SQL) is counted into a typed array indexed by key, in seq ranges of {@link COUNT_CHUNK} rows with a
   * turn of the event loop between them; the ids of counted keys are read once at the end (an item deleted before
   * or meanwhile drops out, whether or not its rows are purged yet). Rows up to the highest seq at the call are
   * counted. Measured on 5M events, 50k items: ~3 s on the loaded 2-core box, where the old full `scanFeedback`
   * pass into row objects took ~22 s, and an SQL `GROUP BY item_key` took 16–23 s (no covering index: a temp B-tree,
   * or a table lookup per index entry).
   *
   * @example
   * const counts = await store.positiveItemCounts(['click', 'purchase']);
   * counts.get('i1'); // events of those types on item i1 (undefined when none)
   */
  async positiveItemCounts(types: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const distinct = [...new Set(types)];
    if (distinct.length === 0) return out;
    let stmt = this.countStmts.get(distinct.length);
    if (!stmt) {
      const marks = distinct.map(() => '?').join(', ');
      stmt = this.db
        .prepare(`SELECT item_key FROM feedback WHERE seq > ? AND seq <= ? AND type IN (${marks}) ORDER BY seq`)
        .pluck();
      this.countStmts.set(distinct.length, stmt);
    }
    const last = (this.stmt.lastSeq.get() as number | null) ?? 0;
    const size = ((this.stmt.maxItemKey.get() as number | null) ?? 0) + 1;
    const tally: { counts: Int32Array; order: number[] } = { counts: new Int32Array(size), order: [] };
    for (let from = 0; from < last; from += COUNT_CHUNK) {
      countKeys(stmt.all(from, Math.min(last, from + COUNT_CHUNK), ...distinct) as number[], tally);
      if (from + COUNT_CHUNK < last) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const ids = new Map<number, string>();
    for (const [key, id] of this.stmt.itemKeysAndIds.all() as [number, string][]) ids.set(key, id);
    // In order of each item's first counted event, as a scan of the log would fill the map (callers may break ties
    // by iteration order).
    for (const key of tally.order) {
      const id = ids.get(key);
      if (id !== undefined) out.set(id, tally.counts[key]);
    }
    return out;
  }

  /** Stored feedback rows, not counting those of deleted items still waiting for the purge. */
  async feedbackCount(): Promise<number> {
    // The filtered count scans the table instead of the smallest index; only while a purge is pending.
    return (this.itemsAwaitPurge() ? this.stmt.feedbackCountLive : this.stmt.feedbackCount).get() as number;
  }

  /**
   * Whether deleted items' rows may still be stored. Asks the table, not this connection's purge: another connection
   * to the same file (a worker thread's) may have deleted an item since this one opened.
   */
  private itemsAwaitPurge(): boolean {
    return this.stmt.anyDeletedItems.get() === 1;
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

  async deleteModel(version: number): Promise<boolean> {
    // Prepared per call: versions are pruned once per training run. `active = 0` keeps the serving one.
    return this.db.prepare('DELETE FROM models WHERE version = ? AND active = 0').run(version).changes > 0;
  }

  async activeModel(): Promise<ModelRecord | null> {
    const row = this.stmt.activeModel.get() as ModelRow | undefined;
    return row ? modelFromRow(row) : null;
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    // Batches already accepted are written, not dropped (their callers are still waiting).
    while (this.queue.length > 0) this.flushQueue();
    // Chunks are synchronous, so none is running now; stopping cancels the next one (the queue stays durable).
    this.purge.stop();
    this.userIndex.stop();
    this.vacuum.stop();
    this.db.close();
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
    // The user's seqs from both levels of the user index, then each row by rowid (run before the index deletes).
    deleteUserFeedback: p(
      `DELETE FROM feedback WHERE seq IN (SELECT seq FROM feedback_by_user_main WHERE user_key = @user
       UNION ALL SELECT seq FROM feedback_by_user_recent WHERE user_key = @user)`,
    ),
    deleteUserIndexMain: p('DELETE FROM feedback_by_user_main WHERE user_key = ?'),
    deleteUserIndexRecent: p('DELETE FROM feedback_by_user_recent WHERE user_key = ?'),
    // max(seq) per user, one covering pass over each level in key order (no sort); the caller combines the two.
    lastSeqByUserMain: p('SELECT user_key, max(seq) FROM feedback_by_user_main GROUP BY user_key').raw(true),
    lastSeqByUserRecent: p('SELECT user_key, max(seq) FROM feedback_by_user_recent GROUP BY user_key').raw(true),
    listUsersFirst: p(`SELECT ${USER_COLUMNS} FROM users ORDER BY id LIMIT ?`),
    listUsersAfter: p(`SELECT ${USER_COLUMNS} FROM users WHERE id > ? ORDER BY id LIMIT ?`),

    insertFeedback: p(
      'INSERT INTO feedback (user_key, item_key, type, value, timestamp, event_id) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    // AUTOINCREMENT's counter: the largest seq ever handed out (no row before the first insert).
    feedbackSeqCounter: p("SELECT seq FROM sqlite_sequence WHERE name = 'feedback'").pluck(),
    insertFeedbackMany: p(
      'INSERT INTO feedback (user_key, item_key, type, value, timestamp, event_id) VALUES ' +
        Array.from({ length: ROWS_PER_INSERT }, () => '(?, ?, ?, ?, ?, ?)').join(', '),
    ),
    indexRecentFrom: p(
      'INSERT INTO feedback_by_user_recent (user_key, timestamp, seq) SELECT user_key, timestamp, seq FROM feedback WHERE seq >= ?',
    ),
    // Newest first by event time; seq breaks ties in arrival order. The user's entries of both index levels (each
    // a range of its primary key), then one feedback and one items rowid lookup per row.
    userFeedback: p(
      `SELECT ${FEEDBACK_COLUMNS} FROM (
         SELECT seq, timestamp FROM feedback_by_user_main WHERE user_key = @user
         UNION ALL SELECT seq, timestamp FROM feedback_by_user_recent WHERE user_key = @user
         ORDER BY timestamp DESC, seq DESC LIMIT @limit) x
       CROSS JOIN feedback f ON f.seq = x.seq JOIN users u ON u.user_key = f.user_key JOIN items i ON i.item_key = f.item_key
       ORDER BY x.timestamp DESC, x.seq DESC`,
    ),
    scanFeedback: p(`SELECT ${FEEDBACK_COLUMNS} FROM ${FEEDBACK_JOIN} WHERE f.seq > ? ORDER BY f.seq LIMIT ?`),
    scanFeedbackRaw: p(
      'SELECT seq, user_key, item_key, type, value, timestamp FROM feedback WHERE seq > ? ORDER BY seq LIMIT ?',
    ).raw(true),
    // The same without the rows of deleted items not yet purged (used while deleted_items is not empty).
    scanFeedbackRawLive: p(
      `SELECT seq, user_key, item_key, type, value, timestamp FROM feedback
       WHERE seq > ? AND item_key NOT IN (SELECT item_key FROM deleted_items) ORDER BY seq LIMIT ?`,
    ).raw(true),
    feedbackCount: p('SELECT count(*) FROM feedback').pluck(),
    anyDeletedItems: p('SELECT EXISTS (SELECT 1 FROM deleted_items)').pluck(),
    feedbackCountLive: p(
      'SELECT count(*) FROM feedback WHERE item_key NOT IN (SELECT item_key FROM deleted_items)',
    ).pluck(),
    maxItemKey: p('SELECT max(item_key) FROM items').pluck(),
    itemKeysAndIds: p('SELECT item_key, id FROM items').raw(true),
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

/**
 * Adds one to `tally.counts[key]` per key (growing the array if a key is past its end) and appends each key seen for
 * the first time to `tally.order`.
 */
function countKeys(keys: number[], tally: { counts: Int32Array; order: number[] }): void {
  let c = tally.counts;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (k >= c.length) {
      const grown = new Int32Array(Math.max(k + 1, c.length * 2));
      grown.set(c);
      c = tally.counts = grown;
    }
    if (c[k]++ === 0) tally.order.push(k);
  }
}

/** Rows read with `f.event_id AS eventId` have `eventId: null` when posted without one: the port leaves it out. */
function withoutNullEventIds(rows: FeedbackRecord[]): FeedbackRecord[] {
  for (const r of rows) if (r.eventId === null) delete r.eventId;
  return rows;
}

/** Turns n + 1 fetched rows into a page of n and a cursor (the extra row only says that more exist). */
function page<T extends { id: string }>(rows: T[], n: number): Page<T> {
  if (rows.length <= n) return { items: rows, next: null };
  const items = rows.slice(0, n);
  return { items, next: encodeCursor(items[n - 1].id) };
}
