import { InvalidParameterError } from '../errors.js';
import { Rng } from '../math/rng.js';
import type { Interactions } from './interactions.js';
import type { Split } from './split.js';

/** A split whose test rows are all the rows of some items, none of which appear in train. */
export interface ColdItemSplit extends Split {
  /** The held-out items (indices ascending): rank among these to evaluate (see `evaluateColdItems`). */
  coldItems: Int32Array;
}

/** Options of `coldItems`. */
export interface ColdItemsOptions {
  /** Items held out: a share of the items with rows when in (0, 1) (rounded, at least 1), or a count (default 0.2). */
  testItems?: number;
  seed?: number;
}

/**
 * Cold-item protocol (item cold start, as in Gantner et al. 2010, "Learning attribute-to-feature mappings for
 * cold-start recommendations"): a seeded random share of the items that have rows is held out entirely; every row of
 * a held-out item goes to test, every other row to train. A model then has to rank items it never saw in training,
 * from their features alone; evaluate by ranking, for each test user, among the cold items only.
 *
 * @example
 * const [split] = coldItems({ testItems: 0.2, seed: 0 })(data);
 * split.coldItems.length; // ≈ 20 % of the items
 * evaluateColdItems(model, split, { k: 10 }).metrics['ndcg@10'];
 */
export function coldItems(opts: ColdItemsOptions = {}): (data: Interactions) => ColdItemSplit[] {
  const share = opts.testItems ?? 0.2;
  const isShare = share > 0 && share < 1;
  if (!isShare && !(Number.isInteger(share) && share >= 1))
    throw new InvalidParameterError(`coldItems: testItems must be a share in (0, 1) or a count ≥ 1, got ${share}`);
  return (data) => {
    const counts = data.itemCounts();
    const active: number[] = [];
    for (let i = 0; i < counts.length; i++) if (counts[i] > 0) active.push(i);
    const nCold = isShare ? Math.max(1, Math.round(share * active.length)) : share;
    if (nCold >= active.length)
      throw new InvalidParameterError(`coldItems: cannot hold out ${nCold} of ${active.length} items with rows`);
    const perm = new Rng(opts.seed ?? 0).permutation(active.length);
    const cold = new Int32Array(nCold);
    for (let c = 0; c < nCold; c++) cold[c] = active[perm[c]];
    cold.sort();
    const isCold = new Uint8Array(data.nItems);
    for (let c = 0; c < nCold; c++) isCold[cold[c]] = 1;
    const train: number[] = [],
      test: number[] = [];
    for (let r = 0; r < data.length; r++) (isCold[data.items[r]] ? test : train).push(r);
    return [
      {
        name: `cold items ${isShare ? share : nCold}`,
        train: data.subset(Int32Array.from(train)),
        test: data.subset(Int32Array.from(test)),
        coldItems: cold,
      },
    ];
  };
}
