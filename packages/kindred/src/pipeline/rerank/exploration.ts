import { InvalidParameterError } from '../../errors.js';
import type { Rng } from '../../math/rng.js';
import { byScore, type RankedItem } from '../rank.js';

/**
 * Per-item impressions and clicks: the evidence the exploration re-rankers use. Grows as item indices appear.
 *
 * @example
 * const exposure = new ItemExposure();
 * exposure.record(7, 1000, 30); // 1000 impressions, 30 clicks
 * exposure.posteriorMean(7);    // (1 + 30) / (2 + 1000)
 */
export class ItemExposure {
  impressions: Float64Array;
  clicks: Float64Array;

  constructor(nItems = 0) {
    this.impressions = new Float64Array(nItems);
    this.clicks = new Float64Array(nItems);
  }

  /** Adds `impressions` shows and `clicks` clicks of `item` (clicks ≤ impressions overall). */
  record(item: number, impressions: number, clicks = 0): void {
    if (!(impressions >= 0) || !(clicks >= 0))
      throw new InvalidParameterError('ItemExposure: impressions and clicks must be ≥ 0');
    this.ensure(item + 1);
    this.impressions[item] += impressions;
    this.clicks[item] += clicks;
    if (this.clicks[item] > this.impressions[item])
      throw new InvalidParameterError(`ItemExposure: item ${item} has more clicks than impressions`);
  }

  /** Records one impression of every item in a shown list. */
  shown(items: ArrayLike<number>): void {
    for (let k = 0; k < items.length; k++) this.record(items[k], 1, 0);
  }

  /** Posterior mean click-through under a uniform prior: (1 + clicks) / (2 + impressions). */
  posteriorMean(item: number): number {
    return (1 + this.clicksOf(item)) / (2 + this.impressionsOf(item));
  }

  impressionsOf(item: number): number {
    return item < this.impressions.length ? this.impressions[item] : 0;
  }

  clicksOf(item: number): number {
    return item < this.clicks.length ? this.clicks[item] : 0;
  }

  private ensure(n: number): void {
    if (n <= this.impressions.length) return;
    const cap = Math.max(n, this.impressions.length * 2);
    const imp = new Float64Array(cap),
      clk = new Float64Array(cap);
    imp.set(this.impressions);
    clk.set(this.clicks);
    this.impressions = imp;
    this.clicks = clk;
  }
}

/**
 * A Gamma(shape ≥ 1, 1) deviate (Marsaglia & Tsang 2000), from the seeded generator.
 */
function gammaSample(rng: Rng, shape: number): number {
  const d = shape - 1 / 3,
    c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number, v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/**
 * A Beta(a, b) deviate for a, b ≥ 1, as G_a / (G_a + G_b) with Gamma deviates.
 *
 * @example
 * betaSample(new Rng(1), 1, 1); // uniform on [0, 1]
 */
export function betaSample(rng: Rng, a: number, b: number): number {
  if (!(a >= 1 && b >= 1)) throw new InvalidParameterError(`betaSample: a and b must be ≥ 1, got ${a}, ${b}`);
  const x = gammaSample(rng, a),
    y = gammaSample(rng, b);
  return x / (x + y);
}

/** Options of `thompsonExploration`. */
export interface ThompsonOptions {
  /** Scale of the sampled click-through added to each score (default 0.1). */
  weight?: number;
  /** The seeded generator: the same seed and inputs give the same list. */
  rng: Rng;
}

/**
 * Thompson sampling on click-through (Chapelle & Li 2011, "An Empirical Evaluation of Thompson Sampling"): for each
 * item draw θ_i ~ Beta(1 + clicks_i, 1 + impressions_i − clicks_i) and add `weight`·(θ_i − ½) to its score, then
 * re-sort. The exposure bonus is the draw's optimism: an item never shown draws uniformly, so it is often lifted
 * above better-scored items; as impressions grow the posterior narrows (its spread shrinks like 1/√impressions) and
 * the item settles at its measured click-through — high-CTR items stay lifted, low-CTR ones sink. Mutates scores.
 *
 * @example
 * const rng = new Rng(42);
 * items = thompsonExploration(items, exposure, { weight: 0.2, rng });
 */
export function thompsonExploration(items: RankedItem[], exposure: ItemExposure, opts: ThompsonOptions): RankedItem[] {
  const weight = opts.weight ?? 0.1;
  if (!(weight >= 0)) throw new InvalidParameterError('thompsonExploration: weight must be ≥ 0');
  if (weight === 0) return items;
  for (const r of items) {
    const n = exposure.impressionsOf(r.item),
      c = exposure.clicksOf(r.item);
    r.score += weight * (betaSample(opts.rng, 1 + c, 1 + n - c) - 0.5);
  }
  return items.sort(byScore);
}

/** Options of `epsilonGreedyExploration`. */
export interface EpsilonGreedyOptions {
  /** Chance that a slot of the first `k` explores (default 0.1). */
  epsilon?: number;
  /** The slots exploration may take (default 10): the page shown. */
  k?: number;
  /** The seeded generator: the same seed and inputs give the same list. */
  rng: Rng;
}

/**
 * Epsilon-greedy exploration: each of the first `k` slots, with probability ε, is given to an item from below the
 * top `k` instead of the exploited one; the explored item is drawn with probability ∝ 1 / (1 + impressions), so
 * never-shown items are favoured and an item's exposure bonus shrinks as its impressions grow. The displaced items
 * move down in order. Scores are left as they were (the order carries the exploration).
 *
 * @example
 * items = epsilonGreedyExploration(items, exposure, { epsilon: 0.1, k: 10, rng: new Rng(7) });
 */
export function epsilonGreedyExploration(
  items: RankedItem[],
  exposure: ItemExposure,
  opts: EpsilonGreedyOptions,
): RankedItem[] {
  const eps = opts.epsilon ?? 0.1;
  const k = Math.min(opts.k ?? 10, items.length);
  if (!(eps >= 0 && eps <= 1)) throw new InvalidParameterError('epsilonGreedyExploration: epsilon must be in [0, 1]');
  const pool = items.slice(k);
  if (eps === 0 || pool.length === 0) return items;
  const head = items.slice(0, k);
  const out: RankedItem[] = [];
  const weights = pool.map((r) => 1 / (1 + exposure.impressionsOf(r.item)));
  const taken = new Uint8Array(pool.length);
  let h = 0;
  for (let slot = 0; slot < k; slot++) {
    const left = weights.reduce((s, w, p) => (taken[p] ? s : s + w), 0);
    if (left > 0 && opts.rng.next() < eps) {
      let x = opts.rng.next() * left,
        p = 0;
      for (; p < pool.length; p++) {
        if (taken[p]) continue;
        x -= weights[p];
        if (x < 0) break;
      }
      if (p === pool.length) p = pool.length - 1 - [...taken].reverse().findIndex((t) => t === 0);
      taken[p] = 1;
      out.push(pool[p]);
    } else out.push(head[h++]);
  }
  for (; h < head.length; h++) out.push(head[h]);
  for (let p = 0; p < pool.length; p++) if (!taken[p]) out.push(pool[p]);
  return out;
}
