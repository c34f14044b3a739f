// What the two-tower model feeds its towers: each user's training items ordered by time (the pooled history reads
// the newest ones), the bags the towers read (history means, feature rows, item ids) for a training batch and for
// every user or item at once, and the logQ correction of the in-batch softmax.
import type { FeatureMatrix } from '../../data/features.js';
import type { Interactions } from '../../data/interactions.js';
import { rowsByUserInTimeOrder } from '../../data/splitters.js';
import type { Bag } from './two-tower-net.js';

/** Each user's training items, oldest → newest (CSR over users). */
export interface OrderedHistories {
  indptr: Int32Array;
  items: Int32Array;
}

/**
 * Every user's training items ordered by timestamp; equal timestamps (and data without timestamps) keep the
 * input's row order (`rowsByUserInTimeOrder`, the rule of the time-ordered splits and the sequential models).
 *
 * @example
 * const h = orderedHistories(train);
 * h.items.subarray(h.indptr[u], h.indptr[u + 1]); // user u, oldest first
 */
export function orderedHistories(data: Interactions): OrderedHistories {
  const { indptr } = data.byUser();
  const rows = rowsByUserInTimeOrder(data);
  const items = new Int32Array(rows.length);
  for (let k = 0; k < rows.length; k++) items[k] = data.items[rows[k]];
  return { indptr, items };
}

/**
 * Appends one history bag at entry `k`: the newest `limit` items of `list` that `usable` marks (skipping position
 * `skip`, the training target), each weighted 1/count so the bag is their mean. Returns the next free entry.
 *
 * @example
 * k = pushHistory(bag, k, list, targetPosition, 50, usable);
 */
export function pushHistory(
  bag: Bag,
  k: number,
  list: Int32Array,
  skip: number,
  limit: number,
  usable: Uint8Array,
): number {
  const start = k;
  for (let p = list.length - 1; p >= 0 && k - start < limit; p--) {
    const i = list[p];
    if (p === skip || i < 0 || i >= usable.length || usable[i] === 0) continue;
    bag.ids[k++] = i;
  }
  const w = k > start ? 1 / (k - start) : 0;
  bag.weights.fill(w, start, k);
  return k;
}

/**
 * The history bags of every user (their newest `limit` usable items, mean weights), for computing all user vectors.
 *
 * @example
 * const bags = historyBags(histories, nUsers, 50, usable);
 */
export function historyBags(h: OrderedHistories, users: number, limit: number, usable: Uint8Array): Bag {
  let total = 0;
  for (let u = 0; u < users; u++) total += Math.min(limit, h.indptr[u + 1] - h.indptr[u]);
  const bag: Bag = { ids: new Int32Array(total), weights: new Float32Array(total), offsets: new Int32Array(users + 1) };
  let k = 0;
  for (let u = 0; u < users; u++) {
    k = pushHistory(bag, k, h.items.subarray(h.indptr[u], h.indptr[u + 1]), -1, limit, usable);
    bag.offsets[u + 1] = k;
  }
  return bag;
}

/**
 * A feature matrix's rows as bags (its CSR arrays as they are: feature ids weighted by their values).
 *
 * @example
 * const bags = featureBags(itemFeatures);
 */
export function featureBags(m: FeatureMatrix): Bag {
  return { ids: m.indices, weights: m.values, offsets: m.indptr };
}

/**
 * One id per row where `has[i]` (weight 1), an empty bag (a zero embedding) elsewhere: the item id input for
 * every item, cold items contributing nothing.
 *
 * @example
 * const ids = idBags(knownItems);
 */
export function idBags(has: Uint8Array): Bag {
  const n = has.length;
  const offsets = new Int32Array(n + 1);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    if (has[i]) ids.push(i);
    offsets[i + 1] = ids.length;
  }
  return { ids: Int32Array.from(ids), weights: new Float32Array(ids.length).fill(1), offsets };
}

/** logQ of a repeat of the row's own item among the candidates: large enough that exp(s − logQ) is 0. */
export const MASKED_LOGQ = 1e30;

/**
 * The per-row logQ of an in-batch softmax (Yi et al. 2019 eq. 3): candidate c of every row gets log q of its item,
 * where q is the item's share of the training pairs — exactly the chance that a uniformly shuffled pair has that
 * item, so no streaming estimate is needed on a fixed training set. A repeat of the row's own item in another column
 * is the same item, not a negative: its logQ is `MASKED_LOGQ`, which removes it from the softmax.
 *
 * @example
 * fillInBatchLogQ(batchItems, logFreq, net.logQ);
 */
export function fillInBatchLogQ(items: Int32Array, logFreq: Float32Array, out: Float32Array): void {
  const B = items.length;
  for (let r = 0; r < B; r++) {
    const own = items[r];
    const o = r * B;
    for (let c = 0; c < B; c++) {
      const i = items[c];
      out[o + c] = i === own && c !== r ? MASKED_LOGQ : logFreq[i];
    }
  }
}

/**
 * 1 for items with training rows: the only ones whose id and history embeddings were trained.
 *
 * @example
 * const usable = knownItems(summary.itemCounts);
 */
export function knownItems(counts: Int32Array): Uint8Array {
  const out = new Uint8Array(counts.length);
  for (let i = 0; i < counts.length; i++) out[i] = counts[i] > 0 ? 1 : 0;
  return out;
}

/**
 * Items the model has a vector for: training rows, or a non-empty feature row (a cold item placed by its features).
 *
 * @example
 * const has = itemsWithVectors(summary.itemCounts, itemFeatures);
 */
export function itemsWithVectors(counts: Int32Array, features: FeatureMatrix | null): Uint8Array {
  const has = knownItems(counts);
  if (features) for (let i = 0; i < counts.length; i++) if (features.rowNnz(i) > 0) has[i] = 1;
  return has;
}

/**
 * A bag with one empty row (a zero embedding): a tower input the request has nothing for.
 *
 * @example
 * const none = emptyBag();
 */
export function emptyBag(): Bag {
  return { ids: new Int32Array(0), weights: new Float32Array(0), offsets: new Int32Array(2) };
}

/**
 * Appends feature row `r` of `m` to `bag` at entry `k`; returns the next free entry.
 *
 * @example
 * k = copyRow(itemFeatures, item, net.itemFeatures, k);
 */
export function copyRow(m: FeatureMatrix, r: number, bag: Bag, k: number): number {
  for (let q = m.indptr[r]; q < m.indptr[r + 1]; q++) {
    bag.ids[k] = m.indices[q];
    bag.weights[k++] = m.values[q];
  }
  return k;
}
