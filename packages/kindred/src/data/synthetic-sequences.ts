// The sequential mode of the synthetic generator: each user's next item depends on the previous one through a hidden
// item-to-item Markov chain (every item has a few successors, the "what people watch next"), mixed with the user's
// taste and item popularity as in the order-blind generator. Order then carries signal that a set-based model cannot
// see: the newest item predicts the next one. Shuffling each user's order destroys exactly that signal and nothing
// else, which is what the tests of sequential models compare against.
import { InvalidParameterError } from '../errors.js';
import { Rng } from '../math/rng.js';
import { IdMap } from './id-map.js';
import { Interactions } from './interactions.js';

/** Options of the sequential generator (`synthetic({ kind: 'sequential' })`); every field has a default. */
export interface SyntheticSequenceOptions {
  users?: number;
  items?: number;
  /** Target number of rows (default 20 per user); each user gets at least 3. */
  interactions?: number;
  /** Latent dimensions of the users' taste. */
  factors?: number;
  /** Zipf exponent of item popularity. */
  popularityExponent?: number;
  /** Zipf exponent of user activity (sequence lengths). */
  activityExponent?: number;
  /** Successors per item in the hidden chain. */
  successors?: number;
  /** Probability that the next item follows the chain from the previous one (else: taste and popularity). */
  orderStrength?: number;
  seed?: number;
}

/**
 * Seeded sequences: for each user, a first item by popularity tilted to her taste, then each next item one of the
 * previous item's hidden successors with probability `orderStrength` (the first not yet seen, in the chain's fixed
 * preference order), otherwise a fresh draw by popularity and taste. A user never repeats an item. Timestamps
 * increase along each user's sequence (one hour apart, from a per-user start); rows are grouped by user. Values are 1.
 *
 * @example
 * const data = syntheticSequences({ users: 300, items: 100, interactions: 6000, seed: 1 });
 */
export function syntheticSequences(opts: SyntheticSequenceOptions = {}): Interactions {
  const nUsers = opts.users ?? 200;
  const nItems = opts.items ?? 100;
  const target = opts.interactions ?? nUsers * 20;
  const f = opts.factors ?? 8;
  const nSucc = opts.successors ?? 3;
  const strength = opts.orderStrength ?? 0.7;
  for (const [k, v] of Object.entries({
    users: nUsers,
    items: nItems,
    interactions: target,
    factors: f,
    successors: nSucc,
  }))
    if (!Number.isInteger(v) || v < 1) throw new InvalidParameterError(`synthetic: ${k} must be a positive integer`);
  if (!(strength >= 0 && strength <= 1))
    throw new InvalidParameterError(`synthetic: orderStrength must be in [0, 1], got ${strength}`);
  if (nItems < 4) throw new InvalidParameterError('synthetic: the sequential mode needs at least 4 items');
  const rng = new Rng(opts.seed ?? 0);
  const userF = new Float32Array(nUsers * f),
    itemF = new Float32Array(nItems * f);
  rng.fillNormal(userF, 0, Math.pow(f, -0.25));
  rng.fillNormal(itemF, 0, Math.pow(f, -0.25));
  const popularity = zipfWeights(nItems, opts.popularityExponent ?? 0.9, rng);
  const activity = zipfWeights(nUsers, opts.activityExponent ?? 0.6, rng);
  const itemCdf = cumulative(popularity);
  // The hidden chain: successors drawn by popularity, so popular items are also common next steps.
  const succ = new Int32Array(nItems * nSucc);
  for (let i = 0; i < nItems; i++)
    for (let s = 0; s < nSucc; s++) {
      let j = draw(itemCdf, rng.next());
      for (let tries = 0; (j === i || succ.subarray(i * nSucc, i * nSucc + s).includes(j)) && tries < 50; tries++)
        j = draw(itemCdf, rng.next());
      succ[i * nSucc + s] = j;
    }
  const lengths = new Int32Array(nUsers);
  let total = 0;
  for (let u = 0; u < nUsers; u++) total += activity[u];
  for (let u = 0; u < nUsers; u++)
    lengths[u] = Math.max(3, Math.min(nItems - 1, Math.round((target * activity[u]) / total)));
  const rows = lengths.reduce((a, b) => a + b, 0);
  const users = new Int32Array(rows),
    items = new Int32Array(rows),
    ts = new Float64Array(rows);
  const seen = new Uint8Array(nItems);
  let n = 0;
  for (let u = 0; u < nUsers; u++) {
    const from = n;
    const start = 1_000_000_000 + rng.int(1_000_000);
    let prev = -1;
    for (let k = 0; k < lengths[u]; k++) {
      let next = -1;
      if (prev >= 0 && rng.next() < strength)
        for (let s = 0; s < nSucc && next < 0; s++) if (!seen[succ[prev * nSucc + s]]) next = succ[prev * nSucc + s];
      if (next < 0) next = tasteDraw(u, userF, itemF, f, itemCdf, seen, rng);
      seen[next] = 1;
      users[n] = u;
      items[n] = next;
      ts[n] = start + k * 3600;
      n++;
      prev = next;
    }
    for (let q = from; q < n; q++) seen[items[q]] = 0;
  }
  return new Interactions({
    users,
    items,
    timestamps: ts,
    userIds: IdMap.from(Array.from({ length: nUsers }, (_, k) => `u${k}`)),
    itemIds: IdMap.from(Array.from({ length: nItems }, (_, k) => `i${k}`)),
  });
}

/** Three popular unseen candidates, the one the user likes most (the order-blind generator's taste tilt). */
function tasteDraw(
  u: number,
  userF: Float32Array,
  itemF: Float32Array,
  f: number,
  cdf: Float64Array,
  seen: Uint8Array,
  rng: Rng,
): number {
  let best = -1,
    bestScore = -Infinity;
  for (let c = 0; c < 3 || best < 0; c++) {
    let i = draw(cdf, rng.next());
    if (seen[i]) {
      if (c < 30) continue;
      i = seen.indexOf(0); // a user who has seen nearly everything: the first unseen item
    }
    let s = 0;
    for (let d = 0; d < f; d++) s += userF[u * f + d] * itemF[i * f + d];
    if (s > bestScore) {
      bestScore = s;
      best = i;
    }
  }
  return best;
}

function zipfWeights(n: number, exponent: number, rng: Rng): Float64Array {
  const perm = rng.permutation(n);
  const w = new Float64Array(n);
  for (let r = 0; r < n; r++) w[perm[r]] = 1 / Math.pow(r + 1, exponent);
  return w;
}

function cumulative(w: Float64Array): Float64Array {
  const cdf = new Float64Array(w.length);
  let acc = 0,
    total = 0;
  for (let i = 0; i < w.length; i++) total += w[i];
  for (let i = 0; i < w.length; i++) cdf[i] = acc += w[i] / total;
  cdf[w.length - 1] = 1;
  return cdf;
}

/** Index of the first CDF entry ≥ x (binary search). */
function draw(cdf: Float64Array, x: number): number {
  let lo = 0,
    hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
