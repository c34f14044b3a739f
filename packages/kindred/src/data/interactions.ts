import { DataFormatError, InvalidParameterError } from '../errors.js';
import { IdMap, type RawId } from './id-map.js';

/** Compressed sparse rows: row r's entries are `indices[indptr[r]..indptr[r+1])` with `values` alongside. */
export interface Csr {
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
  /** Position of each entry in the original row order (lets callers reach timestamps). */
  readonly order: Int32Array;
}

/** How to combine several rows for the same (user, item) pair. */
export type DuplicatePolicy = 'last' | 'first' | 'sum' | 'mean' | 'max' | 'keep';

/** One raw record, as produced by the readers. */
export interface InteractionRecord {
  user: RawId;
  item: RawId;
  value?: number;
  timestamp?: number;
}

/**
 * A set of (user, item, value, timestamp) interactions in typed arrays (column-oriented), with the id maps that
 * translate raw ids. CSR by user and CSC by item are built on demand and cached. Splits made by `subset` share the
 * parent's id maps, so a user has the same index in train and test.
 *
 * @example
 * const data = Interactions.fromRecords([
 *   { user: 'u1', item: 'i1', value: 5 },
 *   { user: 'u1', item: 'i2', value: 3 },
 *   { user: 'u2', item: 'i1', value: 4 },
 * ]);
 * data.length;                 // 3
 * data.byUser().indptr;        // Int32Array [0, 2, 3]
 */
export class Interactions {
  readonly users: Int32Array;
  readonly items: Int32Array;
  readonly values: Float32Array;
  /** Timestamps (any unit, MovieLens uses epoch seconds), or null when the data has none. */
  readonly timestamps: Float64Array | null;
  readonly userIds: IdMap;
  readonly itemIds: IdMap;
  private csrCache: Csr | undefined;
  private cscCache: Csr | undefined;

  constructor(init: {
    users: Int32Array;
    items: Int32Array;
    values?: Float32Array;
    timestamps?: Float64Array | null;
    userIds: IdMap;
    itemIds: IdMap;
  }) {
    const n = init.users.length;
    if (init.items.length !== n) throw new InvalidParameterError(`items has ${init.items.length} entries, users ${n}`);
    const values = init.values ?? new Float32Array(n).fill(1);
    if (values.length !== n) throw new InvalidParameterError(`values has ${values.length} entries, users ${n}`);
    if (init.timestamps && init.timestamps.length !== n)
      throw new InvalidParameterError(`timestamps has ${init.timestamps.length} entries, users ${n}`);
    this.users = init.users;
    this.items = init.items;
    this.values = values;
    this.timestamps = init.timestamps ?? null;
    this.userIds = init.userIds;
    this.itemIds = init.itemIds;
  }

  /** Builds interactions from raw records; values default to 1 (implicit feedback). */
  static fromRecords(
    records: Iterable<InteractionRecord>,
    opts: { userIds?: IdMap; itemIds?: IdMap; duplicates?: DuplicatePolicy } = {},
  ): Interactions {
    const b = new InteractionsBuilder(opts);
    for (const r of records) b.add(r.user, r.item, r.value ?? 1, r.timestamp);
    return b.build(opts.duplicates ?? 'keep');
  }

  get length(): number {
    return this.users.length;
  }
  /** Number of users in the id space (some may have no rows in this subset). */
  get nUsers(): number {
    return this.userIds.size;
  }
  get nItems(): number {
    return this.itemIds.size;
  }

  /** Rows grouped by user, items sorted ascending within each user. */
  byUser(): Csr {
    return (this.csrCache ??= compress(this.users, this.items, this.values, this.nUsers));
  }

  /** Rows grouped by item (CSC), users sorted ascending within each item. */
  byItem(): Csr {
    return (this.cscCache ??= compress(this.items, this.users, this.values, this.nItems));
  }

  /** Rows per user (length nUsers). */
  userCounts(): Int32Array {
    return counts(this.byUser().indptr);
  }

  /** Rows per item (length nItems). */
  itemCounts(): Int32Array {
    return counts(this.byItem().indptr);
  }

  /** Mean of all values (0 for an empty set). */
  mean(): number {
    let s = 0;
    for (let i = 0; i < this.values.length; i++) s += this.values[i];
    return this.values.length ? s / this.values.length : 0;
  }

  /** Smallest and largest value. */
  valueRange(): { min: number; max: number } {
    let min = Infinity,
      max = -Infinity;
    for (let i = 0; i < this.values.length; i++) {
      const v = this.values[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return { min, max };
  }

  /** The rows at `rows` (indices into this set), sharing this set's id maps. */
  subset(rows: Int32Array | ArrayLike<number>): Interactions {
    const n = rows.length;
    const users = new Int32Array(n),
      items = new Int32Array(n),
      values = new Float32Array(n);
    const ts = this.timestamps ? new Float64Array(n) : null;
    for (let k = 0; k < n; k++) {
      const r = rows[k];
      users[k] = this.users[r];
      items[k] = this.items[r];
      values[k] = this.values[r];
      if (ts) ts[k] = this.timestamps![r];
    }
    return new Interactions({ users, items, values, timestamps: ts, userIds: this.userIds, itemIds: this.itemIds });
  }

  /** Rows for which `keep(row)` is true. */
  filterRows(keep: (row: number) => boolean): Interactions {
    const rows: number[] = [];
    for (let r = 0; r < this.length; r++) if (keep(r)) rows.push(r);
    return this.subset(Int32Array.from(rows));
  }

  /** Combines rows of the same (user, item) pair. `keep` returns this set unchanged. */
  dedupe(policy: DuplicatePolicy): Interactions {
    if (policy === 'keep') return this;
    return dedupeRows(this, policy);
  }

  /** Raw records (for export and tests; not for hot paths). */
  *records(): IterableIterator<Required<Omit<InteractionRecord, 'timestamp'>> & { timestamp?: number }> {
    for (let r = 0; r < this.length; r++) {
      const rec: { user: RawId; item: RawId; value: number; timestamp?: number } = {
        user: this.userIds.id(this.users[r]),
        item: this.itemIds.id(this.items[r]),
        value: this.values[r],
      };
      if (this.timestamps) rec.timestamp = this.timestamps[r];
      yield rec;
    }
  }
}

/** Grows typed arrays while records stream in, so readers never hold an array of objects. */
export class InteractionsBuilder {
  readonly userIds: IdMap;
  readonly itemIds: IdMap;
  private users = new Int32Array(1024);
  private items = new Int32Array(1024);
  private values = new Float32Array(1024);
  private timestamps = new Float64Array(1024);
  private hasTimestamps = false;
  private n = 0;

  constructor(opts: { userIds?: IdMap; itemIds?: IdMap } = {}) {
    this.userIds = opts.userIds ?? new IdMap();
    this.itemIds = opts.itemIds ?? new IdMap();
  }

  get length(): number {
    return this.n;
  }

  add(user: RawId, item: RawId, value = 1, timestamp?: number): void {
    if (!Number.isFinite(value)) throw new DataFormatError(`value ${value} is not a finite number`, { field: 'value' });
    if (this.n === this.users.length) this.grow();
    const k = this.n++;
    this.users[k] = this.userIds.add(user);
    this.items[k] = this.itemIds.add(item);
    this.values[k] = value;
    if (timestamp !== undefined) {
      this.hasTimestamps = true;
      this.timestamps[k] = timestamp;
    } else this.timestamps[k] = NaN;
  }

  build(duplicates: DuplicatePolicy = 'keep'): Interactions {
    const n = this.n;
    const data = new Interactions({
      users: this.users.slice(0, n),
      items: this.items.slice(0, n),
      values: this.values.slice(0, n),
      timestamps: this.hasTimestamps ? this.timestamps.slice(0, n) : null,
      userIds: this.userIds,
      itemIds: this.itemIds,
    });
    return data.dedupe(duplicates);
  }

  private grow(): void {
    const cap = this.users.length * 2;
    const u = new Int32Array(cap),
      i = new Int32Array(cap),
      v = new Float32Array(cap),
      t = new Float64Array(cap);
    u.set(this.users);
    i.set(this.items);
    v.set(this.values);
    t.set(this.timestamps);
    this.users = u;
    this.items = i;
    this.values = v;
    this.timestamps = t;
  }
}

function counts(indptr: Int32Array): Int32Array {
  const n = indptr.length - 1;
  const c = new Int32Array(n);
  for (let r = 0; r < n; r++) c[r] = indptr[r + 1] - indptr[r];
  return c;
}

/** Counting sort by row then by column: O(n + rows + cols), stable, no comparisons. */
function compress(rows: Int32Array, cols: Int32Array, vals: Float32Array, nRows: number): Csr {
  const n = rows.length;
  // First order by column (stable), then by row: the result is sorted by (row, col).
  let maxCol = 0;
  for (let k = 0; k < n; k++) if (cols[k] > maxCol) maxCol = cols[k];
  const byCol = countingOrder(cols, maxCol + 1, null);
  const order = countingOrder(rows, nRows, byCol);
  const indptr = new Int32Array(nRows + 1);
  for (let k = 0; k < n; k++) indptr[rows[k] + 1]++;
  for (let r = 0; r < nRows; r++) indptr[r + 1] += indptr[r];
  const indices = new Int32Array(n),
    values = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const src = order[k];
    indices[k] = cols[src];
    values[k] = vals[src];
  }
  return { indptr, indices, values, order };
}

/** Stable counting sort of positions (`within`, or 0..n-1) by `keys`. */
function countingOrder(keys: Int32Array, nKeys: number, within: Int32Array | null): Int32Array {
  const n = keys.length;
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

function dedupeRows(data: Interactions, policy: Exclude<DuplicatePolicy, 'keep'>): Interactions {
  const csr = data.byUser();
  const n = data.length;
  const keepRows: number[] = [];
  const newValues: number[] = [];
  for (let u = 0; u < data.nUsers; u++) {
    let k = csr.indptr[u];
    const end = csr.indptr[u + 1];
    while (k < end) {
      const item = csr.indices[k];
      let j = k;
      // csr.order is stable, so within a run of the same item the rows are in input order.
      while (j + 1 < end && csr.indices[j + 1] === item) j++;
      let value: number;
      let row: number;
      if (policy === 'first') {
        row = csr.order[k];
        value = data.values[row];
      } else {
        row = csr.order[j];
        if (policy === 'last') value = data.values[row];
        else {
          let s = 0,
            mx = -Infinity;
          for (let q = k; q <= j; q++) {
            const v = data.values[csr.order[q]];
            s += v;
            if (v > mx) mx = v;
          }
          value = policy === 'sum' ? s : policy === 'mean' ? s / (j - k + 1) : mx;
        }
      }
      keepRows.push(row);
      newValues.push(value);
      k = j + 1;
    }
  }
  if (keepRows.length === n && policy !== 'sum' && policy !== 'mean' && policy !== 'max') return data;
  const out = data.subset(Int32Array.from(keepRows));
  out.values.set(newValues);
  return out;
}
