/**
 * Arithmetic mean (NaN for no values).
 *
 * @example
 * meanOf([1, 2, 3]); // 2
 */
export function meanOf(values: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < values.length; k++) s += values[k];
  return values.length ? s / values.length : NaN;
}

/**
 * Population standard deviation √(Σ(x − x̄)² / n), as numpy's default `np.std` (ddof = 0) that Surprise's
 * `cross_validate` prints. NaN for no values.
 *
 * @example
 * populationStd([1, 2, 3]); // 0.816496580927726
 */
export function populationStd(values: ArrayLike<number>): number {
  const m = meanOf(values);
  let s = 0;
  for (let k = 0; k < values.length; k++) s += (values[k] - m) ** 2;
  return values.length ? Math.sqrt(s / values.length) : NaN;
}
