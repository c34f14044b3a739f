import { InvalidParameterError } from '../errors.js';
import { Rng } from '../math/rng.js';
import { IdMap } from './id-map.js';
import { Interactions } from './interactions.js';
import { syntheticSequences } from './synthetic-sequences.js';

/** Options of the synthetic generator; every field has a default. */
export interface SyntheticOptions {
  users?: number;
  items?: number;
  /** Target number of (user, item) rows before duplicates are merged (default 20 per user). */
  interactions?: number;
  /** Latent dimensions of the hidden taste model. */
  factors?: number;
  /** Zipf exponent of item popularity (1 ≈ real catalogues). */
  popularityExponent?: number;
  /** Zipf exponent of user activity. */
  activityExponent?: number;
  /**
   * 'rating': integer stars 1..5 from the latent model; 'implicit': value 1 for every interaction; 'sequential':
   * implicit rows whose order carries signal, each user's next item following a hidden item-to-item chain from her
   * previous one (`syntheticSequences`).
   */
  kind?: 'rating' | 'implicit' | 'sequential';
  /** 'sequential': successors per item in the hidden chain (default 3). */
  successors?: number;
  /** 'sequential': probability that the next item follows the chain (default 0.7). */
  orderStrength?: number;
  /** Std of Gaussian noise added to the latent rating. */
  noise?: number;
  seed?: number;
}

/**
 * Seeded synthetic interactions: a latent-factor taste model (user and item vectors, biases), power-law item
 * popularity and user activity, and Gaussian noise. Items are chosen by popularity tilted towards the user's taste,
 * so collaborative filtering has real structure to find. Ids are strings `u0…`, `i0…`; timestamps increase with row
 * order. The same options and seed always give the same data.
 *
 * @example
 * const data = synthetic({ users: 500, items: 300, interactions: 20_000, seed: 1 });
 */
export function synthetic(opts: SyntheticOptions = {}): Interactions {
  if (opts.kind === 'sequential') return syntheticSequences(opts);
  const nUsers = opts.users ?? 200;
  const nItems = opts.items ?? 100;
  const target = opts.interactions ?? nUsers * 20;
  const f = opts.factors ?? 8;
  const kind = opts.kind ?? 'rating';
  const noise = opts.noise ?? 0.3;
  for (const [k, v] of Object.entries({ users: nUsers, items: nItems, interactions: target, factors: f }))
    if (!Number.isInteger(v) || v < 1) throw new InvalidParameterError(`synthetic: ${k} must be a positive integer`);
  if (target > nUsers * nItems)
    throw new InvalidParameterError(`synthetic: ${target} interactions exceed users × items = ${nUsers * nItems}`);
  const rng = new Rng(opts.seed ?? 0);

  const userF = new Float32Array(nUsers * f),
    itemF = new Float32Array(nItems * f);
  // Component std f^(-1/4) makes the taste term u·i unit-variance whatever the number of factors.
  rng.fillNormal(userF, 0, Math.pow(f, -0.25));
  rng.fillNormal(itemF, 0, Math.pow(f, -0.25));
  const userBias = new Float32Array(nUsers),
    itemBias = new Float32Array(nItems);
  rng.fillNormal(userBias, 0, 0.3);
  rng.fillNormal(itemBias, 0, 0.4);

  // Zipf weights over a random permutation, so popularity is not tied to the id order.
  const itemCdf = zipfCdf(nItems, opts.popularityExponent ?? 0.9, rng);
  const userCdf = zipfCdf(nUsers, opts.activityExponent ?? 0.6, rng);
  const itemGuide = guideTable(itemCdf),
    userGuide = guideTable(userCdf);

  const users = new Int32Array(target),
    items = new Int32Array(target),
    values = new Float32Array(target),
    ts = new Float64Array(target);
  const seen = new PairSet(target);
  let n = 0;
  let attempts = 0;
  const maxAttempts = target * 50;
  while (n < target && attempts++ < maxAttempts) {
    const u = sample(userCdf, userGuide, rng.next());
    // Taste tilt: draw three popular candidates and keep the one the user likes most.
    let best = -1,
      bestScore = -Infinity;
    for (let c = 0; c < 3; c++) {
      const i = sample(itemCdf, itemGuide, rng.next());
      let s = itemBias[i];
      for (let d = 0; d < f; d++) s += userF[u * f + d] * itemF[i * f + d];
      if (s > bestScore) {
        bestScore = s;
        best = i;
      }
    }
    if (!seen.add(u * nItems + best)) continue;
    users[n] = u;
    items[n] = best;
    if (kind === 'rating') {
      const r = 3.2 + userBias[u] + bestScore * 1.0 + rng.normal(0, noise);
      values[n] = Math.min(5, Math.max(1, Math.round(r)));
    } else values[n] = 1;
    ts[n] = 1_000_000_000 + n * 60;
    n++;
  }
  const userIds = IdMap.from(Array.from({ length: nUsers }, (_, k) => `u${k}`));
  const itemIds = IdMap.from(Array.from({ length: nItems }, (_, k) => `i${k}`));
  // No copy when the target was reached (the usual case): at 10M rows a copy of every column is 200 MB more.
  const cut = <T extends Int32Array | Float32Array | Float64Array>(a: T): T =>
    n === target ? a : (a.slice(0, n) as T);
  return new Interactions({
    users: cut(users),
    items: cut(items),
    values: cut(values),
    timestamps: cut(ts),
    userIds,
    itemIds,
  });
}

/**
 * The set of (user, item) keys already drawn: open addressing with linear probing over a Float64Array (keys are
 * u·nItems + i < 2^53), at most 60 % full. A JS Set of 10M numbers above 2^31 boxes every key (the 10M-row generation
 * peaked at 956 MB RSS with it); this table is 8 bytes a slot (134 MB for 10M keys) and adds 10M keys in about 2 s.
 */
class PairSet {
  private readonly keys: Float64Array;
  private readonly mask: number;

  constructor(capacity: number) {
    let size = 16;
    while (size * 0.6 < capacity) size *= 2;
    this.keys = new Float64Array(size).fill(-1);
    this.mask = size - 1;
  }

  /** Adds `key` (a non-negative integer); false when it was already there. */
  add(key: number): boolean {
    const keys = this.keys;
    const lo = key >>> 0,
      hi = (key / 4294967296) >>> 0;
    // murmur3's 32-bit finaliser over both halves.
    let h = lo ^ Math.imul(hi, 0x9e3779b1);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    let at = (h ^ (h >>> 16)) & this.mask;
    for (;;) {
      const k = keys[at];
      if (k === key) return false;
      if (k === -1) {
        keys[at] = key;
        return true;
      }
      at = (at + 1) & this.mask;
    }
  }
}

function zipfCdf(n: number, exponent: number, rng: Rng): Float64Array {
  const perm = rng.permutation(n);
  const w = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < n; r++) {
    const x = 1 / Math.pow(r + 1, exponent);
    w[perm[r]] = x;
    total += x;
  }
  const cdf = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += w[i] / total;
    cdf[i] = acc;
  }
  cdf[n - 1] = 1;
  return cdf;
}

/**
 * Guide table of a CDF (Chen & Asau 1974): entry j is the first index whose CDF value is ≥ j/m (m = cdf.length), so
 * the answer for x lies between entries ⌊x·m⌋ and ⌊x·m⌋ + 1 and the search covers a handful of entries instead of
 * the whole CDF (at 10M draws over 100k users the full binary searches were most of the generation time).
 */
function guideTable(cdf: Float64Array): Int32Array {
  const m = cdf.length;
  const guide = new Int32Array(m + 1);
  let i = 0;
  for (let j = 0; j <= m; j++) {
    const t = j / m;
    while (i < m - 1 && cdf[i] < t) i++;
    guide[j] = i;
  }
  return guide;
}

/** Index of the first CDF entry ≥ x (binary search between the guide table's bounds). */
function sample(cdf: Float64Array, guide: Int32Array, x: number): number {
  const m = cdf.length;
  const j = Math.floor(x * m);
  // One bucket of slack each side: x·m and j/m round, so x may sit a hair outside bucket j.
  let lo = j > 0 ? guide[j - 1] : 0,
    hi = guide[j + 2 <= m ? j + 2 : m];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
