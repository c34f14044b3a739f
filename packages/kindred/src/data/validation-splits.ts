import { InvalidParameterError } from '../errors.js';
import { Rng } from '../math/rng.js';
import type { Interactions } from './interactions.js';
import type { Split, Splitter } from './split.js';
import { rowsByUserInTimeOrder } from './splitters.js';

/*
 * Three-way (train / validation / test) splits per user, reproducing RecBole's `Dataset.build()` rules (RecBole 1.2,
 * recbole/data/dataset/dataset.py: `leave_one_out`, `_split_index_by_leave_one_out`, `split_by_ratio`,
 * `_calcu_split_ids`). The validation part is for early stopping and model selection; it is never trained on, and
 * at test time its items are masked together with the training items, as RecBole's test-phase history is
 * train ∪ valid.
 */

/** Builds the split whose rows are labelled 0 (train), 1 (validation) or 2 (test) in `part`. */
function splitByPart(data: Interactions, part: Uint8Array, name: string): Split {
  const rows: number[][] = [[], [], []];
  for (let r = 0; r < data.length; r++) rows[part[r]].push(r);
  return {
    name,
    train: data.subset(Int32Array.from(rows[0])),
    validation: data.subset(Int32Array.from(rows[1])),
    test: data.subset(Int32Array.from(rows[2])),
  };
}

/**
 * Leave-last-out with a validation item, RecBole's `eval_args: {split: {LS: valid_and_test}, order: TO}`: per user,
 * the interactions ordered by time, the last is the test item, the second-to-last the validation item, the rest
 * train. Users with 2 interactions give the later one to test and none to validation; users with 1 keep it in train
 * (RecBole's `legal_leave_one_num = min(2, n - 1)`).
 *
 * Ties: an exact stable sort on (timestamp, row), so equal timestamps keep the input's row order. RecBole sorts a
 * float32 copy of the min-max-normalised timestamp (stably, in file order), which merges timestamps a few seconds
 * apart; on MovieLens 100K that gives 4 of 943 users a different test item than this exact order. Without timestamps,
 * row order alone.
 *
 * @example
 * const [split] = leaveLastOutValidTest()(data);
 * split.test;        // each user's latest interaction
 * split.validation;  // each user's second-to-last interaction
 */
export function leaveLastOutValidTest(): Splitter {
  return (data) => {
    const rows = rowsByUserInTimeOrder(data);
    const { indptr } = data.byUser();
    const part = new Uint8Array(data.length);
    for (let u = 0; u < data.nUsers; u++) {
      const a = indptr[u],
        b = indptr[u + 1];
      const held = Math.min(2, b - a - 1); // RecBole's legal_leave_one_num
      if (held >= 1) part[rows[b - 1]] = 2;
      if (held === 2) part[rows[b - 2]] = 1;
    }
    return [splitByPart(data, part, 'leave-last-out (valid and test)')];
  };
}

/**
 * The sizes of the parts of one group of `n` rows split by `ratios`, RecBole's `_calcu_split_ids` exactly: every part
 * but the first gets `floor(ratio · n)` (ratios normalised by their sum, in the same float operations), the first
 * the rest; then, from the last part backwards, a part whose `ratio · n` lies in (0, 1) takes one row from the first
 * part, while the first part has more than one. So 3 rows at 8:1:1 give 1/1/1, 2 rows 1/0/1, 1 row 1/0/0, 20 rows
 * 16/2/2, 25 rows 21/2/2.
 *
 * @example
 * recboleSplitSizes(5, [0.8, 0.1, 0.1]); // [3, 1, 1]
 * recboleSplitSizes(25, [0.8, 0.1, 0.1]); // [21, 2, 2]
 */
export function recboleSplitSizes(n: number, ratios: readonly number[]): number[] {
  // Python's sum() and list comprehension, in the same IEEE-754 double operations and order.
  let total = 0;
  for (const r of ratios) total += r;
  const norm = ratios.map((r) => r / total);
  const cnt = norm.map((r) => Math.trunc(r * n));
  let rest = 0;
  for (let i = 1; i < cnt.length; i++) rest += cnt[i];
  cnt[0] = n - rest;
  for (let i = 1; i < norm.length; i++) {
    if (cnt[0] <= 1) break;
    const x = norm[norm.length - i] * n;
    if (x > 0 && x < 1) {
      cnt[cnt.length - i] += 1;
      cnt[0] -= 1;
    }
  }
  return cnt;
}

/** Options of `perUserRatioSplit`. */
export interface PerUserRatioSplitOptions {
  /** Train, validation and test ratios; need not sum to 1 (default `[0.8, 0.1, 0.1]`, RecBole's default). */
  ratios?: readonly [number, number, number];
  /** Seed of the per-user random order (default 0). */
  seed?: number;
}

/**
 * RecBole's default general-recommendation split, `eval_args: {split: {RS: [0.8, 0.1, 0.1]}, order: RO, group_by:
 * user}`: each user's interactions in a random order (seeded), the first part trains, the next validates, the last
 * tests, with the part sizes of `recboleSplitSizes` (RecBole's rounding, so e.g. a user with 25 interactions has
 * 21/2/2). The random order is Kindred's RNG (RecBole shuffles all rows with torch's), so the rows differ from
 * RecBole's, the sizes do not.
 *
 * @example
 * const [split] = perUserRatioSplit({ seed: 0 })(data); // ≈ 80/10/10 per user
 */
export function perUserRatioSplit(opts: PerUserRatioSplitOptions = {}): Splitter {
  const ratios = opts.ratios ?? [0.8, 0.1, 0.1];
  if (ratios.length !== 3 || ratios.some((r) => !(r >= 0) || !Number.isFinite(r)) || !(ratios[0] > 0))
    throw new InvalidParameterError(
      `perUserRatioSplit: ratios must be 3 finite numbers ≥ 0 with train > 0, got [${ratios.join(', ')}]`,
    );
  const seed = opts.seed ?? 0;
  return (data) => {
    const { indptr, order } = data.byUser();
    const rows = order.slice();
    const rng = new Rng(seed);
    const part = new Uint8Array(data.length);
    for (let u = 0; u < data.nUsers; u++) {
      const a = indptr[u],
        n = indptr[u + 1] - a;
      if (n === 0) continue;
      const seg = rows.subarray(a, a + n);
      rng.shuffle(seg);
      const [nTrain, nValid] = recboleSplitSizes(n, ratios);
      for (let q = nTrain; q < n; q++) part[seg[q]] = q < nTrain + nValid ? 1 : 2;
    }
    return [splitByPart(data, part, `per-user ratio ${ratios.join(':')} seed ${seed}`)];
  };
}
