import type { Database } from 'better-sqlite3';

/**
 * Schema migrations of the embedded SQLite store, in order. Migration `i` takes the database from
 * `PRAGMA user_version = i` to `i + 1`; each runs in its own transaction together with the version bump, so a crash
 * mid-migration leaves the previous version intact. Append new migrations; never edit a released one.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  // v1: catalogue, users, feedback log, model versions.
  `
  CREATE TABLE items (
    id         TEXT PRIMARY KEY NOT NULL,
    categories TEXT NOT NULL DEFAULT '[]',   -- JSON array of strings
    labels     TEXT NOT NULL DEFAULT '{}',   -- JSON object of string values
    text       TEXT,
    timestamp  INTEGER NOT NULL,             -- epoch ms
    hidden     INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE users (
    id         TEXT PRIMARY KEY NOT NULL,
    labels     TEXT NOT NULL DEFAULT '{}',
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;

  -- AUTOINCREMENT (not a plain rowid alias) so that a seq is never reused after the newest rows are deleted:
  -- training reads "seq > trainedThroughSeq" and must never mistake a new event for an old one.
  CREATE TABLE feedback (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id   TEXT NOT NULL,
    item_id   TEXT NOT NULL,
    type      TEXT NOT NULL,
    value     REAL NOT NULL,
    timestamp INTEGER NOT NULL
  );
  -- userFeedback (newest first) and deleteUser read this index; deleteItem reads the next one.
  CREATE INDEX feedback_by_user ON feedback (user_id, timestamp, seq);
  CREATE INDEX feedback_by_item ON feedback (item_id);

  CREATE TABLE models (
    version INTEGER PRIMARY KEY AUTOINCREMENT,
    meta    TEXT NOT NULL,                   -- JSON: algorithm, params, createdAt, metrics, trainedThroughSeq, fitSeconds
    bytes   BLOB NOT NULL,
    active  INTEGER NOT NULL DEFAULT 0
  );
  -- At most one active version, enforced by the database itself.
  CREATE UNIQUE INDEX models_one_active ON models (active) WHERE active = 1;
  `,
  // v2: integer keys. Users and items get INTEGER keys (rowid aliases) and feedback stores those instead of the text
  // ids: the two feedback indexes receive a random insert per event, and an (int, int, int) entry is a third the
  // size of a text one, so far more of each index stays in the page cache (measured at 1M stored rows, batches of
  // 1,000, synchronous=FULL: 6.2k → 12–22k events/s through the store on a loaded 2-core box). AUTOINCREMENT so that a deleted user's or item's key is never handed to a new one: a stale key
  // (an id→key cache, a concurrent reader) can then only miss, never alias someone else.
  // Every row is kept: seqs are copied as they are and the feedback seq counter carries over (a seq is never
  // reused, even across the migration); a feedback row whose user or item row is missing gets one created.
  `
  CREATE TABLE users_v2 (
    user_key   INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    labels     TEXT NOT NULL DEFAULT '{}',
    updated_at INTEGER NOT NULL
  );
  INSERT INTO users_v2 (id, labels, updated_at) SELECT id, labels, updated_at FROM users ORDER BY id;
  INSERT INTO users_v2 (id, labels, updated_at)
    SELECT DISTINCT user_id, '{}', 0 FROM feedback WHERE user_id NOT IN (SELECT id FROM users_v2);

  CREATE TABLE items_v2 (
    item_key   INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    categories TEXT NOT NULL DEFAULT '[]',
    labels     TEXT NOT NULL DEFAULT '{}',
    text       TEXT,
    timestamp  INTEGER NOT NULL,
    hidden     INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
  );
  INSERT INTO items_v2 (id, categories, labels, text, timestamp, hidden, updated_at)
    SELECT id, categories, labels, text, timestamp, hidden, updated_at FROM items ORDER BY id;
  INSERT INTO items_v2 (id, categories, labels, text, timestamp, hidden, updated_at)
    SELECT DISTINCT item_id, '[]', '{}', NULL, 0, 0, 0 FROM feedback WHERE item_id NOT IN (SELECT id FROM items_v2);

  CREATE TABLE feedback_v2 (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    user_key  INTEGER NOT NULL,
    item_key  INTEGER NOT NULL,
    type      TEXT NOT NULL,
    value     REAL NOT NULL,
    timestamp INTEGER NOT NULL
  );
  INSERT INTO feedback_v2 (seq, user_key, item_key, type, value, timestamp)
    SELECT f.seq, u.user_key, i.item_key, f.type, f.value, f.timestamp
    FROM feedback f JOIN users_v2 u ON u.id = f.user_id JOIN items_v2 i ON i.id = f.item_id ORDER BY f.seq;
  -- The v1 counter may be past max(seq) (the newest rows were deleted): carry it over.
  INSERT INTO sqlite_sequence (name, seq) SELECT 'feedback_v2', 0 WHERE NOT EXISTS
    (SELECT 1 FROM sqlite_sequence WHERE name = 'feedback_v2');
  UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'feedback'), 0))
    WHERE name = 'feedback_v2';

  DROP TABLE feedback;
  DROP TABLE users;
  DROP TABLE items;
  ALTER TABLE users_v2 RENAME TO users;
  ALTER TABLE items_v2 RENAME TO items;
  ALTER TABLE feedback_v2 RENAME TO feedback;
  -- userFeedback (newest first) and deleteUser read this index; deleteItem reads the next one.
  -- (user_key, timestamp): every index entry ends with the rowid (= seq), which orders ties without storing it twice.
  CREATE INDEX feedback_by_user ON feedback (user_key, timestamp);
  CREATE INDEX feedback_by_item ON feedback (item_key);
  `,
  // v3: no feedback index by item. Each event paid a random insert into feedback_by_item, whose only reader was
  // deleteItem; without it the 5M-event store ingests 54k instead of 28k events/s (raw inserts in groups of 8,000,
  // synchronous=FULL), and 37k instead of 23k through SqliteStorage.insertFeedback (8 callers × 1,000 events).
  // deleteItem now deletes the item row and queues its key here; readers skip queued keys (or join items) and a
  // background purge (sqlite-item-purge.ts) deletes the rows by seq range, then the key. `through_seq` is max(seq) at
  // the delete: item keys are AUTOINCREMENT and never reused, so no later row can carry the key.
  `
  DROP INDEX feedback_by_item;
  CREATE TABLE deleted_items (
    item_key    INTEGER PRIMARY KEY,
    through_seq INTEGER NOT NULL
  );
  `,
  // v4: the user index in two levels (a log-structured merge). Every event paid a random insert into the 5M-entry
  // feedback_by_user index, and each commit wrote every index page it touched to the WAL (~4 KiB per event). New
  // entries now go into a small `feedback_by_user_recent` table whose pages stay few and hot; a background merge
  // (sqlite-user-index.ts) moves them into `feedback_by_user_main` in key order, in chunks by user range, touching
  // each main page once for many events. A user's entries are in one table or the other; readers read both. Raw
  // inserts on a 5M-event store: 37k → 89k events/s, merges and checkpoints included (bench/user-index.mjs).
  `
  CREATE TABLE feedback_by_user_main (
    user_key  INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    PRIMARY KEY (user_key, timestamp, seq)
  ) WITHOUT ROWID;
  CREATE TABLE feedback_by_user_recent (
    user_key  INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    PRIMARY KEY (user_key, timestamp, seq)
  ) WITHOUT ROWID;
  INSERT INTO feedback_by_user_main (user_key, timestamp, seq)
    SELECT user_key, timestamp, seq FROM feedback ORDER BY user_key, timestamp, seq;
  DROP INDEX feedback_by_user;
  `,
  // v5: idempotent ingestion. A feedback row may carry the client's event id; a retried batch skips rows whose id is
  // stored. ADD COLUMN rewrites nothing (old rows read NULL), and the unique index is partial, so a row without an
  // event id costs no index entry: ingestion without event ids pays one NULL column byte per row.
  `
  ALTER TABLE feedback ADD COLUMN event_id TEXT;
  CREATE UNIQUE INDEX feedback_by_event_id ON feedback (event_id) WHERE event_id IS NOT NULL;
  `,
];

/**
 * Brings a database to the newest schema version. Refuses a database written by a newer Kindred (its
 * `user_version` is beyond the migrations this build knows) rather than guessing at its layout.
 *
 * @example
 * const db = new Database('kindred.db');
 * migrate(db); // user_version is now SQLITE_MIGRATIONS.length
 */
export function migrate(db: Database, migrations: readonly string[] = SQLITE_MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length)
    throw new Error(
      `database schema version ${current} is newer than this build supports (${migrations.length}); upgrade Kindred`,
    );
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return migrations.length;
}
