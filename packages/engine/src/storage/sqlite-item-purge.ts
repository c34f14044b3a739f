import type Database from 'better-sqlite3';
import { BackgroundChunks } from './background-chunks.js';

/** Seqs per purge chunk by default (~50k rows scanned by rowid range: a few ms on the 5M-event store). */
export const PURGE_CHUNK_SEQS = 50_000;

/**
 * A queued item key: the purge must cover seqs (0, throughSeq]. It joined the circular pass with the cursor at `from`,
 * so it is covered once the cursor has gone forward to `throughSeq` and, after wrapping to 0, back up to `from`.
 */
interface Pending {
  throughSeq: number;
  from: number;
  wrapped: boolean;
}

/**
 * Lazy deletion of a deleted item's feedback (schema v3). The store keeps no feedback index by item, since each one
 * costs a random B-tree insert per ingested event: dropping it took ingest from 28k to 54k events/s on the 5M-event
 * store. Instead `deleteItem` removes the item row and queues its key in the durable `deleted_items` table; readers
 * skip rows whose key is queued (or join `items`), and this purge deletes the rows in the background, one short
 * transaction per chunk of {@link PURGE_CHUNK_SEQS} seqs (a rowid range scan), with a turn of the event loop between
 * chunks so requests and group commits run in between (better-sqlite3 is synchronous: a chunk and a commit never
 * overlap on the connection).
 *
 * One circular pass serves every queued key: a key queued mid-pass is covered from the cursor to its `through_seq`,
 * then from 0 back to where it joined, so later deletions never restart the scan. A key leaves the queue in the same
 * transaction as the chunk that completes its coverage. Progress is not persisted: after a restart the pass starts
 * again at seq 0 for every queued key (re-scanning purged ranges costs time, never correctness).
 *
 * @example
 * const purge = new SqliteItemPurge(db);
 * const through = purge.record(key); // inside the transaction that deletes the item row
 * purge.track(key, through);         // after it commits
 * await purge.whenIdle();
 * purge.stop();
 */
export class SqliteItemPurge extends BackgroundChunks {
  private readonly pending = new Map<number, Pending>();
  private cursor = 0;
  private started = false;
  private readonly insert: Database.Statement;
  private readonly lastSeq: Database.Statement;
  private readonly purgeRange: (lo: number, hi: number, done: number[]) => number;
  /** Rows deleted so far by this instance (diagnostics). */
  purgedRows = 0;

  constructor(
    db: Database.Database,
    private readonly chunkSeqs = PURGE_CHUNK_SEQS,
    /** Runs after each chunk (the store kicks its incremental vacuum: a chunk frees pages). */
    private readonly afterChunk?: () => void,
  ) {
    super(db, 'the purge of deleted items');
    this.insert = db.prepare('INSERT OR REPLACE INTO deleted_items (item_key, through_seq) VALUES (?, ?)');
    this.lastSeq = db.prepare('SELECT max(seq) FROM feedback').pluck();
    // The IN list is read through deleted_items' rowid (item_key is its INTEGER PRIMARY KEY): one probe per row.
    const doomed = db
      .prepare(
        `SELECT user_key, timestamp, seq FROM feedback
         WHERE seq > ? AND seq <= ? AND item_key IN (SELECT item_key FROM deleted_items)`,
      )
      .raw(true);
    const del = db.prepare(
      'DELETE FROM feedback WHERE seq > ? AND seq <= ? AND item_key IN (SELECT item_key FROM deleted_items)',
    );
    // The rows' entries in the user index (schema v4: tables, not an SQLite index, so they are not deleted with the
    // rows), one primary-key probe per level and row.
    const unindexMain = db.prepare(
      'DELETE FROM feedback_by_user_main WHERE user_key = ? AND timestamp = ? AND seq = ?',
    );
    const unindexRecent = db.prepare(
      'DELETE FROM feedback_by_user_recent WHERE user_key = ? AND timestamp = ? AND seq = ?',
    );
    const retire = db.prepare('DELETE FROM deleted_items WHERE item_key = ?');
    this.purgeRange = db.transaction((lo: number, hi: number, done: number[]) => {
      for (const [user, timestamp, seq] of doomed.all(lo, hi) as [number, number, number][]) {
        if (unindexMain.run(user, timestamp, seq).changes === 0) unindexRecent.run(user, timestamp, seq);
      }
      const n = del.run(lo, hi).changes;
      for (const key of done) retire.run(key);
      return n;
    });
    for (const [key, through] of db.prepare('SELECT item_key, through_seq FROM deleted_items').raw(true).all() as [
      number,
      number,
    ][])
      this.pending.set(key, { throughSeq: through, from: 0, wrapped: false });
  }

  /** Item keys whose feedback may still be stored (readers must skip their rows). */
  get size(): number {
    return this.pending.size;
  }

  /** Whether `key` is queued. */
  has(key: number): boolean {
    return this.pending.has(key);
  }

  /**
   * Queues `key` in `deleted_items`; call it inside the transaction that deletes the item row. Returns the seq
   * through which rows can carry the key (the highest stored now: item keys are never reused, so no later row has it).
   */
  record(key: number): number {
    const through = (this.lastSeq.get() as number | null) ?? 0;
    this.insert.run(key, through);
    return through;
  }

  /** Starts purging `key` once the transaction that called {@link record} has committed. */
  track(key: number, throughSeq: number): void {
    this.pending.set(key, { throughSeq, from: this.cursor, wrapped: false });
    this.schedule();
  }

  /**
   * Runs the background purge from now on (resuming after a restart if anything is queued). Until then keys are only
   * queued: a connection that never starts it leaves the purge to another one.
   */
  start(): void {
    this.started = true;
    this.schedule();
  }

  protected hasWork(): boolean {
    return this.pending.size > 0;
  }

  protected override runsHere(): boolean {
    return this.started;
  }

  /** One chunk: deletes queued keys' rows in (cursor, cursor + chunkSeqs] and retires the keys now fully covered. */
  protected runChunk(): void {
    let end = 0;
    for (const p of this.pending.values()) if (p.throughSeq > end) end = p.throughSeq;
    if (this.cursor >= end) {
      // Every key is covered from where it joined up to its through_seq: wrap to cover the seqs below that.
      this.cursor = 0;
      for (const p of this.pending.values()) p.wrapped = true;
    }
    const lo = this.cursor;
    const hi = Math.min(end, lo + this.chunkSeqs);
    const done: number[] = [];
    for (const [key, p] of this.pending)
      if (p.wrapped ? hi >= Math.min(p.from, p.throughSeq) : p.from === 0 && hi >= p.throughSeq) done.push(key);
    this.purgedRows += this.purgeRange(lo, hi, done);
    this.cursor = hi;
    for (const key of done) this.pending.delete(key);
    // Idle: the next deleted key starts a fresh pass at 0 and needs no wrap.
    if (this.pending.size === 0) this.cursor = 0;
    this.afterChunk?.();
  }
}
