import type Database from 'better-sqlite3';
import type { FeedbackRecord, FeedbackSelector } from './port.js';

/** Deletes one feedback row in one transaction; the removed row, or null when none matched. */
export type DeleteFeedbackTx = (sel: FeedbackSelector) => FeedbackRecord | null;

interface FoundRow {
  seq: number;
  userKey: number;
  userId: string;
  itemId: string;
  type: string;
  value: number;
  timestamp: number;
  eventId: string | null;
}

// The joins make a row of a deleted item (waiting for the background purge) not found: readers already skip it.
const FIND =
  'SELECT f.seq AS seq, f.user_key AS userKey, u.id AS userId, i.id AS itemId, f.type AS type, f.value AS value, ' +
  'f.timestamp AS timestamp, f.event_id AS eventId FROM feedback f ' +
  'JOIN users u ON u.user_key = f.user_key JOIN items i ON i.item_key = f.item_key';

/**
 * Builds the deletion of a single feedback event (the `DELETE /api/feedback/:seq` and `?eventId=` routes). The row
 * is found by its primary key (seq) or through the unique event-id index, then deleted together with its entry in
 * the user index: a user's entry sits in exactly one of the two levels (sqlite-user-index.ts), both are addressed by
 * their full primary key `(user_key, timestamp, seq)`, so the delete is three point lookups and keeps the levels
 * consistent whichever holds it, also while a merge pass is under way (merge chunks and this transaction are
 * serialized on the writing connection). The seq is not reused (AUTOINCREMENT), so training never mistakes a later
 * event for the deleted one.
 *
 * @example
 * const del = deleteFeedbackTx(db);
 * del({ seq: 42 });          // the removed row, or null
 * del({ eventId: 'evt-7' });
 */
export function deleteFeedbackTx(db: Database.Database): DeleteFeedbackTx {
  const bySeq = db.prepare(`${FIND} WHERE f.seq = ?`);
  const byEventId = db.prepare(`${FIND} WHERE f.event_id = ?`);
  const deleteRow = db.prepare('DELETE FROM feedback WHERE seq = ?');
  const deleteMain = db.prepare('DELETE FROM feedback_by_user_main WHERE user_key = ? AND timestamp = ? AND seq = ?');
  const deleteRecent = db.prepare(
    'DELETE FROM feedback_by_user_recent WHERE user_key = ? AND timestamp = ? AND seq = ?',
  );
  return db.transaction((sel: FeedbackSelector): FeedbackRecord | null => {
    const found = ('seq' in sel ? bySeq.get(sel.seq) : byEventId.get(sel.eventId)) as FoundRow | undefined;
    if (!found) return null;
    deleteRow.run(found.seq);
    if (deleteMain.run(found.userKey, found.timestamp, found.seq).changes === 0)
      deleteRecent.run(found.userKey, found.timestamp, found.seq);
    const row: FeedbackRecord = {
      seq: found.seq,
      userId: found.userId,
      itemId: found.itemId,
      type: found.type,
      value: found.value,
      timestamp: found.timestamp,
    };
    if (found.eventId !== null) row.eventId = found.eventId;
    return row;
  });
}
