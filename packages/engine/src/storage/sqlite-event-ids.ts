import type Database from 'better-sqlite3';
import type { FeedbackRecord } from './port.js';

/** A batch after de-duplication: the rows to store and, when some were skipped, each kept row's batch position. */
export interface FreshRows {
  rows: FeedbackRecord[];
  /** `index[k]` is the position in the original batch of `rows[k]`; null when nothing was skipped. */
  index: Int32Array | null;
}

/**
 * Idempotent ingestion by `eventId` (schema v5: `feedback.event_id` with a partial unique index). Runs inside the
 * group commit's transaction on the one writing connection, batch after batch, so a lookup sees every row stored
 * before it, including those of batches earlier in the same group: a batch retried while the first attempt is still
 * queued is stored once. A batch without any eventId costs one pass over its rows and no lookup; within a batch with
 * some, only the rows that carry one are looked up.
 *
 * Skipping rather than failing: the point is that a client whose answer was lost can resend the whole batch, and the
 * rows the store already holds must neither be doubled nor turn the retry into an error.
 *
 * @example
 * const filter = new EventIdFilter(db);
 * const { rows, index } = filter.fresh(batch); // inside the write transaction
 */
export class EventIdFilter {
  private readonly stored: Database.Statement;

  constructor(db: Database.Database) {
    this.stored = db.prepare('SELECT 1 FROM feedback WHERE event_id = ?').pluck();
  }

  /** The rows of `batch` whose eventId is neither stored nor repeated earlier in the batch (all rows without one). */
  fresh(batch: FeedbackRecord[]): FreshRows {
    let any = false;
    for (let i = 0; i < batch.length && !any; i++) any = batch[i].eventId !== undefined;
    if (!any) return { rows: batch, index: null };
    const seen = new Set<string>();
    const rows: FeedbackRecord[] = [];
    const index: number[] = [];
    for (let i = 0; i < batch.length; i++) {
      const id = batch[i].eventId;
      if (id !== undefined) {
        if (seen.has(id) || this.stored.get(id) !== undefined) continue;
        seen.add(id);
      }
      rows.push(batch[i]);
      index.push(i);
    }
    return { rows, index: rows.length === batch.length ? null : Int32Array.from(index) };
  }
}
