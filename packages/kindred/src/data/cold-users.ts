import { InvalidParameterError } from '../errors.js';
import { Rng } from '../math/rng.js';
import type { Interactions } from './interactions.js';
import type { Split } from './split.js';

/** A split whose test users keep only their first `known` rows in train. */
export interface ColdUserSplit extends Split {
  /** The held-out users (indices ascending). */
  coldUsers: Int32Array;
  /** Rows of each cold user given to train. */
  known: number;
}

/** Options of `coldUsers`. */
export interface ColdUsersOptions {
  /** Users held out: a share of the users with rows when in (0, 1) (rounded, at least 1), or a count (default 0.2). */
  testUsers?: number;
  /** How many of each cold user's earliest rows go to train (default 0: the model never saw them). */
  known?: number;
  seed?: number;
}

/**
 * Cold-user protocol (user cold start, "new user" with n ratings as in Rashid et al. 2002, "Getting to know you"):
 * a seeded random share of the users with rows is held out; each keeps their first `known` rows by time in train
 * (ties, and data without timestamps, by row order) and all later rows go to test. All other users stay in train
 * whole. With `known = 0` the cold users are unknown to the model: evaluate with `skipColdUsers: false`.
 *
 * @example
 * const [split] = coldUsers({ testUsers: 0.2, known: 5, seed: 0 })(data);
 * evaluateRanking(model, split.train, split.test, { skipColdUsers: false }).metrics['ndcg@10'];
 */
export function coldUsers(opts: ColdUsersOptions = {}): (data: Interactions) => ColdUserSplit[] {
  const share = opts.testUsers ?? 0.2;
  const known = opts.known ?? 0;
  const isShare = share > 0 && share < 1;
  if (!isShare && !(Number.isInteger(share) && share >= 1))
    throw new InvalidParameterError(`coldUsers: testUsers must be a share in (0, 1) or a count ≥ 1, got ${share}`);
  if (!Number.isInteger(known) || known < 0)
    throw new InvalidParameterError(`coldUsers: known must be an integer ≥ 0, got ${known}`);
  return (data) => {
    const { indptr, order } = data.byUser();
    const active: number[] = [];
    for (let u = 0; u < data.nUsers; u++) if (indptr[u + 1] > indptr[u]) active.push(u);
    const nCold = isShare ? Math.max(1, Math.round(share * active.length)) : share;
    if (nCold >= active.length)
      throw new InvalidParameterError(`coldUsers: cannot hold out ${nCold} of ${active.length} users with rows`);
    const perm = new Rng(opts.seed ?? 0).permutation(active.length);
    const cold = new Int32Array(nCold);
    for (let c = 0; c < nCold; c++) cold[c] = active[perm[c]];
    cold.sort();
    const isTest = new Uint8Array(data.length);
    const ts = data.timestamps;
    const byTime = ts ? (x: number, y: number) => ts[x] - ts[y] || x - y : (x: number, y: number) => x - y;
    for (let c = 0; c < nCold; c++) {
      const u = cold[c];
      const rows = order.slice(indptr[u], indptr[u + 1]).sort(byTime);
      for (let q = known; q < rows.length; q++) isTest[rows[q]] = 1;
    }
    const train: number[] = [],
      test: number[] = [];
    for (let r = 0; r < data.length; r++) (isTest[r] ? test : train).push(r);
    return [
      {
        name: `cold users ${isShare ? share : nCold}, ${known} known`,
        train: data.subset(Int32Array.from(train)),
        test: data.subset(Int32Array.from(test)),
        coldUsers: cold,
        known,
      },
    ];
  };
}
