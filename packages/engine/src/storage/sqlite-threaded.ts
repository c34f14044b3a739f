import { Worker } from 'node:worker_threads';
import { workerScriptUrl } from '../jobs/worker-script.js';
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
import { SqliteStorage, type SqliteOpenOptions } from './sqlite.js';
import { fromWire, toColumns, type WriterOp, type WriterReply, type WriterRequest } from './sqlite-writer-protocol.js';

type ModelMeta = Omit<ModelRecord, 'version' | 'active' | 'sizeBytes'>;
/** Delay before a lost writer thread is restarted, doubled while restarts keep failing, up to RESTART_MAX_MS. */
const RESTART_FIRST_MS = 100;
const RESTART_MAX_MS = 30_000;
type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };
/** Distributes Omit over the union, so each request shape keeps its own fields. */
type Outgoing = WriterRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/**
 * The embedded SQLite store with its writes on a worker thread: the engine's default. Every write (feedback batches
 * with their group commit, catalogue and user changes, deletes, models) runs on the writer thread's connection, which
 * is also the one that merges the user index and purges deleted items' rows; reads run on this thread's own
 * connection (WAL: readers never wait for the writer). So SQLite's insert loops, commits and merges use the second
 * core while this thread parses requests and serves reads. A write's promise settles after its commit, so a read
 * that follows it sees it (read-your-writes), and feedback seqs follow the order of the calls, as with
 * {@link SqliteStorage}.
 *
 * The reading connection keeps no id→key cache (its keyCacheSize is 0): the writer creates and deletes users and items,
 * and a cached key of a deleted-then-recreated id would be stale. One index lookup per read is the price.
 *
 * If the writer thread dies, its unanswered writes fail, {@link writeFailure} says why (readiness reports it), and a
 * new writer thread is started after 0.1 s, the delay doubling while restarts keep failing (at most 30 s).
 *
 * @example
 * const store = await ThreadedSqliteStorage.open('./kindred-data/kindred.db');
 * await store.insertFeedback([{ userId: 'u1', itemId: 'i1', type: 'click', value: 1, timestamp: Date.now() }],
 *   { createUsers: true, createItems: true });
 * (await store.userFeedback('u1')).length; // 1
 * await store.close();
 */
export class ThreadedSqliteStorage implements Storage {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private worker!: Worker;
  /** Why writes fail now (the writer thread is gone, or restarting), else null. */
  private failure: Error | null = null;
  private closed = false;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private restartDelayMs = RESTART_FIRST_MS;

  private constructor(
    private readonly reader: SqliteStorage,
    worker: Worker,
    private readonly path: string,
    private readonly opts: SqliteOpenOptions,
  ) {
    this.attach(worker);
  }

  /**
   * Opens the database at `path`: this thread's connection first (it creates or migrates the schema), then the
   * writer thread's, with `opts` (synchronous level, caches, merge and purge settings apply to the writer).
   */
  static async open(path: string, opts: SqliteOpenOptions = {}): Promise<ThreadedSqliteStorage> {
    if (path === ':memory:') throw new TypeError('ThreadedSqliteStorage needs a database file, not :memory:');
    const reader = SqliteStorage.open(path, {
      ...opts,
      keyCacheSize: 0,
      purgeDeletedItems: false,
      incrementalVacuum: false,
    });
    try {
      return new ThreadedSqliteStorage(reader, await startWriter(path, opts), path, opts);
    } catch (e) {
      await reader.close();
      throw e;
    }
  }

  private attach(worker: Worker): void {
    this.worker = worker;
    worker.on('message', (m: WriterReply) => {
      if (m.type === 'ready') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      this.refIfBusy();
      if (m.type === 'result') {
        // A writer that answers is healthy: the next loss restarts it quickly again.
        this.restartDelayMs = RESTART_FIRST_MS;
        p.resolve(m.result);
      } else p.reject(fromWire(m.error));
    });
    worker.on('error', (e) => this.lost(worker, new Error(`the storage writer thread crashed: ${e.message}`)));
    worker.on('exit', (code) =>
      this.lost(
        worker,
        this.closed
          ? new TypeError('The database connection is not open')
          : new Error(`the storage writer thread exited (code ${code})`),
      ),
    );
    this.refIfBusy();
  }

  /**
   * The writer thread is gone: its unanswered writes fail (whether their transaction committed is unknown, as after a
   * crash of the whole process), and a new writer is started after a delay that doubles while they keep dying.
   * SQLite's transactions are atomic, so the database is consistent for the new writer to open.
   */
  private lost(worker: Worker, e: Error): void {
    if (worker !== this.worker) return;
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
    this.refIfBusy();
    if (this.closed || this.restartTimer !== null) return;
    this.restartTimer = setTimeout(() => void this.restart(), this.restartDelayMs);
    this.restartTimer.unref();
    this.restartDelayMs = Math.min(RESTART_MAX_MS, this.restartDelayMs * 2);
  }

  private async restart(): Promise<void> {
    this.restartTimer = null;
    if (this.closed) return;
    try {
      const worker = await startWriter(this.path, this.opts);
      if (this.closed) {
        await worker.terminate();
        return;
      }
      this.attach(worker);
      this.failure = null;
    } catch (e) {
      this.failure = e instanceof Error ? e : new Error(String(e));
      this.lost(this.worker, this.failure);
    }
  }

  /** The writer keeps the process alive only while a write is in flight (as an unsettled SqliteStorage write would). */
  private refIfBusy(): void {
    if (this.pending.size > 0) this.worker.ref();
    else this.worker.unref();
  }

  private send<T>(msg: Outgoing, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new TypeError('The database connection is not open'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.refIfBusy();
      this.worker.postMessage({ ...msg, id } as WriterRequest, transfer);
    });
  }

  private call<T>(op: WriterOp, ...args: unknown[]): Promise<T> {
    return this.send<T>({ op, args });
  }

  async insertFeedback(rows: FeedbackRecord[], opts: { createUsers: boolean; createItems: boolean }): Promise<number> {
    if (rows.length === 0) return 0;
    const seqs = await this.send<Float64Array>({
      op: 'insertFeedback',
      batch: toColumns(rows),
      createUsers: opts.createUsers,
      createItems: opts.createItems,
    });
    // 0 marks a row skipped because its eventId was already stored: it keeps no seq.
    let stored = 0;
    for (let i = 0; i < seqs.length; i++)
      if (seqs[i] > 0) {
        rows[i].seq = seqs[i];
        stored++;
      }
    return stored;
  }
  deleteFeedback(sel: FeedbackSelector): Promise<FeedbackRecord | null> {
    return this.call('deleteFeedback', sel);
  }

  upsertItems(items: ItemRecord[]): Promise<number> {
    return this.call('upsertItems', items);
  }
  patchItem(id: string, patch: Partial<Omit<ItemRecord, 'id'>>): Promise<ItemRecord | null> {
    return this.call('patchItem', id, patch);
  }
  deleteItem(id: string): Promise<boolean> {
    return this.call('deleteItem', id);
  }
  upsertUsers(users: UserRecord[]): Promise<number> {
    return this.call('upsertUsers', users);
  }
  patchUser(id: string, patch: Partial<Omit<UserRecord, 'id'>>): Promise<UserRecord | null> {
    return this.call('patchUser', id, patch);
  }
  deleteUser(id: string): Promise<FeedbackRecord[] | null> {
    return this.call('deleteUser', id);
  }
  saveModel(meta: ModelMeta, bytes: Uint8Array): Promise<ModelRecord> {
    return this.call('saveModel', meta, bytes);
  }
  activateModel(version: number): Promise<boolean> {
    return this.call('activateModel', version);
  }
  deleteModel(version: number): Promise<boolean> {
    return this.call('deleteModel', version);
  }

  /**
   * The `synchronous` level of the writer thread's connection, the one every commit goes through (2 = FULL): what
   * durability across a power cut rests on. Asked of the writer, not read from this thread's reading connection.
   */
  writerSynchronousLevel(): Promise<number> {
    return this.call('synchronousLevel') as Promise<number>;
  }

  /** See {@link SqliteStorage.userIndexPending} (asked of the writer). */
  userIndexPending(): Promise<number> {
    return this.call('userIndexPending');
  }
  /** See {@link SqliteStorage.mergeUserIndex}. */
  mergeUserIndex(): Promise<void> {
    return this.call('mergeUserIndex');
  }
  /** See {@link SqliteStorage.whenUserIndexMerged}. */
  whenUserIndexMerged(): Promise<void> {
    return this.call('whenUserIndexMerged');
  }
  /** See {@link SqliteStorage.pendingItemPurges} (asked of the writer). */
  pendingItemPurges(): Promise<number> {
    return this.call('pendingItemPurges');
  }
  /** See {@link SqliteStorage.whenItemsPurged}. */
  whenItemsPurged(): Promise<void> {
    return this.call('whenItemsPurged');
  }

  getItem(id: string): Promise<ItemRecord | null> {
    return this.reader.getItem(id);
  }
  listItems(cursor: string | null, n: number): Promise<Page<ItemRecord>> {
    return this.reader.listItems(cursor, n);
  }
  allItems(): Promise<ItemRecord[]> {
    return this.reader.allItems();
  }
  getUser(id: string): Promise<UserRecord | null> {
    return this.reader.getUser(id);
  }
  listUsers(cursor: string | null, n: number): Promise<Page<UserRecord>> {
    return this.reader.listUsers(cursor, n);
  }
  recentUsers(limit: number): Promise<string[]> {
    return this.reader.recentUsers(limit);
  }
  userFeedback(userId: string, limit?: number): Promise<FeedbackRecord[]> {
    return this.reader.userFeedback(userId, limit);
  }
  userFeedbackPage(userId: string, cursor: string | null, n: number): Promise<Page<FeedbackRecord>> {
    return this.reader.userFeedbackPage(userId, cursor, n);
  }
  scanFeedback(afterSeq: number, limit: number): Promise<FeedbackRecord[]> {
    return this.reader.scanFeedback(afterSeq, limit);
  }
  scanFeedbackColumns(afterSeq: number, limit: number): Promise<FeedbackColumns> {
    return this.reader.scanFeedbackColumns(afterSeq, limit);
  }
  positiveItemCounts(types: readonly string[]): Promise<Map<string, number>> {
    return this.reader.positiveItemCounts(types);
  }
  feedbackCount(): Promise<number> {
    return this.reader.feedbackCount();
  }
  lastSeq(): Promise<number> {
    return this.reader.lastSeq();
  }
  listModels(): Promise<ModelRecord[]> {
    return this.reader.listModels();
  }
  modelBytes(version: number): Promise<Uint8Array | null> {
    return this.reader.modelBytes(version);
  }
  activeModel(): Promise<ModelRecord | null> {
    return this.reader.activeModel();
  }

  /** Why writes fail (the writer thread is gone and not yet restarted), or null; after close(), null. */
  writeFailure(): string | null {
    return this.closed || this.failure === null ? null : this.failure.message;
  }

  /** Writes what the writer has queued, stops its thread, then closes this thread's connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    if (!this.failure) {
      const done = this.send<void>({ op: 'close' });
      this.closed = true;
      await done.catch(() => undefined);
      await this.worker.terminate();
    }
    this.closed = true;
    await this.reader.close();
  }
}

/** Starts a writer thread on `path` and resolves once its connection is open. */
async function startWriter(path: string, opts: SqliteOpenOptions): Promise<Worker> {
  const url = await workerScriptUrl(new URL('./sqlite-writer-worker.js', import.meta.url));
  const worker = new Worker(url, { name: 'kindred-sqlite-writer', workerData: { path, opts } });
  await new Promise<void>((resolve, reject) => {
    const onMessage = (m: WriterReply) => {
      if (m.type !== 'ready') return;
      worker.off('error', onError);
      resolve();
    };
    const onError = (e: Error) => {
      worker.off('message', onMessage);
      reject(new Error(`the storage writer thread failed to open ${path}: ${e.message}`));
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', (code) =>
      reject(new Error(`the storage writer thread exited (code ${code}) before opening ${path}`)),
    );
  });
  return worker;
}
