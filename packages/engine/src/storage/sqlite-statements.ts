import type Database from 'better-sqlite3';

/**
 * A prepared statement. Its own interface rather than an alias, so that declaration files can name the type of
 * {@link prepareAll}'s result (better-sqlite3's statement type sits in a namespace its typings do not export).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Statement extends Database.Statement {}

export const ITEM_COLUMNS = 'id, categories, labels, text, timestamp, hidden, updated_at AS updatedAt';
export const USER_COLUMNS = 'id, labels, updated_at AS updatedAt';
// Aliased so that better-sqlite3's row objects are FeedbackRecords as they come, with no per-row mapping. Used with
// `feedback f JOIN users u JOIN items i`: feedback stores integer keys, the ids come from the two rowid lookups.
export const FEEDBACK_COLUMNS =
  'f.seq AS seq, u.id AS userId, i.id AS itemId, f.type AS type, f.value AS value, f.timestamp AS timestamp, ' +
  'f.event_id AS eventId';
export const FEEDBACK_JOIN =
  'feedback f JOIN users u ON u.user_key = f.user_key JOIN items i ON i.item_key = f.item_key';
/** Feedback rows per multi-row INSERT (6 parameters each; SQLite allows 32,766). */
export const ROWS_PER_INSERT = 100;
export const MODEL_COLUMNS = 'version, meta, active, length(bytes) AS sizeBytes';

/** The prepared statements of one connection (see {@link prepareAll}). */
export type Statements = ReturnType<typeof prepareAll>;

/**
 * Every statement the store runs, prepared once per connection (the models table's too, and the SQL the
 * collaborators of {@link SqliteStorage} share: the group commit, the catalogue, the scans).
 *
 * @example
 * const s = prepareAll(db);
 * s.getItem.get('i1'); // an ItemRow, or undefined
 */
export function prepareAll(db: Database.Database) {
  const p = (sql: string): Statement => db.prepare(sql);
  return {
    upsertItem: p(
      `INSERT INTO items (id, categories, labels, text, timestamp, hidden, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET categories = excluded.categories, labels = excluded.labels,
         text = excluded.text, timestamp = excluded.timestamp, hidden = excluded.hidden, updated_at = excluded.updated_at`,
    ),
    getItem: p(`SELECT ${ITEM_COLUMNS} FROM items WHERE id = ?`),
    itemKey: p('SELECT item_key FROM items WHERE id = ?').pluck(),
    itemIdOfKey: p('SELECT id FROM items WHERE item_key = ?').pluck(),
    // Only called after a lookup found no row (inside the same transaction), so a plain INSERT.
    createItem: p(
      `INSERT INTO items (id, categories, labels, text, timestamp, hidden, updated_at) VALUES (?, '[]', '{}', NULL, ?, 0, ?)`,
    ),
    deleteItem: p('DELETE FROM items WHERE item_key = ?'),
    listItemsFirst: p(`SELECT ${ITEM_COLUMNS} FROM items ORDER BY id LIMIT ?`),
    listItemsAfter: p(`SELECT ${ITEM_COLUMNS} FROM items WHERE id > ? ORDER BY id LIMIT ?`),
    allItems: p(`SELECT ${ITEM_COLUMNS} FROM items ORDER BY id`),

    upsertUser: p(
      `INSERT INTO users (id, labels, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET labels = excluded.labels, updated_at = excluded.updated_at`,
    ),
    getUser: p(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`),
    userKey: p('SELECT user_key FROM users WHERE id = ?').pluck(),
    userIdOfKey: p('SELECT id FROM users WHERE user_key = ?').pluck(),
    createUser: p(`INSERT INTO users (id, labels, updated_at) VALUES (?, '{}', ?)`),
    deleteUser: p('DELETE FROM users WHERE user_key = ?'),
    // The user's seqs from both levels of the user index, then each row by rowid (run before the index deletes).
    deleteUserFeedback: p(
      `DELETE FROM feedback WHERE seq IN (SELECT seq FROM feedback_by_user_main WHERE user_key = @user
       UNION ALL SELECT seq FROM feedback_by_user_recent WHERE user_key = @user)`,
    ),
    deleteUserIndexMain: p('DELETE FROM feedback_by_user_main WHERE user_key = ?'),
    deleteUserIndexRecent: p('DELETE FROM feedback_by_user_recent WHERE user_key = ?'),
    // max(seq) per user, one covering pass over each level in key order (no sort); the caller combines the two.
    lastSeqByUserMain: p('SELECT user_key, max(seq) FROM feedback_by_user_main GROUP BY user_key').raw(true),
    lastSeqByUserRecent: p('SELECT user_key, max(seq) FROM feedback_by_user_recent GROUP BY user_key').raw(true),
    listUsersFirst: p(`SELECT ${USER_COLUMNS} FROM users ORDER BY id LIMIT ?`),
    listUsersAfter: p(`SELECT ${USER_COLUMNS} FROM users WHERE id > ? ORDER BY id LIMIT ?`),

    insertFeedback: p(
      'INSERT INTO feedback (user_key, item_key, type, value, timestamp, event_id) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    // AUTOINCREMENT's counter: the largest seq ever handed out (no row before the first insert).
    feedbackSeqCounter: p("SELECT seq FROM sqlite_sequence WHERE name = 'feedback'").pluck(),
    insertFeedbackMany: p(
      'INSERT INTO feedback (user_key, item_key, type, value, timestamp, event_id) VALUES ' +
        Array.from({ length: ROWS_PER_INSERT }, () => '(?, ?, ?, ?, ?, ?)').join(', '),
    ),
    indexRecentFrom: p(
      'INSERT INTO feedback_by_user_recent (user_key, timestamp, seq) SELECT user_key, timestamp, seq FROM feedback WHERE seq >= ?',
    ),
    // Newest first by event time; seq breaks ties in arrival order. The user's entries of both index levels (each
    // a range of its primary key), then one feedback and one items rowid lookup per row.
    userFeedback: p(
      `SELECT ${FEEDBACK_COLUMNS} FROM (
         SELECT seq, timestamp FROM feedback_by_user_main WHERE user_key = @user
         UNION ALL SELECT seq, timestamp FROM feedback_by_user_recent WHERE user_key = @user
         ORDER BY timestamp DESC, seq DESC LIMIT @limit) x
       CROSS JOIN feedback f ON f.seq = x.seq JOIN users u ON u.user_key = f.user_key JOIN items i ON i.item_key = f.item_key
       ORDER BY x.timestamp DESC, x.seq DESC`,
    ),
    scanFeedback: p(`SELECT ${FEEDBACK_COLUMNS} FROM ${FEEDBACK_JOIN} WHERE f.seq > ? ORDER BY f.seq LIMIT ?`),
    scanFeedbackRaw: p(
      'SELECT seq, user_key, item_key, type, value, timestamp FROM feedback WHERE seq > ? ORDER BY seq LIMIT ?',
    ).raw(true),
    // The same without the rows of deleted items not yet purged (used while deleted_items is not empty).
    scanFeedbackRawLive: p(
      `SELECT seq, user_key, item_key, type, value, timestamp FROM feedback
       WHERE seq > ? AND item_key NOT IN (SELECT item_key FROM deleted_items) ORDER BY seq LIMIT ?`,
    ).raw(true),
    feedbackCount: p('SELECT count(*) FROM feedback').pluck(),
    anyDeletedItems: p('SELECT EXISTS (SELECT 1 FROM deleted_items)').pluck(),
    feedbackCountLive: p(
      'SELECT count(*) FROM feedback WHERE item_key NOT IN (SELECT item_key FROM deleted_items)',
    ).pluck(),
    maxItemKey: p('SELECT max(item_key) FROM items').pluck(),
    itemKeysAndIds: p('SELECT item_key, id FROM items').raw(true),
    lastSeq: p('SELECT max(seq) FROM feedback').pluck(),

    insertModel: p('INSERT INTO models (meta, bytes, active) VALUES (?, ?, 0)'),
    listModels: p(`SELECT ${MODEL_COLUMNS} FROM models ORDER BY version`),
    modelBytes: p('SELECT bytes FROM models WHERE version = ?').pluck(),
    modelExists: p('SELECT 1 FROM models WHERE version = ?').pluck(),
    // Deactivate first: the partial unique index allows one active row at any moment, even inside a transaction.
    deactivateModels: p('UPDATE models SET active = 0 WHERE active = 1'),
    activateModel: p('UPDATE models SET active = 1 WHERE version = ?'),
    activeModel: p(`SELECT ${MODEL_COLUMNS} FROM models WHERE active = 1`),
  };
}
