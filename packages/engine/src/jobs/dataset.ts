import { IdMap } from 'kindred';
import type { EngineConfig } from '../config.js';
import type { FeedbackColumns, FeedbackRecord, Storage } from '../storage/port.js';

/** The configured feedback types (`feedback.types` of the engine config). */
export type FeedbackTypes = EngineConfig['feedback']['types'];

/**
 * Training data in transferable form: one row per positive (user, item) pair, column-oriented typed arrays plus the
 * raw id lists, so it crosses into the training worker without copying (the buffers are transferred) and without a
 * per-row object. Index `u` in `users` means `userIds[u]`.
 */
export interface TrainingSet {
  users: Int32Array;
  items: Int32Array;
  /** Aggregated positive weight of the pair (> 0). */
  values: Float32Array;
  /** Latest event time of the pair (epoch ms): the holdout takes each user's latest pairs. */
  timestamps: Float64Array;
  userIds: string[];
  itemIds: string[];
}

/**
 * Weighted events as read from the log, before aggregation: what the main thread collects (cheaply, batch by batch)
 * and hands to the worker, which does the O(n) grouping off the serving thread. Transferable like `TrainingSet`.
 */
export interface EventLog {
  users: Int32Array;
  items: Int32Array;
  /** `weight × (value or 1)` of the event's type. */
  weights: Float64Array;
  times: Float64Array;
  /** 1 = additive type (summed per pair), 2 = value type (latest per pair wins). */
  kinds: Uint8Array;
  userIds: string[];
  itemIds: string[];
}

/** What a scan of the feedback log found. */
export interface ScanStats {
  /** Feedback rows read. */
  events: number;
  /** Rows of a type that carries no signal: seen-only types, weight 0, or a type the config does not know. */
  ignored: number;
  /** Highest seq read: the model is trained "through" this row. */
  throughSeq: number;
}

/** Options of `loadEventLog`. */
export interface LoadEventLogOptions {
  /** Rows per `scanFeedback` call (default 2,000). Between batches the event loop serves requests. */
  batchSize?: number;
  /** Stop at this seq (default: the store's `lastSeq()` when the scan starts), so a run sees a fixed snapshot. */
  throughSeq?: number;
}

/**
 * Reads the feedback log into weighted events, as the issue defines feedback types: an event of type T weighs
 * `T.weight × (T.useValue ? value : 1)`; seen-only types and weight-0 types give no signal (they only mark items
 * seen, which serving handles). `reduceEvents` then aggregates per (user, item) pair.
 *
 * The log is read with `scanFeedback` in batches, yielding to the event loop between batches (a synchronous store
 * such as better-sqlite3 resolves at once, so a plain `await` would not let requests in), and kept in typed
 * arrays: the serving thread does O(batch) work at a time and no grouping; that happens in the worker.
 *
 * @example
 * const { log, stats } = await loadEventLog(engine.storage, engine.config.feedback.types);
 * const { set } = reduceEvents(log); // in the worker
 */
export async function loadEventLog(
  storage: Pick<Storage, 'scanFeedback' | 'lastSeq' | 'scanFeedbackColumns'>,
  types: FeedbackTypes,
  opts: LoadEventLogOptions = {},
): Promise<{ log: EventLog; stats: ScanStats }> {
  const batchSize = opts.batchSize ?? 2_000;
  const through = opts.throughSeq ?? (await storage.lastSeq());
  const acc = new EventAccumulator(types);
  let after = 0;
  // The column form (when the store has it) costs no object and no string per row: ~Nx faster on large logs.
  if (storage.scanFeedbackColumns) {
    for (;;) {
      const cols = await storage.scanFeedbackColumns(after, batchSize);
      if (cols.length === 0) break;
      const done = acc.addColumns(cols, through);
      if (done || cols.length < batchSize) break;
      after = cols.seqs[cols.length - 1];
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return { log: acc.log(), stats: acc.stats(through) };
  }
  for (;;) {
    const rows = await storage.scanFeedback(after, batchSize);
    if (rows.length === 0) break;
    const last = rows[rows.length - 1].seq;
    const done = acc.addBatch(rows, through);
    if (done || last === undefined || rows.length < batchSize) break;
    after = last;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { log: acc.log(), stats: acc.stats(through) };
}

/**
 * Aggregates events per (user, item) pair: additive types sum, value types (ratings) keep the latest value by event
 * time (a re-rating replaces the old one, it does not add to it), and the pair's weight is `latest rating + sum of
 * the rest`. A pair whose weight is ≤ 0 (a dislike outweighing clicks) is not a positive and is left out: training
 * sees positives only. Users and items left without a positive are dropped from the id space.
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

/** Per-type weighting, resolved once: 0 = no signal, 1 = additive, 2 = latest value wins. */
const NO_SIGNAL = 0,
  ADDITIVE = 1,
  LATEST = 2;

/**
 * Collects weighted events into growing typed arrays (no per-event object is kept). Exported for tests and for
 * callers that already hold feedback rows.
 *
 * @example
 * const acc = new EventAccumulator({ click: { weight: 1 } });
 * acc.addBatch([{ seq: 1, userId: 'u', itemId: 'i', type: 'click', value: 1, timestamp: 0 }]);
 * reduceEvents(acc.log()).set.values; // Float32Array [1]
 */
export class EventAccumulator {
  private readonly userIds = new IdMap();
  private readonly itemIds = new IdMap();
  private readonly kindOf = new Map<string, { kind: number; weight: number; useValue: boolean }>();
  private users = new Int32Array(4096);
  private items = new Int32Array(4096);
  private weights = new Float64Array(4096);
  private times = new Float64Array(4096);
  private kinds = new Uint8Array(4096);
  private n = 0;
  private events = 0;
  private ignored = 0;
  private maxSeq = 0;

  constructor(types: FeedbackTypes) {
    for (const [name, t] of Object.entries(types)) {
      const kind = t.seenOnly || t.weight === 0 ? NO_SIGNAL : t.useValue ? LATEST : ADDITIVE;
      this.kindOf.set(name, { kind, weight: t.weight, useValue: t.useValue ?? false });
    }
  }

  /** Adds rows (in seq order); rows past `throughSeq` are not read. Returns true once past `throughSeq`. */
  addBatch(rows: readonly FeedbackRecord[], throughSeq = Infinity): boolean {
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      const seq = row.seq ?? this.maxSeq + 1;
      if (seq > throughSeq) return true;
      if (seq > this.maxSeq) this.maxSeq = seq;
      this.events++;
      const t = this.kindOf.get(row.type);
      if (!t || t.kind === NO_SIGNAL) {
        this.ignored++;
        continue;
      }
      const w = t.weight * (t.useValue ? row.value : 1);
      if (!Number.isFinite(w)) {
        this.ignored++;
        continue;
      }
      if (this.n === this.users.length) this.grow();
      const k = this.n++;
      this.users[k] = this.userIds.add(row.userId);
      this.items[k] = this.itemIds.add(row.itemId);
      this.weights[k] = w;
      this.times[k] = row.timestamp;
      this.kinds[k] = t.kind;
    }
    return false;
  }

  /**
   * Adds a batch in column form (`Storage.scanFeedbackColumns`, in seq order); same rules and the same result as
   * `addBatch` on the same rows. Each of the batch's distinct types is resolved once and each distinct id at its
   * first row with a signal (as `addBatch` does, so both number ids alike), then the rows are a typed-array loop.
   */
  addColumns(cols: FeedbackColumns, throughSeq = Infinity): boolean {
    const userOf = new Int32Array(cols.userIds.length).fill(-1);
    const itemOf = new Int32Array(cols.itemIds.length).fill(-1);
    const nTypes = cols.typeNames.length;
    const kindOf = new Uint8Array(nTypes),
      weightOf = new Float64Array(nTypes),
      useValueOf = new Uint8Array(nTypes);
    for (let t = 0; t < nTypes; t++) {
      const k = this.kindOf.get(cols.typeNames[t]);
      kindOf[t] = k ? k.kind : NO_SIGNAL;
      weightOf[t] = k ? k.weight : 0;
      useValueOf[t] = k?.useValue ? 1 : 0;
    }
    return this.addColumnRows(cols, userOf, itemOf, kindOf, weightOf, useValueOf, throughSeq);
  }

  private addColumnRows(
    cols: FeedbackColumns,
    userOf: Int32Array,
    itemOf: Int32Array,
    kindOf: Uint8Array,
    weightOf: Float64Array,
    useValueOf: Uint8Array,
    throughSeq: number,
  ): boolean {
    const { seqs, users, items, types, values, timestamps } = cols;
    for (let r = 0; r < cols.length; r++) {
      const seq = seqs[r];
      if (seq > throughSeq) return true;
      if (seq > this.maxSeq) this.maxSeq = seq;
      this.events++;
      const t = types[r];
      const kind = kindOf[t];
      if (kind === NO_SIGNAL) {
        this.ignored++;
        continue;
      }
      const w = weightOf[t] * (useValueOf[t] ? values[r] : 1);
      if (!Number.isFinite(w)) {
        this.ignored++;
        continue;
      }
      if (this.n === this.users.length) this.grow();
      const k = this.n++;
      const lu = users[r],
        li = items[r];
      this.users[k] = userOf[lu] >= 0 ? userOf[lu] : (userOf[lu] = this.userIds.add(cols.userIds[lu]));
      this.items[k] = itemOf[li] >= 0 ? itemOf[li] : (itemOf[li] = this.itemIds.add(cols.itemIds[li]));
      this.weights[k] = w;
      this.times[k] = timestamps[r];
      this.kinds[k] = kind;
    }
    return false;
  }

  /** The events so far, trimmed into fresh (transferable) arrays. */
  log(): EventLog {
    const n = this.n;
    return {
      users: this.users.slice(0, n),
      items: this.items.slice(0, n),
      weights: this.weights.slice(0, n),
      times: this.times.slice(0, n),
      kinds: this.kinds.slice(0, n),
      userIds: this.userIds.ids().map(String),
      itemIds: this.itemIds.ids().map(String),
    };
  }

  stats(throughSeq?: number): ScanStats {
    const through =
      throughSeq !== undefined && Number.isFinite(throughSeq) ? Math.min(throughSeq, this.maxSeq) : this.maxSeq;
    return { events: this.events, ignored: this.ignored, throughSeq: through };
  }

  private grow(): void {
    const cap = this.users.length * 2;
    const grow = <T extends Int32Array | Float64Array | Uint8Array>(a: T, b: T): T => (b.set(a), b);
    this.users = grow(this.users, new Int32Array(cap));
    this.items = grow(this.items, new Int32Array(cap));
    this.weights = grow(this.weights, new Float64Array(cap));
    this.times = grow(this.times, new Float64Array(cap));
    this.kinds = grow(this.kinds, new Uint8Array(cap));
  }
}

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
      outV[m] = w;
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
