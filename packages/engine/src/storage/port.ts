/**
 * The storage port: what the engine needs from a store. The embedded default is SQLite (storage/sqlite.ts);
 * Postgres and Redis adapters implement the same interface. Every method is async so that networked stores fit;
 * every write is atomic (all rows or none), so a failed request never leaves half its data behind.
 */

/** A catalogue item. Timestamps are epoch milliseconds. */
export interface ItemRecord {
  id: string;
  categories: string[];
  labels: Record<string, string>;
  text?: string;
  /** When the item was published (drives "latest" and freshness); defaults to creation time. */
  timestamp: number;
  hidden: boolean;
  updatedAt: number;
}

export interface UserRecord {
  id: string;
  labels: Record<string, string>;
  updatedAt: number;
}

/** One feedback event. `seq` is assigned by the store, increasing in insertion order. */
export interface FeedbackRecord {
  seq?: number;
  userId: string;
  itemId: string;
  type: string;
  value: number;
  timestamp: number;
  /**
   * The client's id of the event (idempotent ingestion), unique among stored rows; absent when it was posted without
   * one. A row whose eventId is already stored is not stored again.
   */
  eventId?: string;
}

/** Which one feedback row `deleteFeedback` removes: by its seq or by its eventId. */
export type FeedbackSelector = { seq: number } | { eventId: string };

/** A trained model version kept by the store. */
export interface ModelRecord {
  version: number;
  algorithm: string;
  params: Record<string, unknown>;
  createdAt: number;
  /** Offline metrics on the holdout (e.g. {"ndcg@10": 0.31}). */
  metrics: Record<string, number>;
  /** Feedback rows (max seq) the model was trained on. */
  trainedThroughSeq: number;
  fitSeconds: number;
  active: boolean;
  sizeBytes: number;
}

/**
 * A batch of feedback rows in column form (what `scanFeedbackColumns` returns): typed arrays instead of one object
 * per row, and each distinct user/item/type id once. Row `r` is user `userIds[users[r]]`, item `itemIds[items[r]]`,
 * type `typeNames[types[r]]`; the indices are local to this batch (dense from 0, in order of first appearance).
 */
export interface FeedbackColumns {
  /** Rows in the batch. */
  length: number;
  /** Each row's seq, increasing. */
  seqs: Float64Array;
  users: Int32Array;
  items: Int32Array;
  types: Int32Array;
  values: Float64Array;
  /** Event times, epoch ms. */
  timestamps: Float64Array;
  userIds: string[];
  itemIds: string[];
  typeNames: string[];
}

export interface Page<T> {
  items: T[];
  /** Cursor for the next page, or null at the end. */
  next: string | null;
}

export interface Storage {
  /** Inserts or replaces items by id; returns how many were written. */
  upsertItems(items: ItemRecord[]): Promise<number>;
  getItem(id: string): Promise<ItemRecord | null>;
  /** Applies a partial update; null when the item does not exist. */
  patchItem(id: string, patch: Partial<Omit<ItemRecord, 'id'>>): Promise<ItemRecord | null>;
  /** Deletes the item and its feedback; false when it did not exist. */
  deleteItem(id: string): Promise<boolean>;
  listItems(cursor: string | null, n: number): Promise<Page<ItemRecord>>;
  /** Every item (for building the serving catalogue). */
  allItems(): Promise<ItemRecord[]>;

  upsertUsers(users: UserRecord[]): Promise<number>;
  getUser(id: string): Promise<UserRecord | null>;
  patchUser(id: string, patch: Partial<Omit<UserRecord, 'id'>>): Promise<UserRecord | null>;
  /**
   * Deletes the user and all their feedback; returns the feedback rows it removed (read in the same transaction, so
   * serving can subtract exactly them from popularity), or null when the user did not exist.
   */
  deleteUser(id: string): Promise<FeedbackRecord[] | null>;
  listUsers(cursor: string | null, n: number): Promise<Page<UserRecord>>;
  /** Ids of users with feedback, the most recently active (newest event) first, at most `limit`. */
  recentUsers(limit: number): Promise<string[]>;

  /**
   * Stores feedback atomically. Unknown users are created when `createUsers`; unknown items when `createItems`
   * (else the whole batch is rejected by the caller before this point). Writes each stored row's `seq` into it and
   * returns how many rows were stored: a row whose `eventId` is already stored, or repeats an earlier row's in the
   * batch, is skipped (its `seq` stays unset), also between concurrent batches.
   */
  insertFeedback(rows: FeedbackRecord[], opts: { createUsers: boolean; createItems: boolean }): Promise<number>;
  /**
   * Deletes one feedback row (by seq or eventId) and its user-index entry, atomically; returns the removed row, or
   * null when no such row is stored (a row of a deleted item counts as gone).
   */
  deleteFeedback(sel: FeedbackSelector): Promise<FeedbackRecord | null>;
  /** A user's feedback, newest first. */
  userFeedback(userId: string, limit?: number): Promise<FeedbackRecord[]>;
  /**
   * One page of a user's feedback in the order of `userFeedback` (newest event first, seq breaking ties): at most `n`
   * rows after `cursor` (null: from the newest), and the cursor of the next page, null at the end. The cursor is a
   * keyset position `(timestamp, seq)` (storage/feedback-cursor.ts), so pages neither repeat nor skip a stored row
   * while events are inserted; rows of deleted items are skipped, which may leave a page short (even empty) before
   * the end. A cursor this store did not issue throws `InvalidCursorError`; an unknown user has one empty page.
   */
  userFeedbackPage(userId: string, cursor: string | null, n: number): Promise<Page<FeedbackRecord>>;
  /** Feedback with seq > afterSeq in seq order, at most `limit` rows (training reads it in batches). */
  scanFeedback(afterSeq: number, limit: number): Promise<FeedbackRecord[]>;
  /**
   * Optional, for bulk readers (training, popularity counts): the same rows as `scanFeedback` in column form, which
   * a store can produce without a per-row object or string. Callers fall back to `scanFeedback` when it is absent.
   */
  scanFeedbackColumns?(afterSeq: number, limit: number): Promise<FeedbackColumns>;
  /**
   * Per item, how many stored feedback events have one of `types` (popularity for serving). Items without such an
   * event are absent. A store aggregates in place (no row objects); rows stored while the count runs may or may not
   * be included, so a caller that also counts live events should count from `lastSeq()` read before the call.
   */
  positiveItemCounts(types: readonly string[]): Promise<Map<string, number>>;
  feedbackCount(): Promise<number>;
  /** Highest seq stored (0 when empty). */
  lastSeq(): Promise<number>;

  /** Saves a model version's bytes and metadata; returns the record with its new version number. */
  saveModel(meta: Omit<ModelRecord, 'version' | 'active' | 'sizeBytes'>, bytes: Uint8Array): Promise<ModelRecord>;
  listModels(): Promise<ModelRecord[]>;
  modelBytes(version: number): Promise<Uint8Array | null>;
  /** Marks one version active (and every other inactive), atomically. */
  activateModel(version: number): Promise<boolean>;
  /** Deletes a stored version (metadata and bytes); false when it does not exist or is the active one. */
  deleteModel(version: number): Promise<boolean>;
  activeModel(): Promise<ModelRecord | null>;

  /**
   * Why writes fail now (the store cannot accept them until a restart), or null when they can; readiness reports it.
   * Optional: a store whose writes can only fail one by one need not have it.
   */
  writeFailure?(): string | null;

  close(): Promise<void>;
}
