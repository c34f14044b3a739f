import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../errors.js';
import { MAE, RMSE, mae, rmse } from './rating.js';

describe('rating metrics', () => {
  const predicted = Float64Array.of(3, 4, 5);
  const actual = Float64Array.of(2, 4, 3);

  it('RMSE worked example: errors 1, 0, 2 → √(5/3)', () => {
    expect(rmse(predicted, actual)).toBeCloseTo(1.2909944487358056, 12);
    expect(RMSE.compute(predicted, actual)).toBe(rmse(predicted, actual));
  });

  it('MAE worked example: errors 1, 0, 2 → 1', () => {
    expect(mae(predicted, actual)).toBe(1);
    expect(MAE.compute(predicted, actual)).toBe(1);
  });

  it('perfect predictions score 0; RMSE ≥ MAE; both lower-is-better', () => {
    expect(rmse(actual, actual)).toBe(0);
    expect(mae(actual, actual)).toBe(0);
    const p = Float64Array.of(1, 5, 2.5, 4),
      a = Float64Array.of(2, 2, 2, 2);
    expect(rmse(p, a)).toBeGreaterThanOrEqual(mae(p, a));
    expect(RMSE.higherIsBetter).toBe(false);
    expect(MAE.higherIsBetter).toBe(false);
    expect(RMSE.kind).toBe('rating');
  });

  it('NaN on empty input, error on length mismatch', () => {
    expect(rmse(new Float64Array(0), new Float64Array(0))).toBeNaN();
    expect(() => mae(Float64Array.of(1), Float64Array.of(1, 2))).toThrow(InvalidParameterError);
  });
});
