import { IdMap } from 'kindred';
import { valueRange, type EngineConfig } from '../config.js';
import type { FeedbackColumns, FeedbackRecord, Storage } from '../storage/port.js';

// Aggregation per (user, item) pair lives beside this file; re-exported so callers read the log and reduce it from one
// module.
export { MAX_PAIR_WEIGHT, reduceEvents } from './reduce-events.js';

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
  /** Aggregated positive weight of the pair (> 0, at most MAX_PAIR_WEIGHT). */
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
  /**
   * Rows of a type with a signal whose stored value is non-finite or outside the type's range (`valueRange`): left
   * out of training and counted here (the run reports them as `droppedEvents`). Ingestion rejects such values, but a
   * store written before the check (or under a wider configured range) may hold them.
   */
  dropped: number;
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
  private readonly kindOf = new Map<
    string,
    { kind: number; weight: number; useValue: boolean; min: number; max: number }
  >();
  private users = new Int32Array(4096);
  private items = new Int32Array(4096);
  private weights = new Float64Array(4096);
  private times = new Float64Array(4096);
  private kinds = new Uint8Array(4096);
  private n = 0;
  private events = 0;
  private ignored = 0;
  private dropped = 0;
  private maxSeq = 0;

  constructor(types: FeedbackTypes) {
    for (const [name, t] of Object.entries(types)) {
      const kind = t.seenOnly || t.weight === 0 ? NO_SIGNAL : t.useValue ? LATEST : ADDITIVE;
      this.kindOf.set(name, { kind, weight: t.weight, useValue: t.useValue ?? false, ...valueRange(t) });
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
      // Dropped, not clipped: an out-of-range value is a corrupt or hostile row, not an extreme opinion, and clipping
      // 1e308 to a rating's 5 would turn garbage into the strongest positive the type can give.
      const w = t.weight * (t.useValue ? row.value : 1);
      if (!(row.value >= t.min && row.value <= t.max) || !Number.isFinite(w)) {
        this.dropped++;
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
      useValueOf = new Uint8Array(nTypes),
      minOf = new Float64Array(nTypes),
      maxOf = new Float64Array(nTypes);
    for (let t = 0; t < nTypes; t++) {
      const k = this.kindOf.get(cols.typeNames[t]);
      kindOf[t] = k ? k.kind : NO_SIGNAL;
      weightOf[t] = k ? k.weight : 0;
      useValueOf[t] = k?.useValue ? 1 : 0;
      minOf[t] = k ? k.min : 0;
      maxOf[t] = k ? k.max : 0;
    }
    const ranges = { minOf, maxOf };
    return this.addColumnRows(cols, userOf, itemOf, kindOf, weightOf, useValueOf, ranges, throughSeq);
  }

  private addColumnRows(
    cols: FeedbackColumns,
    userOf: Int32Array,
    itemOf: Int32Array,
    kindOf: Uint8Array,
    weightOf: Float64Array,
    useValueOf: Uint8Array,
    { minOf, maxOf }: { minOf: Float64Array; maxOf: Float64Array },
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
      const v = values[r];
      const w = weightOf[t] * (useValueOf[t] ? v : 1);
      if (!(v >= minOf[t] && v <= maxOf[t]) || !Number.isFinite(w)) {
        this.dropped++;
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
    return { events: this.events, ignored: this.ignored, dropped: this.dropped, throughSeq: through };
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
