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
