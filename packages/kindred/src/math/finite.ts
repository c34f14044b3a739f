/**
 * True when no entry is NaN or ±Infinity: the per-epoch divergence check of every iterative model (LightFM
 * `_check_finite`). `x * 0` is 0 for finite x and NaN otherwise, so one sum answers without a branch per entry.
 *
 * @example
 * allFinite(new Float32Array([1, 2]));   // true
 * allFinite(new Float64Array([1, NaN])); // false
 */
export function allFinite(a: Float32Array | Float64Array): boolean {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * 0;
  return s === 0;
}
