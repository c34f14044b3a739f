import Database from 'better-sqlite3';
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
import { configureConnection, type SqliteOpenOptions } from './sqlite-connection.js';
import { KeyCache } from './key-cache.js';
import { PURGE_CHUNK_SEQS, SqliteItemPurge } from './sqlite-item-purge.js';
import { IncrementalVacuum } from './sqlite-vacuum.js';
import { SqliteUserIndexMerge } from './sqlite-user-index.js';
import { EventIdFilter } from './sqlite-event-ids.js';
import { deleteFeedbackTx, type DeleteFeedbackTx } from './sqlite-feedback-delete.js';
import { SqliteUserFeedbackPages } from './sqlite-user-feedback.js';
import { decodeFeedbackCursor } from './feedback-cursor.js';
import { FEEDBACK_COLUMNS, prepareAll, type Statements } from './sqlite-statements.js';
import { withoutNullEventIds, type ModelMeta } from './sqlite-rows.js';
import { FeedbackGroupCommit } from './sqlite-group-commit.js';
import { SqliteCatalog } from './sqlite-catalog.js';
import { SqliteModels } from './sqlite-models.js';
import { SqliteFeedbackScans } from './sqlite-feedback-scans.js';

export type { SqliteOpenOptions, SqliteSynchronous } from './sqlite-connection.js';

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
  private readonly stmt: Statements;
  private readonly userKeys: KeyCache<string, number>;
  private readonly itemKeys: KeyCache<string, number>;
  /** Key → id, for column scans (keys are never reused, so an entry can only go unused, never wrong). */
  private readonly userIdsByKey: KeyCache<number, string>;
  private readonly itemIdsByKey: KeyCache<number, string>;
  /** Feedback batches queued by concurrent callers, written in one transaction per group (sqlite-group-commit.ts). */
  private readonly groupCommit: FeedbackGroupCommit;
  /** Items and users: reads, upserts, patches and the delete transactions (sqlite-catalog.ts). */
  private readonly catalog: SqliteCatalog;
  /** The models table (sqlite-models.ts). */
  private readonly models: SqliteModels;
  /** Scans and aggregates over the whole feedback log (sqlite-feedback-scans.ts). */
  private readonly scans: SqliteFeedbackScans;
  private readonly txDeleteFeedback: DeleteFeedbackTx;
  /** Deleted items whose feedback rows are still stored, and the background purge that deletes them. */
  private readonly purge: SqliteItemPurge;
  /** The merge of the user index's recent level into its main level. */
  private readonly userIndex: SqliteUserIndexMerge;
  /** Keyset pages of one user's feedback (both levels of the user index). */
  private readonly feedbackPages: SqliteUserFeedbackPages;
  /** Hands pages freed by deletes back to the file system, in chunks (storage/sqlite-vacuum.ts). */
  private readonly vacuum: IncrementalVacuum;

  private constructor(db: Database.Database, opts: SqliteOpenOptions) {
    this.db = db;
    const groupMaxEvents = Math.max(1, opts.groupMaxEvents ?? 50_000);
    this.vacuum = new IncrementalVacuum(db, opts.incrementalVacuum ?? true);
    this.purge = new SqliteItemPurge(db, Math.max(1, Math.round(opts.purgeChunkSeqs ?? PURGE_CHUNK_SEQS)), () =>
      this.vacuum.kick(),
    );
    this.userIndex = new SqliteUserIndexMerge(db, opts.userIndexMergeRows, opts.userIndexChunkRows);
    this.feedbackPages = new SqliteUserFeedbackPages(db, FEEDBACK_COLUMNS);
    const keyCacheSize = Math.max(0, opts.keyCacheSize ?? 100_000);
    const s = prepareAll(db);
    this.stmt = s;
    const eventIds = new EventIdFilter(db);
    this.txDeleteFeedback = deleteFeedbackTx(db);
    this.userKeys = new KeyCache(keyCacheSize);
    this.itemKeys = new KeyCache(keyCacheSize);
    this.userIdsByKey = new KeyCache(keyCacheSize);
    this.itemIdsByKey = new KeyCache(keyCacheSize);
    this.groupCommit = new FeedbackGroupCommit(
      db,
      s,
      this.userKeys,
      this.itemKeys,
      eventIds,
      this.userIndex,
      groupMaxEvents,
    );
    this.catalog = new SqliteCatalog(db, s, this.userKeys, this.itemKeys, this.userIdsByKey, this.purge);
    this.models = new SqliteModels(db, s);
    this.scans = new SqliteFeedbackScans(db, s, this.userIdsByKey, this.itemIdsByKey);
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
      configureConnection(db, path, opts);
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
    return this.catalog.upsertItems(items);
  }

  async getItem(id: string): Promise<ItemRecord | null> {
    return this.catalog.getItem(id);
  }

  async patchItem(id: string, patch: Partial<Omit<ItemRecord, 'id'>>): Promise<ItemRecord | null> {
    return this.catalog.patchItem(id, patch);
  }

  /**
   * Deletes the item row and queues its key for the background purge, in one transaction. Its feedback disappears
   * from every read at once (readers join `items` or skip queued keys); the rows themselves are deleted in chunks
   * afterwards (see {@link SqliteItemPurge}), since no index finds them by item.
   */
  async deleteItem(id: string): Promise<boolean> {
    const deleted = this.catalog.deleteItem(id);
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
    return this.catalog.listItems(cursor, n);
  }

  async allItems(): Promise<ItemRecord[]> {
    return this.catalog.allItems();
  }

  async upsertUsers(users: UserRecord[]): Promise<number> {
    return this.catalog.upsertUsers(users);
  }

  async getUser(id: string): Promise<UserRecord | null> {
    return this.catalog.getUser(id);
  }

  async patchUser(id: string, patch: Partial<Omit<UserRecord, 'id'>>): Promise<UserRecord | null> {
    return this.catalog.patchUser(id, patch);
  }

  async deleteUser(id: string): Promise<FeedbackRecord[] | null> {
    const removed = this.catalog.deleteUser(id);
    this.vacuum.kick();
    return removed;
  }

  /** One pass over both levels of the user index (seconds at millions of events): background work, not requests. */
  async recentUsers(limit: number): Promise<string[]> {
    return this.catalog.recentUsers(limit);
  }

  async listUsers(cursor: string | null, n: number): Promise<Page<UserRecord>> {
    return this.catalog.listUsers(cursor, n);
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
    return this.groupCommit.enqueue(rows, opts);
  }

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
    return this.scans.scanFeedback(afterSeq, limit);
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
   * Feedback with seq > afterSeq in column form (see {@link SqliteFeedbackScans.scanFeedbackColumns}).
   *
   * @example
   * const cols = await store.scanFeedbackColumns(0, 10_000);
   * cols.userIds[cols.users[0]]; // the first row's user id
   */
  async scanFeedbackColumns(afterSeq: number, limit: number): Promise<FeedbackColumns> {
    return this.scans.scanFeedbackColumns(afterSeq, limit);
  }

  /**
   * Events of the given types per item id, over the whole log in chunks with a turn of the event loop between them
   * (see {@link SqliteFeedbackScans.positiveItemCounts}).
   *
   * @example
   * const counts = await store.positiveItemCounts(['click', 'purchase']);
   * counts.get('i1'); // events of those types on item i1 (undefined when none)
   */
  async positiveItemCounts(types: readonly string[]): Promise<Map<string, number>> {
    return this.scans.positiveItemCounts(types);
  }

  /** Stored feedback rows, not counting those of deleted items still waiting for the purge. */
  async feedbackCount(): Promise<number> {
    return this.scans.feedbackCount();
  }

  async lastSeq(): Promise<number> {
    return this.scans.lastSeq();
  }

  async saveModel(meta: ModelMeta, bytes: Uint8Array): Promise<ModelRecord> {
    return this.models.save(meta, bytes);
  }

  async listModels(): Promise<ModelRecord[]> {
    return this.models.list();
  }

  async modelBytes(version: number): Promise<Uint8Array | null> {
    return this.models.bytes(version);
  }

  async activateModel(version: number): Promise<boolean> {
    return this.models.activate(version);
  }

  async deleteModel(version: number): Promise<boolean> {
    return this.models.delete(version);
  }

  async activeModel(): Promise<ModelRecord | null> {
    return this.models.active();
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    // Batches already accepted are written, not dropped (their callers are still waiting).
    this.groupCommit.drain();
    // Chunks are synchronous, so none is running now; stopping cancels the next one (the queue stays durable).
    this.purge.stop();
    this.userIndex.stop();
    this.vacuum.stop();
    this.db.close();
  }
}
