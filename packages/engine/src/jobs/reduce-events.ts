import type { EventLog, TrainingSet } from './dataset.js';

/** The `kinds` code of a value type (latest value per pair wins), as EventLog defines it. */
const LATEST = 2;

/**
 * Aggregates events per (user, item) pair: additive types sum, value types (ratings) keep the latest value by event
 * time (a re-rating replaces the old one, it does not add to it), and the pair's weight is `latest rating + sum of
 * the rest`, clipped to {@link MAX_PAIR_WEIGHT}. A pair whose weight is ≤ 0 (a dislike outweighing clicks) is not a
 * positive and is left out: training sees positives only. Users and items left without a positive are dropped from the id space.
 * Two stable counting sorts (by item, then by user) and one pass: O(events + users + items), no per-event objects.
 *
 * @example
 * const { set, negativePairs } = reduceEvents(log);
 */
export function reduceEvents(log: EventLog): { set: TrainingSet; negativePairs: number } {
  const n = log.users.length;
  const nUsers = log.userIds.length,
    nItems = log.itemIds.length;
  const byItem = countingOrder(log.items, n, nItems, null);
  const order = countingOrder(log.users, n, nUsers, byItem);
  const red = reducePairs(order, log.users, log.items, log.weights, log.times, log.kinds);
  return { set: compactIds(red, log.userIds, log.itemIds, nUsers, nItems), negativePairs: red.negativePairs };
}

/**
 * Largest aggregated weight of one (user, item) pair; larger sums are clipped to it. Each event's weight is bounded
 * (|type weight| ≤ 1000 and the value within its type's range), but a pair may sum any number of events, and the
 * pair weights become Float32 confidences (`1 + alpha·w` in ALS) that one runaway pair (a bot clicking one item a
 * million times) must neither overflow nor let dominate the solve. 10,000 is far above any human signal (a 5-star
 * rating is 5, a purchase 3) while keeping a confidence's ratio to the regularization within Float32 precision.
 */
export const MAX_PAIR_WEIGHT = 10_000;

interface Reduced {
  users: Int32Array;
  items: Int32Array;
  values: Float32Array;
  times: Float64Array;
  n: number;
  negativePairs: number;
}

/** One pass over events grouped by (user, item): sum additive weights, keep the latest value-type weight. */
function reducePairs(
  order: Int32Array,
  users: Int32Array,
  items: Int32Array,
  weights: Float64Array,
  times: Float64Array,
  kinds: Uint8Array,
): Reduced {
  const n = order.length;
  const outU = new Int32Array(n),
    outI = new Int32Array(n),
    outV = new Float32Array(n),
    outT = new Float64Array(n);
  let m = 0,
    negativePairs = 0;
  let k = 0;
  while (k < n) {
    const first = order[k];
    const u = users[first],
      i = items[first];
    let sum = 0,
      latest = 0,
      latestTime = -Infinity,
      hasLatest = false,
      t = -Infinity;
    for (; k < n; k++) {
      const e = order[k];
      if (users[e] !== u || items[e] !== i) break;
      if (times[e] > t) t = times[e];
      if (kinds[e] === LATEST) {
        // Latest by event time; equal times fall to the later seq (order is seq order within a pair).
        if (!hasLatest || times[e] >= latestTime) {
          latest = weights[e];
          latestTime = times[e];
          hasLatest = true;
        }
      } else sum += weights[e];
    }
    const w = sum + latest;
    if (w > 0) {
      outU[m] = u;
      outI[m] = i;
      outV[m] = w < MAX_PAIR_WEIGHT ? w : MAX_PAIR_WEIGHT;
      outT[m] = t;
      m++;
    } else negativePairs++;
  }
  return { users: outU, items: outI, values: outV, times: outT, n: m, negativePairs };
}

/** Renumbers users and items that kept a positive pair to 0..k-1, so the model sees no empty rows. */
function compactIds(red: Reduced, userIds: string[], itemIds: string[], nUsers: number, nItems: number): TrainingSet {
  const userNew = new Int32Array(nUsers).fill(-1),
    itemNew = new Int32Array(nItems).fill(-1);
  const outUserIds: string[] = [],
    outItemIds: string[] = [];
  const users = new Int32Array(red.n),
    items = new Int32Array(red.n);
  for (let k = 0; k < red.n; k++) {
    const u = red.users[k],
      i = red.items[k];
    if (userNew[u] < 0) {
      userNew[u] = outUserIds.length;
      outUserIds.push(userIds[u]);
    }
    if (itemNew[i] < 0) {
      itemNew[i] = outItemIds.length;
      outItemIds.push(itemIds[i]);
    }
    users[k] = userNew[u];
    items[k] = itemNew[i];
  }
  return {
    users,
    items,
    values: red.values.slice(0, red.n),
    timestamps: red.times.slice(0, red.n),
    userIds: outUserIds,
    itemIds: outItemIds,
  };
}

/** Stable counting sort of positions (`within`, or 0..n-1) by `keys`. */
function countingOrder(keys: Int32Array, n: number, nKeys: number, within: Int32Array | null): Int32Array {
  const start = new Int32Array(nKeys + 1);
  for (let k = 0; k < n; k++) start[keys[k] + 1]++;
  for (let r = 0; r < nKeys; r++) start[r + 1] += start[r];
  const out = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const pos = within ? within[k] : k;
    out[start[keys[pos]]++] = pos;
  }
  return out;
}
