import type Database from 'better-sqlite3';
import { BackgroundChunks } from './background-chunks.js';

/** Free pages returned to the file system per chunk (4 MiB at 4 KiB pages): a few milliseconds of I/O. */
export const VACUUM_CHUNK_PAGES = 1024;
/** Free pages tolerated before a vacuum runs: small frees are reused by the next inserts anyway. */
export const VACUUM_MIN_FREE_PAGES = 256;

/**
 * Switches a database to `auto_vacuum = INCREMENTAL`, so freed pages can be handed back to the file system in small
 * steps ({@link IncrementalVacuum}); without it, a database never shrinks after deletes. SQLite applies the mode only
 * to an empty database or at the next VACUUM, so a database created before this (with tables) is rewritten once,
 * here, at open: a one-time full copy (seconds per GiB), logged by the caller. Must run outside a transaction.
 * Returns whether it rewrote the file.
 *
 * @example
 * if (enableIncrementalVacuum(db)) console.warn('kindred: database rewritten once for incremental vacuum');
 */
export function enableIncrementalVacuum(db: Database.Database): boolean {
  const INCREMENTAL = 2;
  if (db.pragma('auto_vacuum', { simple: true }) === INCREMENTAL) return false;
  db.pragma('auto_vacuum = INCREMENTAL');
  if (db.pragma('auto_vacuum', { simple: true }) === INCREMENTAL) return false; // empty: took effect at once
  db.exec('VACUUM');
  return true;
}

/**
 * Hands free pages back to the file system after deletes (`PRAGMA incremental_vacuum(n)`), a chunk per turn of the
 * event loop, on the connection that writes (the writer thread in the engine), so no request waits on it. Started by
 * {@link IncrementalVacuum.kick} after a delete; it stops when few free pages remain. In WAL mode the file shrinks at
 * the next checkpoint.
 *
 * @example
 * const vacuum = new IncrementalVacuum(db);
 * vacuum.kick(); // after a delete commits
 * await vacuum.whenIdle();
 */
export class IncrementalVacuum extends BackgroundChunks {
  private readonly freePages: Database.Statement;
  /** Pages handed back so far by this instance (diagnostics and tests). */
  releasedPages = 0;
  /** A chunk that freed nothing (the mode is off): wait for the next kick instead of spinning. */
  private stalled = false;

  constructor(
    db: Database.Database,
    private readonly enabled = true,
    private readonly chunkPages = VACUUM_CHUNK_PAGES,
    private readonly minFreePages = VACUUM_MIN_FREE_PAGES,
  ) {
    super(db, 'the incremental vacuum');
    this.freePages = db.prepare('PRAGMA freelist_count').pluck();
  }

  /** Schedules a vacuum if enough pages are free (call after a delete commits). */
  kick(): void {
    this.stalled = false;
    this.schedule();
  }

  protected override runsHere(): boolean {
    return this.enabled;
  }

  protected hasWork(): boolean {
    return !this.stalled && (this.freePages.get() as number) > this.minFreePages;
  }

  protected runChunk(): void {
    const before = this.freePages.get() as number;
    this.db.pragma(`incremental_vacuum(${this.chunkPages})`);
    const released = before - (this.freePages.get() as number);
    this.releasedPages += released;
    if (released <= 0) this.stalled = true;
  }
}
