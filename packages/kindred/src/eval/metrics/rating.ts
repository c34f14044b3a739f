import { InvalidParameterError } from '../../errors.js';
import type { RatingMetric } from './metric.js';

function checkLengths(name: string, predicted: Float64Array, actual: Float64Array): void {
  if (predicted.length !== actual.length)
    throw new InvalidParameterError(`${name}: ${predicted.length} predictions for ${actual.length} true ratings`);
}

/**
 * Root mean squared error, RMSE = √( Σᵣ (r̂ᵣ − rᵣ)² / n ) (Surprise `accuracy.rmse`). NaN when there are no rows.
 *
 * Worked example: predicted [3, 4, 5], actual [2, 4, 3]: errors 1, 0, 2, so RMSE = √(5/3) ≈ 1.290994.
 *
 * @example
 * rmse(Float64Array.of(3, 4, 5), Float64Array.of(2, 4, 3)); // 1.2909944487358056
 */
export function rmse(predicted: Float64Array, actual: Float64Array): number {
  checkLengths('rmse', predicted, actual);
  const n = predicted.length;
  let s = 0;
  for (let r = 0; r < n; r++) {
    const e = predicted[r] - actual[r];
    s += e * e;
  }
  return n ? Math.sqrt(s / n) : NaN;
}

/**
 * Mean absolute error, MAE = Σᵣ |r̂ᵣ − rᵣ| / n (Surprise `accuracy.mae`). NaN when there are no rows.
 *
 * Worked example: predicted [3, 4, 5], actual [2, 4, 3]: errors 1, 0, 2, so MAE = 3/3 = 1.
 *
 * @example
 * mae(Float64Array.of(3, 4, 5), Float64Array.of(2, 4, 3)); // 1
 */
export function mae(predicted: Float64Array, actual: Float64Array): number {
  checkLengths('mae', predicted, actual);
  const n = predicted.length;
  let s = 0;
  for (let r = 0; r < n; r++) s += Math.abs(predicted[r] - actual[r]);
  return n ? s / n : NaN;
}

/**
 * RMSE as a metric value.
 *
 * @example
 * RMSE.compute(Float64Array.of(3, 4, 5), Float64Array.of(2, 4, 3)); // 1.2909944487358056
 */
export const RMSE: RatingMetric = Object.freeze({
  name: 'rmse',
  base: 'rmse',
  kind: 'rating',
  higherIsBetter: false,
  description: 'root mean squared error √(Σ(r̂−r)²/n)',
  compute: rmse,
});

/**
 * MAE as a metric value.
 *
 * @example
 * MAE.compute(Float64Array.of(3, 4, 5), Float64Array.of(2, 4, 3)); // 1
 */
export const MAE: RatingMetric = Object.freeze({
  name: 'mae',
  base: 'mae',
  kind: 'rating',
  higherIsBetter: false,
  description: 'mean absolute error Σ|r̂−r|/n',
  compute: mae,
});
