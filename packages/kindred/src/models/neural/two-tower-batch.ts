// One training batch of the two-tower model: B (user, item) pairs taken from the epoch's shuffled order, written into
// the graph's input buffers. A short last batch is topped up from the start of the order, so every row is a real
// pair and the in-batch softmax always has B candidates.
import type { FeatureMatrix } from '../../data/features.js';
import type { Rng } from '../../math/rng.js';
import { copyRow, pushHistory, type OrderedHistories } from './two-tower-data.js';
import type { TowerNet } from './two-tower-net.js';

/** Where a batch's pairs come from: pair p is position p of the ordered histories, its user `pairUser[p]`. */
export interface TowerBatchSource {
  /** The epoch's shuffled pair order. */
  order: Int32Array;
  hist: OrderedHistories;
  pairUser: Int32Array;
  /** Items whose history embedding was trained (training rows): the only ones a history pools. */
  usable: Uint8Array;
  historyLength: number;
  idDropout: number;
  userFeatures: FeatureMatrix | null;
  itemFeatures: FeatureMatrix | null;
}

/**
 * Fills the bags of the pairs at `order[start …]`: each user's newest `historyLength` items but the target (mean
 * weights), the user's and the item's feature rows, the item id (−1 with chance `idDropout`); `items` gets each
 * row's positive item (for the logQ correction).
 *
 * @example
 * fillTowerBatch(net, source, b * B, batchItems, rng);
 */
export function fillTowerBatch(net: TowerNet, src: TowerBatchSource, start: number, items: Int32Array, rng: Rng): void {
  const { order, hist, pairUser } = src;
  const n = order.length;
  const B = net.itemIds.length;
  let kh = 0,
    ku = 0,
    ki = 0;
  for (let r = 0; r < B; r++) {
    const pair = order[(start + r) % n];
    const u = pairUser[pair];
    const lo = hist.indptr[u];
    const list = hist.items.subarray(lo, hist.indptr[u + 1]);
    net.history.offsets[r] = kh;
    kh = pushHistory(net.history, kh, list, pair - lo, src.historyLength, src.usable);
    if (net.userFeatures && src.userFeatures) {
      net.userFeatures.offsets[r] = ku;
      ku = copyRow(src.userFeatures, u, net.userFeatures, ku);
    }
    const item = hist.items[pair];
    items[r] = item;
    if (net.itemFeatures && src.itemFeatures) {
      net.itemFeatures.offsets[r] = ki;
      ki = copyRow(src.itemFeatures, item, net.itemFeatures, ki);
    }
    net.itemIds[r] = src.idDropout > 0 && rng.next() < src.idDropout ? -1 : item;
  }
  net.history.offsets[B] = kh;
  if (net.userFeatures) net.userFeatures.offsets[B] = ku;
  if (net.itemFeatures) net.itemFeatures.offsets[B] = ki;
}
