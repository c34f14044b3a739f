import { InvalidParameterError } from '../errors.js';
import { Rng } from '../math/rng.js';
import { IdMap } from './id-map.js';
import { Interactions } from './interactions.js';

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
  /** 'rating': integer stars 1..5 from the latent model; 'implicit': value 1 for every interaction. */
  kind?: 'rating' | 'implicit';
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

  const users = new Int32Array(target),
    items = new Int32Array(target),
    values = new Float32Array(target),
    ts = new Float64Array(target);
  const seen = new Set<number>();
  let n = 0;
  let attempts = 0;
  const maxAttempts = target * 50;
  while (n < target && attempts++ < maxAttempts) {
    const u = sample(userCdf, rng.next());
    // Taste tilt: draw three popular candidates and keep the one the user likes most.
    let best = -1,
      bestScore = -Infinity;
    for (let c = 0; c < 3; c++) {
      const i = sample(itemCdf, rng.next());
      let s = itemBias[i];
      for (let d = 0; d < f; d++) s += userF[u * f + d] * itemF[i * f + d];
      if (s > bestScore) {
        bestScore = s;
        best = i;
      }
    }
    const key = u * nItems + best;
    if (seen.has(key)) continue;
    seen.add(key);
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
  return new Interactions({
    users: users.slice(0, n),
    items: items.slice(0, n),
    values: values.slice(0, n),
    timestamps: ts.slice(0, n),
    userIds,
    itemIds,
  });
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

/** Index of the first CDF entry ≥ x (binary search). */
function sample(cdf: Float64Array, x: number): number {
  let lo = 0,
    hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
