import type Database from 'better-sqlite3';
import { migrate } from './sqlite-migrations.js';
import { enableIncrementalVacuum } from './sqlite-vacuum.js';

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

/**
 * Prepares a freshly opened connection: incremental auto-vacuum, WAL, the `synchronous` level, the page cache and the
 * WAL autocheckpoint from `opts`, then migrates the schema (see sqlite-migrations.ts).
 *
 * @example
 * const db = new Database(path, { timeout: 5000 });
 * configureConnection(db, path, { synchronous: 'normal' });
 */
export function configureConnection(db: Database.Database, path: string, opts: SqliteOpenOptions): void {
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
}
