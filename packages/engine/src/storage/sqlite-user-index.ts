import type Database from 'better-sqlite3';
import { BackgroundChunks } from './background-chunks.js';

/** Entries in the recent level that start a merge by default. */
export const USER_INDEX_MERGE_ROWS = 200_000;
/**
 * Entries moved per merge chunk by default: one transaction, during which the event loop waits (its duration on the
 * 5M-event store is in BENCHMARKS.md, bench/user-index.mjs); 20,000 per chunk was no faster overall.
 */
export const USER_INDEX_CHUNK_ROWS = 5_000;

/**
 * The feedback index by user in two levels (schema v4), a small log-structured merge. Every ingested event adds an
 * entry `(user_key, timestamp, seq)` to `feedback_by_user_recent`, a table small enough that its pages stay hot and
 * few, so a commit writes few pages; once it holds `mergeRows` entries this merge moves them into
 * `feedback_by_user_main` in key order. The move goes by user range, one transaction per chunk of about `chunkRows`
 * entries, with a turn of the event loop between chunks (better-sqlite3 is synchronous: a chunk never overlaps a group
 * commit on the connection). Each chunk's entries land in one region of the main index, so each of its pages is
 * written once for many events instead of once per event.
 *
 * A user's entries move together, inside one transaction: at every commit each entry is in exactly one level, and
 * readers read both. A crash mid-merge leaves some ranges moved and the rest recent; the next merge goes on from there.
 *
 * @example
 * const merge = new SqliteUserIndexMerge(db);
 * merge.added(rows.length); // after a commit that inserted rows' entries into the recent level
 * await merge.whenIdle();
 * merge.stop();
 */
export class SqliteUserIndexMerge extends BackgroundChunks {
  /** Entries in the recent level (counted at open and after each pass; added to on every commit). */
  private recent: number;
  /** Where the running pass goes on from (user keys below it are done), or null between passes. */
  private from: number | null = null;
  private readonly count: Database.Statement;
  private readonly bound: Database.Statement;
  private readonly moveRange: (lo: number, hi: number) => number;
  private readonly mergeRows: number;
  private readonly chunkRows: number;
  /** Entries moved so far by this instance and passes completed (diagnostics). */
  movedRows = 0;
  passes = 0;

  constructor(db: Database.Database, mergeRows = USER_INDEX_MERGE_ROWS, chunkRows = USER_INDEX_CHUNK_ROWS) {
    super(db, 'the user index merge');
    // At least one entry each: a pass that ends with `recent >= 0` would never end.
    this.mergeRows = Math.max(1, Math.floor(mergeRows));
    this.chunkRows = Math.max(1, Math.floor(chunkRows));
    this.count = db.prepare('SELECT count(*) FROM feedback_by_user_recent').pluck();
    // The user key `chunkRows` entries on from `lo`: the chunk is [lo, that key). Undefined when fewer remain.
    this.bound = db
      .prepare('SELECT user_key FROM feedback_by_user_recent WHERE user_key >= ? ORDER BY user_key LIMIT 1 OFFSET ?')
      .pluck();
    const copy = db.prepare(
      `INSERT INTO feedback_by_user_main (user_key, timestamp, seq)
       SELECT user_key, timestamp, seq FROM feedback_by_user_recent WHERE user_key >= ? AND user_key < ?`,
    );
    const drop = db.prepare('DELETE FROM feedback_by_user_recent WHERE user_key >= ? AND user_key < ?');
    this.moveRange = db.transaction((lo: number, hi: number) => {
      copy.run(lo, hi);
      return drop.run(lo, hi).changes;
    });
    this.recent = this.count.get() as number;
  }

  /** Entries waiting in the recent level (as far as this connection knows). */
  get pending(): number {
    return this.recent;
  }

  /**
   * Records `n` entries committed into the recent level; starts a pass once there are `mergeRows` of them. Under
   * sustained ingest the background chunks (one per turn of the event loop) fall behind the commits (thousands of
   * entries per turn), and a recent level as large as the main one would undo its point: past twice the threshold,
   * this moves at least `n` entries before returning, so the level stays bounded. Never throws (the entries are
   * committed whatever the merge does): a failed chunk is left to the background retry.
   */
  added(n: number): void {
    this.recent += n;
    if (this.recent >= this.mergeRows && this.from === null) {
      this.from = 0;
      this.schedule();
    }
    if (this.recent <= 2 * this.mergeRows) return;
    try {
      for (let owed = n; owed > 0 && this.from !== null;) {
        const before = this.recent;
        this.runChunk();
        owed -= Math.max(1, before - this.recent);
      }
    } catch (e) {
      this.lastError = e;
    }
  }

  /**
   * Runs a whole pass now, synchronously (tests, benchmarks and maintenance): every entry committed before the call is
   * in the main level when it returns.
   */
  mergeNow(): void {
    this.from ??= 0;
    while (this.from !== null) this.runChunk();
  }

  protected hasWork(): boolean {
    return this.from !== null;
  }

  /** Moves one chunk; ends the pass after the last one. */
  protected runChunk(): void {
    const lo = this.from ?? 0;
    const next = this.bound.get(lo, this.chunkRows) as number | undefined;
    // One user with more than a chunk of entries: move that user alone (a user's entries always move together).
    const hi = next === undefined ? Number.MAX_SAFE_INTEGER : Math.max(next, lo + 1);
    const moved = this.moveRange(lo, hi);
    this.movedRows += moved;
    this.recent = Math.max(0, this.recent - moved);
    if (next !== undefined) {
      this.from = hi;
      return;
    }
    this.passes++;
    this.recent = this.count.get() as number;
    // Entries added behind the pass while it ran wait for the next one (which `added` starts once there are enough).
    this.from = this.recent >= this.mergeRows ? 0 : null;
  }
}
