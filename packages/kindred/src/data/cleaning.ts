import { InvalidParameterError } from '../errors.js';
import { IdMap } from './id-map.js';
import { Interactions, type DuplicatePolicy } from './interactions.js';

/*
 * Cleaning helpers. Each returns a new Interactions sharing the input's id maps (so indices stay comparable with the
 * unfiltered data); `compactIds` drops ids left without rows when a dense id space matters.
 */

/** Options of `filterMinCounts`. */
export interface MinCountOptions {
  /** Keep users with at least this many rows (default 1). */
  minUser?: number;
  /** Keep items with at least this many rows (default 1). */
  minItem?: number;
  /** Repeat until stable (the k-core when minUser = minItem = k): removing items can push users under the minimum. */
  iterative?: boolean;
}

/**
 * Drops rows of users with fewer than `minUser` rows and of items with fewer than `minItem` rows. One pass counts on
 * the input; with `iterative`, passes repeat on the remaining rows until no row is dropped, giving the (minUser,
 * minItem)-core.
 *
 * @example
 * const dense = filterMinCounts(data, { minUser: 5, minItem: 5, iterative: true });
 */
export function filterMinCounts(data: Interactions, opts: MinCountOptions = {}): Interactions {
  const minUser = opts.minUser ?? 1,
    minItem = opts.minItem ?? 1;
  for (const [k, v] of [
    ['minUser', minUser],
    ['minItem', minItem],
  ] as const)
    if (!Number.isInteger(v) || v < 0) throw new InvalidParameterError(`filterMinCounts: ${k} must be an integer ≥ 0`);
  const n = data.length;
  const keep = new Uint8Array(n).fill(1);
  const uc = new Int32Array(data.nUsers),
    ic = new Int32Array(data.nItems);
  for (;;) {
    uc.fill(0);
    ic.fill(0);
    for (let r = 0; r < n; r++) {
      if (!keep[r]) continue;
      uc[data.users[r]]++;
      ic[data.items[r]]++;
    }
    let dropped = 0;
    for (let r = 0; r < n; r++) {
      if (keep[r] && (uc[data.users[r]] < minUser || ic[data.items[r]] < minItem)) {
        keep[r] = 0;
        dropped++;
      }
    }
    if (!opts.iterative || dropped === 0) break;
  }
  return subsetMask(data, keep);
}

/**
 * The k-core: the largest subset in which every user and every item has at least k rows.
 *
 * @example
 * const core = kCore(data, 10);
 */
export function kCore(data: Interactions, k: number): Interactions {
  return filterMinCounts(data, { minUser: k, minItem: k, iterative: true });
}

/**
 * Keeps rows whose value lies in [min, max] (either bound optional).
 *
 * @example
 * const liked = filterByValue(data, { min: 4 }); // ratings 4 and 5
 */
export function filterByValue(data: Interactions, opts: { min?: number; max?: number }): Interactions {
  const min = opts.min ?? -Infinity,
    max = opts.max ?? Infinity;
  const keep = new Uint8Array(data.length);
  for (let r = 0; r < data.length; r++) keep[r] = data.values[r] >= min && data.values[r] <= max ? 1 : 0;
  return subsetMask(data, keep);
}

/**
 * Turns ratings into implicit positives: rows with value ≥ `threshold` are kept with value 1, the rest dropped (the
 * usual "rating ≥ 4 is a positive" convention for top-N evaluation on MovieLens).
 *
 * @example
 * const positives = binarize(data, { threshold: 4 });
 */
export function binarize(data: Interactions, opts: { threshold?: number } = {}): Interactions {
  const out = filterByValue(data, { min: opts.threshold ?? 4 });
  out.values.fill(1);
  return out;
}

/**
 * Combines rows of the same (user, item) pair with a policy ('last', 'first', 'sum', 'mean', 'max'; 'keep' leaves
 * the data as is). The same rules as `InteractionsBuilder.build(policy)`.
 *
 * @example
 * const unique = dedupe(data, 'last');
 */
export function dedupe(data: Interactions, policy: DuplicatePolicy): Interactions {
  return data.dedupe(policy);
}

/**
 * A copy with fresh id maps holding only the users and items that have rows (indices renumbered in order of their old
 * index). Use after heavy filtering when models should not allocate factors for ids without data.
 *
 * @example
 * const compact = compactIds(kCore(data, 10));
 * compact.nUsers <= data.nUsers; // true
 */
export function compactIds(data: Interactions): Interactions {
  const remap = (idx: Int32Array, ids: IdMap): { out: Int32Array; map: IdMap } => {
    const used = new Uint8Array(ids.size);
    for (let r = 0; r < idx.length; r++) used[idx[r]] = 1;
    const to = new Int32Array(ids.size).fill(-1);
    const map = new IdMap();
    for (let i = 0; i < ids.size; i++) if (used[i]) to[i] = map.add(ids.id(i));
    const out = new Int32Array(idx.length);
    for (let r = 0; r < idx.length; r++) out[r] = to[idx[r]];
    return { out, map };
  };
  const u = remap(data.users, data.userIds),
    i = remap(data.items, data.itemIds);
  return new Interactions({
    users: u.out,
    items: i.out,
    values: data.values.slice(),
    timestamps: data.timestamps ? data.timestamps.slice() : null,
    userIds: u.map,
    itemIds: i.map,
  });
}

function subsetMask(data: Interactions, keep: Uint8Array): Interactions {
  let m = 0;
  for (let r = 0; r < keep.length; r++) m += keep[r];
  const rows = new Int32Array(m);
  for (let r = 0, k = 0; r < keep.length; r++) if (keep[r]) rows[k++] = r;
  return data.subset(rows);
}
