import { describe, expect, it } from 'vitest';
import { dotAll, GRAD_TOL, gradError, randomVec, Rng } from './grad-check.case.js';

describe('the finite-difference checker', () => {
  // L(x) = Σ r·x³ has gradient 3r·x²
  const rng = new Rng(61);
  const x = randomVec(rng, 20, 2);
  const r = randomVec(rng, 20);
  const loss = () =>
    dotAll(
      r,
      x.map((v) => v * v * v),
    );
  const exact = x.map((v, i) => 3 * r[i] * v * v);

  it('accepts the exact gradient far inside its tolerance', () => {
    expect(gradError(loss, x, exact)).toBeLessThan(GRAD_TOL / 100);
  });

  it('rejects a gradient that is off by 0.1 % in one entry, or off by one sign', () => {
    const scaled = exact.slice();
    scaled[7] *= 1.001;
    expect(gradError(loss, x, scaled)).toBeGreaterThan(GRAD_TOL);
    const flipped = exact.slice();
    flipped[3] = -flipped[3];
    expect(gradError(loss, x, flipped)).toBeGreaterThan(GRAD_TOL);
  });
});
