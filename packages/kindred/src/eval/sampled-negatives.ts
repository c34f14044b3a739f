import { InvalidParameterError } from '../errors.js';
import { Rng } from '../math/rng.js';

/**
 * Sampled-negative candidates for one user, RecBole's `uni100` evaluation mode (and NCF's, He et al. 2017): the
 * user's relevant test items plus `perPositive × |relevant|` items sampled uniformly from the items the user never
 * interacted with (training, validation or test), ranked together. Unlike RecBole, the sampled items are distinct
 * (without replacement); when fewer unseen items exist, all of them are taken. Each user's draw comes from its own
 * generator seeded by (seed, user), so a user's candidates do not depend on which other users are evaluated.
 *
 * This inflates every metric against full ranking (Krichene & Rendle 2020, "On sampled metrics for item
 * recommendation"); it exists for continuity with papers that report it, and is labelled wherever it is used.
 *
 * @example
 * const sampler = new NegativeSampler(1682, 100, 0);
 * const used = new Uint8Array(1682); // 1 for every item the user interacted with
 * used[7] = 1;
 * sampler.candidates(3, Int32Array.of(7), used); // Int32Array of 101 items: 7 first, then 100 unseen items
 */
export class NegativeSampler {
  private readonly picked: Uint8Array;

  constructor(
    readonly nItems: number,
    readonly perPositive: number,
    readonly seed: number = 0,
  ) {
    if (!Number.isInteger(perPositive) || perPositive < 1)
      throw new InvalidParameterError(`sampled negatives must be a positive integer, got ${perPositive}`);
    this.picked = new Uint8Array(nItems);
  }

  /**
   * The candidate list of user `u`: `relevant` first, then the sampled items in draw order. `used[i] = 1` marks
   * every item the user interacted with (it is read, not changed); `usedCount` is how many there are (counted when
   * omitted).
   */
  candidates(u: number, relevant: Int32Array, used: Uint8Array, usedCount?: number): Int32Array {
    const n = this.nItems;
    let nUsed = usedCount ?? -1;
    if (nUsed < 0) {
      nUsed = 0;
      for (let i = 0; i < n; i++) nUsed += used[i];
    }
    const pool = n - nUsed;
    const want = Math.min(this.perPositive * relevant.length, pool);
    const out = new Int32Array(relevant.length + want);
    out.set(relevant);
    if (want === 0) return out;
    const rng = new Rng(userSeed(this.seed, u));
    if (want * 2 > pool) {
      // Dense draw: list the unseen items and take a seeded partial Fisher–Yates prefix.
      const free = new Int32Array(pool);
      let f = 0;
      for (let i = 0; i < n; i++) if (used[i] === 0) free[f++] = i;
      for (let q = 0; q < want; q++) {
        const j = q + rng.int(pool - q);
        const t = free[q];
        free[q] = free[j];
        free[j] = t;
      }
      out.set(free.subarray(0, want), relevant.length);
      return out;
    }
    // Sparse draw: rejection sampling, expected < 2 tries per item since at least half the pool stays free.
    let c = relevant.length;
    while (c < out.length) {
      const i = rng.int(n);
      if (used[i] === 1 || this.picked[i] === 1) continue;
      this.picked[i] = 1;
      out[c++] = i;
    }
    for (let q = relevant.length; q < out.length; q++) this.picked[out[q]] = 0;
    return out;
  }
}

/** A per-user seed from the run's seed (a 32-bit hash mix, so neighbouring users get unrelated streams). */
function userSeed(seed: number, u: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(u + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 15), 0x27d4eb2f);
  return (h ^ (h >>> 13)) >>> 0;
}
