import { InvalidParameterError } from '../errors.js';
import { Rng } from '../math/rng.js';
import type { Interactions } from './interactions.js';
import type { Split, Splitter } from './split.js';

/*
 * Every splitter is a factory returning a `Splitter` (data => Split[]): configure once, apply to any dataset. All are
 * deterministic (seeded where random). Train and test rows keep their original order and share the parent's id maps.
 */

/** Builds the split whose test rows are those with `isTest[row] = 1`. */
function splitByMask(data: Interactions, isTest: Uint8Array, name: string): Split {
  const n = data.length;
  let nTest = 0;
  for (let r = 0; r < n; r++) nTest += isTest[r];
  const train = new Int32Array(n - nTest),
    test = new Int32Array(nTest);
  let a = 0,
    b = 0;
  for (let r = 0; r < n; r++) {
    if (isTest[r]) test[b++] = r;
    else train[a++] = r;
  }
  return { name, train: data.subset(train), test: data.subset(test) };
}

function checkInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new InvalidParameterError(`${name} must be an integer ≥ ${min}, got ${v}`);
}

/**
 * K-fold cross-validation over rows, like Surprise's `KFold(n_splits=k, shuffle=True)`: shuffle the rows with the
 * seed, then cut them into k consecutive folds whose sizes differ by at most one (the first `n % k` folds get one
 * extra row). Fold i tests on its rows and trains on all others. The shuffle is Kindred's own RNG, so folds differ
 * from Surprise's numpy ones; to reproduce Surprise's folds exactly, use `foldsFromAssignment` with a fold file.
 *
 * @example
 * const splits = kFold(5, 0)(data); // 5 splits, each test ≈ 20% of the rows, tests disjoint and covering all rows
 */
export function kFold(k = 5, seed = 0): Splitter {
  checkInt('kFold: k', k, 2);
  return (data) => {
    const n = data.length;
    if (k > n) throw new InvalidParameterError(`kFold: k = ${k} exceeds the ${n} rows`);
    const perm = new Rng(seed).permutation(n);
    const splits: Split[] = [];
    let stop = 0;
    for (let f = 0; f < k; f++) {
      const start = stop;
      stop += Math.floor(n / k) + (f < n % k ? 1 : 0);
      const isTest = new Uint8Array(n);
      for (let p = start; p < stop; p++) isTest[perm[p]] = 1;
      splits.push(splitByMask(data, isTest, `fold ${f + 1}/${k}`));
    }
    return splits;
  };
}

/**
 * One random train/test split of rows: `ceil(testRatio · n)` random rows go to test (Surprise's `train_test_split`
 * rounding).
 *
 * @example
 * const [split] = randomHoldout(0.2, 42)(data);
 */
export function randomHoldout(testRatio = 0.2, seed = 0): Splitter {
  if (!(testRatio > 0 && testRatio < 1))
    throw new InvalidParameterError(`randomHoldout: testRatio must be in (0, 1), got ${testRatio}`);
  return (data) => {
    const n = data.length;
    const nTest = Math.ceil(testRatio * n);
    const perm = new Rng(seed).permutation(n);
    const isTest = new Uint8Array(n);
    for (let p = 0; p < nTest; p++) isTest[perm[p]] = 1;
    return [splitByMask(data, isTest, `holdout ${testRatio}`)];
  };
}

/**
 * Per-user random holdout: for each user, a random share (`test` in (0, 1), rounded) or a fixed number (`test` an
 * integer ≥ 1) of their rows goes to test. At least `minTrain` rows (default 1) of each user stay in train, so every
 * test user is known at training time.
 *
 * @example
 * const [split] = perUserHoldout(0.2, 7)(data);  // ≈ 20% of each user's rows
 * const [split5] = perUserHoldout(5, 7)(data);   // 5 rows per user (fewer when a user has ≤ 5)
 */
export function perUserHoldout(test: number = 0.2, seed = 0, opts: { minTrain?: number } = {}): Splitter {
  const ratio = test > 0 && test < 1;
  if (!ratio) checkInt('perUserHoldout: test (a ratio in (0, 1) or a count)', test, 1);
  const minTrain = opts.minTrain ?? 1;
  checkInt('perUserHoldout: minTrain', minTrain, 0);
  return (data) => {
    const { indptr, order } = data.byUser();
    const rows = order.slice();
    const rng = new Rng(seed);
    const isTest = new Uint8Array(data.length);
    for (let u = 0; u < data.nUsers; u++) {
      const a = indptr[u],
        c = indptr[u + 1] - a;
      const t = Math.max(0, Math.min(ratio ? Math.round(test * c) : test, c - minTrain));
      if (t === 0) continue;
      const seg = rows.subarray(a, a + c);
      rng.shuffle(seg);
      for (let q = 0; q < t; q++) isTest[seg[q]] = 1;
    }
    return [splitByMask(data, isTest, ratio ? `per-user holdout ${test}` : `per-user holdout ${test} rows`)];
  };
}

/**
 * Global temporal split: rows before the cut train, rows at or after it test. The cut is a timestamp, or the
 * timestamp at the given quantile of all rows (rows tied with it go to test, so test gets at least `1 - quantile`).
 *
 * @example
 * const [split] = globalTimeCut({ quantile: 0.8 })(data); // the latest ~20% of rows are the test set
 * const [s2] = globalTimeCut({ timestamp: 893_000_000 })(data);
 */
export function globalTimeCut(cut: { quantile: number } | { timestamp: number }): Splitter {
  if ('quantile' in cut && !(cut.quantile > 0 && cut.quantile < 1))
    throw new InvalidParameterError(`globalTimeCut: quantile must be in (0, 1), got ${cut.quantile}`);
  if ('timestamp' in cut && !Number.isFinite(cut.timestamp))
    throw new InvalidParameterError(`globalTimeCut: timestamp must be finite, got ${cut.timestamp}`);
  return (data) => {
    const ts = requireTimestamps(data, 'globalTimeCut');
    const n = data.length;
    let at: number;
    if ('quantile' in cut) {
      if (n === 0) throw new InvalidParameterError('globalTimeCut: no rows');
      const sorted = Float64Array.from(ts).sort();
      at = sorted[Math.min(n - 1, Math.floor(cut.quantile * n))];
    } else at = cut.timestamp;
    const isTest = new Uint8Array(n);
    for (let r = 0; r < n; r++) if (ts[r] >= at) isTest[r] = 1;
    return [splitByMask(data, isTest, `time cut at ${at}`)];
  };
}

/**
 * Per-user temporal holdout: each user's latest `n` rows go to test, keeping at least `minTrain` (default 1) in train.
 * Rows are ordered by timestamp, ties (and data without timestamps) by row order: a later row counts as later.
 *
 * @example
 * const [split] = perUserLastN(2)(data); // each user's 2 most recent interactions are the test set
 */
export function perUserLastN(n = 1, opts: { minTrain?: number; name?: string } = {}): Splitter {
  checkInt('perUserLastN: n', n, 1);
  const minTrain = opts.minTrain ?? 1;
  checkInt('perUserLastN: minTrain', minTrain, 0);
  return (data) => {
    const rows = rowsByUserInTimeOrder(data);
    const { indptr } = data.byUser();
    const isTest = new Uint8Array(data.length);
    for (let u = 0; u < data.nUsers; u++) {
      const a = indptr[u],
        b = indptr[u + 1];
      const t = Math.max(0, Math.min(n, b - a - minTrain));
      for (let q = b - t; q < b; q++) isTest[rows[q]] = 1;
    }
    return [splitByMask(data, isTest, opts.name ?? `last ${n} per user`)];
  };
}

/**
 * Leave-last-out without a validation item: each user's latest interaction is the test set, everything before it
 * trains (RecBole's `LS: test_only`; the CLI's `--protocol leave-last-out-test-only`). Ties in timestamp are broken by
 * row order (the later row is "last"); users with a single interaction stay entirely in train. For RecBole's default
 * `LS: valid_and_test` (the second-to-last item held out for validation), see `leaveLastOutValidTest`.
 *
 * @example
 * const [split] = leaveLastOut()(data);
 */
export function leaveLastOut(): Splitter {
  return perUserLastN(1, { name: 'leave-last-out' });
}

/**
 * Folds from an explicit assignment: row r is tested in fold `foldOfRow[r]` (0-based). With a fold file written by
 * Surprise (e.g. `KFold(5, random_state=0)`), evaluation uses exactly Surprise's folds. Every fold 0..max must be
 * non-empty.
 *
 * @example
 * const splits = foldsFromAssignment(Int32Array.from([0, 1, 0, 1]))(data); // 2 splits
 */
export function foldsFromAssignment(foldOfRow: Int32Array): Splitter {
  let k = 0;
  for (let r = 0; r < foldOfRow.length; r++) {
    const f = foldOfRow[r];
    if (f < 0) throw new InvalidParameterError(`foldsFromAssignment: row ${r} has negative fold ${f}`);
    if (f + 1 > k) k = f + 1;
  }
  const sizes = new Int32Array(k);
  for (let r = 0; r < foldOfRow.length; r++) sizes[foldOfRow[r]]++;
  for (let f = 0; f < k; f++)
    if (sizes[f] === 0) throw new InvalidParameterError(`foldsFromAssignment: fold ${f} has no rows`);
  return (data) => {
    if (data.length !== foldOfRow.length)
      throw new InvalidParameterError(`foldsFromAssignment: ${foldOfRow.length} fold entries for ${data.length} rows`);
    const splits: Split[] = [];
    for (let f = 0; f < k; f++) {
      const isTest = new Uint8Array(data.length);
      for (let r = 0; r < data.length; r++) if (foldOfRow[r] === f) isTest[r] = 1;
      splits.push(splitByMask(data, isTest, `fold ${f + 1}/${k}`));
    }
    return splits;
  };
}

function requireTimestamps(data: Interactions, who: string): Float64Array {
  if (!data.timestamps) throw new InvalidParameterError(`${who}: the data has no timestamps`);
  return data.timestamps;
}

/**
 * Row indices grouped by user (the CSR segments of `data.byUser()`), each user's rows sorted by (timestamp, row):
 * an exact, stable sort, so equal timestamps keep the input's row order. Without timestamps, row order alone.
 */
export function rowsByUserInTimeOrder(data: Interactions): Int32Array {
  const { indptr, order } = data.byUser();
  const rows = order.slice();
  const ts = data.timestamps;
  const cmp = ts ? (x: number, y: number) => ts[x] - ts[y] || x - y : (x: number, y: number) => x - y;
  for (let u = 0; u < data.nUsers; u++) {
    if (indptr[u + 1] - indptr[u] > 1) rows.subarray(indptr[u], indptr[u + 1]).sort(cmp);
  }
  return rows;
}

/**
 * Stratified random split, the rule of Microsoft Recommenders' `python_stratified_split(ratio, filter_by, seed)`: rows
 * are grouped by item (or user), each group is shuffled with the seed and its first `floor(ratio · size)` rows train,
 * the rest test. Every item (user) keeps ~`ratio` of its rows in train. Re-implemented: the same rule, not
 * byte-identical rows (pandas' shuffle is numpy's RNG).
 *
 * @example
 * const [split] = stratifiedSplit({ ratio: 0.75, by: 'item', seed: 42 })(data); // MS Recommenders' ML-100K protocol
 */
export function stratifiedSplit(opts: { ratio?: number; by?: 'item' | 'user'; seed?: number } = {}): Splitter {
  const ratio = opts.ratio ?? 0.75;
  const by = opts.by ?? 'user';
  if (!(ratio > 0 && ratio < 1))
    throw new InvalidParameterError(`stratifiedSplit: ratio must be in (0, 1), got ${ratio}`);
  return (data) => {
    const { indptr, order } = by === 'item' ? data.byItem() : data.byUser();
    const rows = order.slice();
    const rng = new Rng(opts.seed ?? 42);
    const isTest = new Uint8Array(data.length);
    for (let g = 0; g < indptr.length - 1; g++) {
      const a = indptr[g],
        c = indptr[g + 1] - a;
      if (c === 0) continue;
      const seg = rows.subarray(a, a + c);
      rng.shuffle(seg);
      for (let q = Math.floor(ratio * c); q < c; q++) isTest[seg[q]] = 1;
    }
    return [splitByMask(data, isTest, `stratified by ${by} ${ratio}`)];
  };
}
