import type Database from 'better-sqlite3';
import type { FeedbackRecord, Page } from './port.js';
import { encodeFeedbackCursor, type FeedbackPosition } from './feedback-cursor.js';

/**
 * Index entries one page read may examine per row asked for (plus a constant), when entries of deleted items, which
 * the background purge has not removed yet, are skipped: the work of one request stays bounded even when a user's
 * newest entries are all of deleted items, and the page then comes back short with a cursor.
 */
const EXAMINE_PER_ROW = 2;
const EXAMINE_EXTRA = 1_000;

/**
 * Pages of one user's feedback, newest first (event time, then seq), read with a keyset cursor on the user index's
 * key `(timestamp, seq)`. Both levels of the index (see {@link SqliteUserIndexMerge}) are read in one statement, each
 * with a seek to the cursor's position in its primary key, so a deep page costs what the first one does. A merge chunk
 * may move the user's entries between levels between two pages: the key is the same in either level, so the next
 * page finds them where they are.
 *
 * Rows of deleted items are skipped as `SqliteStorage.userFeedback` skips them (their item row is gone, so they join
 * no item; the purge deletes them later): the page reads entries with a LEFT JOIN, drops those without an item, and
 * reads on until it has `n` rows, the index ends, or it has examined its bound of entries. So a page may be shorter
 * than `n` (even empty) while such rows await the purge; only `next: null` means the end. Hidden items' rows are
 * listed (hiding an item keeps its history).
 *
 * @example
 * const pages = new SqliteUserFeedbackPages(db, FEEDBACK_COLUMNS);
 * const first = pages.read(userKey, null, 100);
 * const second = first.next ? pages.read(userKey, decodeFeedbackCursor(first.next), 100) : null;
 */
export class SqliteUserFeedbackPages {
  private readonly first: Database.Statement;
  private readonly after: Database.Statement;

  /** `columns` is the store's feedback column list over `feedback f`, `users u` and `items i`. */
  constructor(db: Database.Database, columns: string) {
    const sql = (where: string) =>
      `SELECT ${columns} FROM (
         SELECT seq, timestamp FROM feedback_by_user_main WHERE user_key = @user${where}
         UNION ALL SELECT seq, timestamp FROM feedback_by_user_recent WHERE user_key = @user${where}
         ORDER BY timestamp DESC, seq DESC LIMIT @limit) x
       CROSS JOIN feedback f ON f.seq = x.seq JOIN users u ON u.user_key = f.user_key
       LEFT JOIN items i ON i.item_key = f.item_key
       ORDER BY x.timestamp DESC, x.seq DESC`;
    this.first = db.prepare(sql(''));
    // A row-value comparison: SQLite seeks the primary key (user_key = ? AND (timestamp, seq) < (?, ?)).
    this.after = db.prepare(sql(' AND (timestamp, seq) < (@ts, @seq)'));
  }

  /** The page after `from` (null: the newest rows) of at most `n` rows for the user with key `userKey`. */
  read(userKey: number, from: FeedbackPosition | null, n: number): Page<FeedbackRecord> {
    const items: FeedbackRecord[] = [];
    const budget = EXAMINE_PER_ROW * n + EXAMINE_EXTRA;
    let position = from;
    for (let examined = 0; ;) {
      const want = n - items.length;
      // One entry more than needed says whether anything follows the page.
      const rows = (
        position === null
          ? this.first.all({ user: userKey, limit: want + 1 })
          : this.after.all({ user: userKey, ts: position.timestamp, seq: position.seq, limit: want + 1 })
      ) as (Omit<FeedbackRecord, 'itemId' | 'eventId'> & { itemId: string | null; eventId?: string | null })[];
      const take = Math.min(rows.length, want);
      for (let k = 0; k < take; k++) {
        const r = rows[k];
        if (r.itemId === null) continue;
        // A row posted without an eventId reads as null; the port leaves the field out.
        if (r.eventId === null) delete r.eventId;
        items.push(r as FeedbackRecord);
      }
      if (rows.length <= want) return { items, next: null };
      examined += take;
      const last = rows[take - 1];
      position = { timestamp: last.timestamp, seq: last.seq ?? 0 };
      if (items.length === n || examined >= budget) return { items, next: encodeFeedbackCursor(position) };
    }
  }
}
