// Inverted dropout (Srivastava et al. 2014, scaled at training time as PyTorch does): each entry is kept with
// probability 1 − p and scaled by 1/(1 − p), so evaluation is the identity and needs no rescaling. The mask comes from
// the library's seeded xoshiro128** RNG, so a training run is reproducible by its seed.
import type { Rng } from '../../math/rng.js';
import type { Vec } from './vec.js';

/**
 * Training: draws a keep mask (1 = kept) and writes y = x·mask/(1 − p). Evaluation (`rng` null) or p = 0: y = x and
 * the mask is all ones. Returns the scale applied to kept entries (1/(1 − p), or 1 at evaluation), which backward
 * takes, so backward of an evaluation pass is the identity.
 *
 * @example
 * const y = new Float32Array(4), mask = new Uint8Array(4);
 * dropoutForward(new Float32Array([1, 1, 1, 1]), y, mask, 4, 0.5, new Rng(1)); // 2; entries of y are 0 or 2
 */
export function dropoutForward(x: Vec, y: Vec, mask: Uint8Array, n: number, p: number, rng: Rng | null): number {
  if (!(p >= 0 && p < 1)) throw new RangeError(`dropout: p must be in [0, 1), got ${p}`);
  if (rng === null || p === 0) {
    for (let i = 0; i < n; i++) y[i] = x[i];
    mask.fill(1, 0, n);
    return 1;
  }
  const scale = 1 / (1 - p);
  for (let i = 0; i < n; i++) {
    const keep = rng.next() >= p ? 1 : 0;
    mask[i] = keep;
    y[i] = keep ? x[i] * scale : 0;
  }
  return scale;
}

/**
 * dx += dy·mask·scale, with the mask and the scale {@link dropoutForward} returned.
 *
 * @example
 * const dx = new Float32Array(2);
 * dropoutBackward(new Float32Array([1, 1]), new Uint8Array([1, 0]), dx, 2, 2); // dx = [2, 0]
 */
export function dropoutBackward(dy: Vec, mask: Uint8Array, dx: Vec, n: number, scale: number): void {
  for (let i = 0; i < n; i++) if (mask[i]) dx[i] += dy[i] * scale;
}
