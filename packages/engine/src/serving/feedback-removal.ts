import type { Catalog, Pipeline } from 'kindred';
import type { FeedbackRecord } from '../storage/port.js';

/** The part of a cached user's state that removed feedback invalidates. */
export interface RemovableUserState {
  rows: FeedbackRecord[];
  summary: unknown;
  derived: unknown;
  list: unknown;
}

/** What {@link removeFeedback} updates: the serving service's derived statistics and per-user state. */
export interface RemovalTarget {
  /** Positive-event counts by item id (popularity, kept across model swaps). */
  readonly counts: Map<string, number>;
  /** Feedback types that count for popularity. */
  readonly positiveTypes: ReadonlySet<string>;
  /** The serving snapshot's catalogue and pipeline (its popularity index serves `/api/popular` and cold start). */
  readonly catalog: Catalog;
  readonly pipeline: Pipeline;
  /** The user's cached state, if cached (without touching the LRU's recency). */
  cachedUser(userId: string): RemovableUserState | undefined;
  /** Voids the user's precomputed list and marks an in-flight read of their feedback stale. */
  invalidateUser(userId: string): void;
}

/**
 * Subtracts removed feedback rows (a deleted user's rows, a single deleted event) from every statistic the serving
 * thread derives from the log, at once: popularity counts (global and per category, the cold-start lists), the
 * users' cached history, their cached and precomputed lists. Statistics that come from the trained model (its user
 * vectors, the neighbour pool of pooled item-to-item, kNN similarities) follow at the next retrain, which reads the
 * store as it is then.
 *
 * Without this, popularity was counted once at start (`Storage.positiveItemCounts`) and then only incremented by new
 * events, and a retrain kept the counts: deleted users went on counting until a restart.
 *
 * @example
 * removeFeedback(target, await storage.deleteUser('u1') ?? []);
 */
export function removeFeedback(target: RemovalTarget, rows: readonly FeedbackRecord[]): void {
  const perItem = new Map<string, number>();
  const byUser = new Map<string, FeedbackRecord[]>();
  for (const r of rows) {
    if (target.positiveTypes.has(r.type)) perItem.set(r.itemId, (perItem.get(r.itemId) ?? 0) + 1);
    let list = byUser.get(r.userId);
    if (!list) byUser.set(r.userId, (list = []));
    list.push(r);
  }
  for (const [itemId, k] of perItem) {
    const before = target.counts.get(itemId);
    if (before === undefined) continue; // an item deleted before (its counts went with it)
    const after = Math.max(0, before - k);
    if (after === 0) target.counts.delete(itemId);
    else target.counts.set(itemId, after);
    const i = target.catalog.itemIds.get(itemId);
    if (i >= 0 && after !== before) target.pipeline.recordInteraction(i, after - before);
  }
  for (const [userId, removed] of byUser) {
    target.invalidateUser(userId);
    const e = target.cachedUser(userId);
    if (!e) continue;
    e.rows = withoutRows(e.rows, removed);
    e.summary = null;
    e.derived = null;
    e.list = null;
  }
}

/**
 * `rows` minus `removed`, one cached row per removed row: by seq where the cached row has one, else (live rows are
 * cached without their seq) by content.
 */
function withoutRows(rows: FeedbackRecord[], removed: readonly FeedbackRecord[]): FeedbackRecord[] {
  const bySeq = new Set<number>();
  const byContent = new Map<string, number>();
  for (const r of removed) {
    if (r.seq !== undefined) bySeq.add(r.seq);
    const k = contentKey(r);
    byContent.set(k, (byContent.get(k) ?? 0) + 1);
  }
  return rows.filter((r) => {
    const k = contentKey(r);
    if (r.seq !== undefined ? !bySeq.has(r.seq) : !byContent.get(k)) return true;
    byContent.set(k, (byContent.get(k) ?? 1) - 1);
    return false;
  });
}

function contentKey(r: FeedbackRecord): string {
  return `${r.itemId}\u0000${r.type}\u0000${r.value}\u0000${r.timestamp}`;
}
