import type { Catalog, UserContext } from 'kindred';
import type { EngineConfig } from '../config.js';
import type { FeedbackRecord } from '../storage/port.js';

/** The configured feedback types (`feedback.types`). */
export type FeedbackTypes = EngineConfig['feedback']['types'];

/** What one user's feedback says, per item, by raw id. */
export interface HistorySummary {
  /** Every item the user touched (any type, including seen-only and unknown types): never recommended again. */
  seen: string[];
  /**
   * Items whose aggregated weight is > 0, newest first, with that weight, the latest event time and the type of the
   * latest positive event on it (what explanations name: "Because you bought X").
   */
  positives: { id: string; weight: number; time: number; type: string }[];
  /** Items whose aggregated weight is < 0 (dislikes outweighing the rest). */
  negatives: string[];
  /**
   * The positive events in time order, oldest → newest (ties: row order, which is the log's seq order), one entry
   * per event with a weight > 0 on an item among `positives` (repeats kept): what history-scoring models read.
   */
  sequence: string[];
}

/**
 * Aggregates one user's feedback rows per item with the rule training uses (jobs/dataset.ts `reduceEvents`), so a
 * fold-in sees the values the model was trained on: an event of type T weighs `T.weight × (T.useValue ? value : 1)`;
 * additive types sum, value types (ratings) keep the latest value by event time, and the pair's weight is
 * `latest value + sum of the rest`. Seen-only and weight-0 types (and types the config no longer knows) only mark
 * the item seen.
 *
 * @example
 * summarizeHistory([{ userId: 'u', itemId: 'i', type: 'like', value: 1, timestamp: 5 }], { like: { weight: 2 } });
 * // { seen: ['i'], positives: [{ id: 'i', weight: 2, time: 5, type: 'like' }], negatives: [], sequence: ['i'] }
 */
export function summarizeHistory(rows: readonly FeedbackRecord[], types: FeedbackTypes): HistorySummary {
  const sum = new Map<string, number>();
  const latest = new Map<string, { w: number; t: number }>();
  const time = new Map<string, number>();
  const positiveType = new Map<string, { type: string; t: number }>();
  const seen: string[] = [];
  const events: { id: string; t: number }[] = [];
  for (const r of rows) {
    if (!time.has(r.itemId)) {
      seen.push(r.itemId);
      time.set(r.itemId, r.timestamp);
    } else if (r.timestamp > time.get(r.itemId)!) time.set(r.itemId, r.timestamp);
    const t = Object.hasOwn(types, r.type) ? types[r.type] : undefined;
    if (!t || t.seenOnly || t.weight === 0) continue;
    const w = t.weight * (t.useValue ? r.value : 1);
    if (!Number.isFinite(w)) continue;
    if (w > 0) events.push({ id: r.itemId, t: r.timestamp });
    if (w > 0 && r.timestamp >= (positiveType.get(r.itemId)?.t ?? -Infinity))
      positiveType.set(r.itemId, { type: r.type, t: r.timestamp });
    if (t.useValue) {
      const prev = latest.get(r.itemId);
      // Ties on time: the later row in the list wins (rows are given oldest first, as the log's seq order).
      if (!prev || r.timestamp >= prev.t) latest.set(r.itemId, { w, t: r.timestamp });
    } else sum.set(r.itemId, (sum.get(r.itemId) ?? 0) + w);
  }
  const positives: HistorySummary['positives'] = [];
  const negatives: string[] = [];
  for (const id of seen) {
    if (!sum.has(id) && !latest.has(id)) continue;
    const w = (sum.get(id) ?? 0) + (latest.get(id)?.w ?? 0);
    if (w > 0) positives.push({ id, weight: w, time: time.get(id)!, type: positiveType.get(id)?.type ?? '' });
    else if (w < 0) negatives.push(id);
  }
  positives.sort((a, b) => b.time - a.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const positive = new Set(positives.map((p) => p.id));
  // Array.prototype.sort is stable: equal times keep the rows' (seq) order.
  const sequence = events
    .filter((e) => positive.has(e.id))
    .sort((a, b) => a.t - b.t)
    .map((e) => e.id);
  return { seen, positives, negatives, sequence };
}

/** A history in a catalog's index space: the pipeline's request context plus the fold-in input. */
export interface IndexedHistory {
  context: UserContext;
  /** Positives the model was trained on (index < nModelItems) and their aggregated weights, for ALS fold-in. */
  foldItems: Int32Array;
  foldValues: Float32Array;
  /** The summary's `sequence` in catalog indices (oldest → newest, repeats kept, unknown items dropped). */
  sequence: Int32Array;
}

/**
 * Maps a summary to catalog indices (items no longer in the catalog are dropped). `nModelItems` bounds the fold-in
 * input to items the model has factors for.
 *
 * @example
 * const { context } = indexHistory(summary, catalog, model ? model.training.nItems : 0);
 */
export function indexHistory(
  s: HistorySummary,
  catalog: Catalog,
  nModelItems: number,
  extraSeen?: ArrayLike<number>,
  verbOf?: (type: string) => string,
): IndexedHistory {
  const ids = catalog.itemIds;
  const seen: number[] = [];
  for (const id of s.seen) {
    const i = ids.get(id);
    if (i >= 0) seen.push(i);
  }
  if (extraSeen) for (let k = 0; k < extraSeen.length; k++) seen.push(extraSeen[k]);
  const pos: number[] = [],
    times: number[] = [],
    verbs: string[] = [],
    foldI: number[] = [],
    foldV: number[] = [];
  for (const p of s.positives) {
    const i = ids.get(p.id);
    if (i < 0) continue;
    pos.push(i);
    times.push(p.time);
    verbs.push(verbOf ? verbOf(p.type) : '');
    if (i < nModelItems) {
      foldI.push(i);
      foldV.push(p.weight);
    }
  }
  const neg: number[] = [];
  for (const id of s.negatives) {
    const i = ids.get(id);
    if (i >= 0) neg.push(i);
  }
  const sequence: number[] = [];
  for (const id of s.sequence) {
    const i = ids.get(id);
    if (i >= 0) sequence.push(i);
  }
  return {
    context: {
      seen: Int32Array.from(seen),
      positives: Int32Array.from(pos),
      positiveTimes: Float64Array.from(times),
      positiveVerbs: verbs,
      negatives: Int32Array.from(neg),
    },
    foldItems: Int32Array.from(foldI),
    foldValues: Float32Array.from(foldV),
    sequence: Int32Array.from(sequence),
  };
}
