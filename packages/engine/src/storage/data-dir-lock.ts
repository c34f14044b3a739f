import { readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ensurePrivateFile, writePrivateFile } from './private-files.js';

/** The lock database in the data directory (an SQLite file nobody else opens). */
export const LOCK_FILE = 'kindred.lock';
/** Who holds the lock: pid, host and start time, written once the lock is taken (informational only). */
export const LOCK_HOLDER_FILE = 'kindred.lock.json';

/** What the holder of a data directory's lock records about itself. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO-8601 time the lock was taken. */
  startedAt: string;
}

/**
 * Another process (or another engine in this process) holds the data directory. The message names the directory and,
 * when the holder recorded it, its pid, host and start time.
 *
 * @example
 * try { await Engine.open(config); } catch (e) { if (e instanceof DataDirLockedError) console.error(e.message); }
 */
export class DataDirLockedError extends Error {
  readonly code = 'DATA_DIR_LOCKED';
  constructor(
    readonly dir: string,
    readonly holder: LockHolder | null,
  ) {
    const who = holder
      ? `pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}`
      : `holder unknown: ${LOCK_HOLDER_FILE} is missing or unreadable`;
    super(
      `data directory ${dir} is in use by another kindred engine (${who}); stop that process or use another data directory`,
    );
    this.name = 'DataDirLockedError';
  }
}

/**
 * An exclusive lock on a data directory, so that two engines never serve (and train on) one store and drift apart.
 *
 * Why an SQLite lock database: SQLite takes OS advisory locks (POSIX `fcntl` on Unix, `LockFileEx` on Windows) that
 * the kernel drops when the process ends, however it ends (SIGKILL, power loss), so a crashed engine never leaves a
 * stale lock and no pid check (with its pid-reuse and takeover races) is needed; better-sqlite3 is already loaded, so
 * no native add-on is added. `PRAGMA locking_mode = EXCLUSIVE` plus one write makes the connection hold an EXCLUSIVE
 * lock until it closes; a second connection, in another process or this one (SQLite coordinates its connections
 * within a process), fails at once with SQLITE_BUSY (busy timeout 0). The lock is on `kindred.lock`, not on
 * `kindred.db`, whose connections (request thread, writer, checkpointer, precompute and train workers) must keep
 * sharing it in WAL mode. The holder's pid, host and start time go to a separate JSON file, read only to word the
 * error: the locked database cannot be read by others, and reading a file with `fs` in the locking process would close
 * a descriptor of it and so drop that process's POSIX locks on it.
 *
 * Like SQLite's WAL itself, this needs a local file system with working locks (not NFS).
 *
 * @example
 * const lock = DataDirLock.acquire('./kindred-data'); // throws DataDirLockedError if held
 * // ... open the store, serve ...
 * lock.release();
 */
export class DataDirLock {
  private db: Database.Database | null;

  private constructor(
    readonly dir: string,
    db: Database.Database,
  ) {
    this.db = db;
  }

  /** Takes the lock on `dir` (which must exist); throws DataDirLockedError when another engine holds it. */
  static acquire(dir: string): DataDirLock {
    const path = join(dir, LOCK_FILE);
    ensurePrivateFile(path);
    const db = new Database(path, { timeout: 0 });
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      // No journal file beside the lock: its content does not matter, only the lock does.
      db.pragma('journal_mode = MEMORY');
      // The first write takes the EXCLUSIVE lock; in EXCLUSIVE locking mode it is kept after the commit.
      db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS lock (taken_at INTEGER); DELETE FROM lock;');
      db.prepare('INSERT INTO lock VALUES (?)').run(Date.now());
      db.exec('COMMIT');
    } catch (e) {
      db.close();
      if ((e as { code?: string }).code === 'SQLITE_BUSY') throw new DataDirLockedError(dir, readHolder(dir));
      throw e;
    }
    const holder: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
    writePrivateFile(join(dir, LOCK_HOLDER_FILE), JSON.stringify(holder) + '\n');
    return new DataDirLock(dir, db);
  }

  /** True until release(). */
  get held(): boolean {
    return this.db !== null;
  }

  /** Releases the lock (idempotent). The holder file goes first, so it never names a process that let go. */
  release(): void {
    if (!this.db) return;
    rmSync(join(this.dir, LOCK_HOLDER_FILE), { force: true });
    this.db.close();
    this.db = null;
  }
}

/** The holder file's content, or null when it is missing or not what a holder writes. */
export function readHolder(dir: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(join(dir, LOCK_HOLDER_FILE), 'utf8')) as Partial<LockHolder>;
    if (typeof h.pid !== 'number' || typeof h.host !== 'string' || typeof h.startedAt !== 'string') return null;
    return { pid: h.pid, host: h.host, startedAt: h.startedAt };
  } catch {
    return null;
  }
}
