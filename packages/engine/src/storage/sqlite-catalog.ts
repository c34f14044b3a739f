import type Database from 'better-sqlite3';
import type { FeedbackRecord, ItemRecord, Page, UserRecord } from './port.js';
import { decodeCursor } from './errors.js';
import type { KeyCache } from './key-cache.js';
import type { SqliteItemPurge } from './sqlite-item-purge.js';
import type { Statements } from './sqlite-statements.js';
import {
  itemFromRow,
  itemParams,
  page,
  userFromRow,
  withoutNullEventIds,
  type ItemRow,
  type UserRow,
} from './sqlite-rows.js';

/**
 * The catalogue in SQLite: items and users, their upserts, patches, deletes and pages, each write one transaction.
 * Runs on the store's connection with its statements and id↔key caches; `SqliteStorage` adds what a delete sets off
 * beyond the transaction (the background purge of an item's feedback, the incremental vacuum).
 *
 * @example
 * const catalog = new SqliteCatalog(db, prepareAll(db), userKeys, itemKeys, userIdsByKey, purge);
 * catalog.upsertItems([{ id: 'i1', categories: [], labels: {}, timestamp: 0, hidden: false, updatedAt: 0 }]);
 * catalog.getItem('i1')?.id; // 'i1'
 */
export class SqliteCatalog {
  readonly upsertItems: (items: ItemRecord[]) => number;
  readonly upsertUsers: (users: UserRecord[]) => number;
  /** Deletes the user with their feedback and index entries; the feedback rows removed, or null when unknown. */
  readonly deleteUser: (id: string) => FeedbackRecord[] | null;
  /** Deletes the item row and queues its key for the purge; the key and the purge's upper seq, or null. */
  readonly deleteItem: (id: string) => { key: number; through: number } | null;
  readonly patchItem: (id: string, patch: Partial<Omit<ItemRecord, 'id'>>) => ItemRecord | null;
  readonly patchUser: (id: string, patch: Partial<Omit<UserRecord, 'id'>>) => UserRecord | null;

  constructor(
    private readonly db: Database.Database,
    private readonly stmt: Statements,
    private readonly userKeys: KeyCache<string, number>,
    private readonly itemKeys: KeyCache<string, number>,
    private readonly userIdsByKey: KeyCache<number, string>,
    private readonly purge: SqliteItemPurge,
  ) {
    const s = stmt;
    this.upsertItems = db.transaction((items: ItemRecord[]) => {
      for (const it of items) s.upsertItem.run(...itemParams(it));
      return items.length;
    });

    this.upsertUsers = db.transaction((users: UserRecord[]) => {
      for (const u of users) s.upsertUser.run(u.id, JSON.stringify(u.labels ?? {}), u.updatedAt);
      return users.length;
    });

    // Explicit cascades (not foreign keys): the feedback table is the hot write path and FK checks would cost two
    // extra lookups per inserted row; the only deletes are these two. A user's rows go at once (both levels of the
    // user index find them); an item's rows are purged lazily (no index by item since schema v3; readers skip queued keys).
    // The cache entry goes first: even if the transaction failed after it, the next lookup just asks the database.
    this.deleteUser = db.transaction((id: string) => {
      this.userKeys.delete(id);
      const key = s.userKey.get(id) as number | undefined;
      if (key === undefined) return null;
      // Read in the same transaction: exactly the rows deleted (serving subtracts them from popularity).
      const removed = withoutNullEventIds(s.userFeedback.all({ user: key, limit: -1 }) as FeedbackRecord[]);
      s.deleteUserFeedback.run({ user: key });
      s.deleteUserIndexMain.run(key);
      s.deleteUserIndexRecent.run(key);
      s.deleteUser.run(key);
      return removed;
    });
    this.deleteItem = db.transaction((id: string) => {
      this.itemKeys.delete(id);
      const key = s.itemKey.get(id) as number | undefined;
      if (key === undefined) return null;
      s.deleteItem.run(key);
      return { key, through: this.purge.record(key) };
    });

    this.patchItem = db.transaction((id: string, patch: Partial<Omit<ItemRecord, 'id'>>) => {
      const row = s.getItem.get(id) as ItemRow | undefined;
      if (!row) return null;
      const cur = itemFromRow(row);
      const next: ItemRecord = {
        id,
        categories: patch.categories ?? cur.categories,
        labels: patch.labels ?? cur.labels,
        timestamp: patch.timestamp ?? cur.timestamp,
        hidden: patch.hidden ?? cur.hidden,
        updatedAt: patch.updatedAt ?? Date.now(),
      };
      // A present-but-undefined `text` clears it (the API maps `"text": null` to that); an absent key keeps it.
      const text = 'text' in patch ? patch.text : cur.text;
      if (text !== undefined) next.text = text;
      s.upsertItem.run(...itemParams(next));
      return next;
    });

    this.patchUser = db.transaction((id: string, patch: Partial<Omit<UserRecord, 'id'>>) => {
      const row = s.getUser.get(id) as UserRow | undefined;
      if (!row) return null;
      const cur = userFromRow(row);
      const next: UserRecord = { id, labels: patch.labels ?? cur.labels, updatedAt: patch.updatedAt ?? Date.now() };
      s.upsertUser.run(id, JSON.stringify(next.labels), next.updatedAt);
      return next;
    });
  }

  getItem(id: string): ItemRecord | null {
    const row = this.stmt.getItem.get(id) as ItemRow | undefined;
    return row ? itemFromRow(row) : null;
  }

  listItems(cursor: string | null, n: number): Page<ItemRecord> {
    const rows = (
      cursor === null ? this.stmt.listItemsFirst.all(n + 1) : this.stmt.listItemsAfter.all(decodeCursor(cursor), n + 1)
    ) as ItemRow[];
    return page(rows.map(itemFromRow), n);
  }

  allItems(): ItemRecord[] {
    return (this.stmt.allItems.all() as ItemRow[]).map(itemFromRow);
  }

  getUser(id: string): UserRecord | null {
    const row = this.stmt.getUser.get(id) as UserRow | undefined;
    return row ? userFromRow(row) : null;
  }

  /** One pass over both levels of the user index (seconds at millions of events): background work, not requests. */
  recentUsers(limit: number): string[] {
    const n = Math.max(0, Math.floor(limit));
    if (n === 0) return [];
    // Both reads in one transaction: a merge chunk between them could move a user from the second level to the first.
    const [main, recent] = this.db.transaction(
      () => [this.stmt.lastSeqByUserMain.all(), this.stmt.lastSeqByUserRecent.all()] as [number, number][][],
    )();
    const last = new Map<number, number>();
    for (const [key, seq] of main) last.set(key, seq);
    for (const [key, seq] of recent) if ((last.get(key) ?? -1) < seq) last.set(key, seq);
    const byLast = [...last].sort((a, b) => b[1] - a[1]);
    const ids: string[] = [];
    for (let i = 0; i < byLast.length && ids.length < n; i++) {
      const key = byLast[i][0];
      const id = this.userIdsByKey.get(key) ?? (this.stmt.userIdOfKey.get(key) as string | undefined);
      if (id !== undefined) ids.push(id);
    }
    return ids;
  }

  listUsers(cursor: string | null, n: number): Page<UserRecord> {
    const rows = (
      cursor === null ? this.stmt.listUsersFirst.all(n + 1) : this.stmt.listUsersAfter.all(decodeCursor(cursor), n + 1)
    ) as UserRow[];
    return page(rows.map(userFromRow), n);
  }
}
