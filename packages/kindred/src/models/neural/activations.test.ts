import { describe, expect, it } from 'vitest';
import {
  geluBackward,
  geluForward,
  reluBackward,
  reluForward,
  sigmoid,
  sigmoidBackward,
  sigmoidForward,
  softplus,
  tanhBackward,
  tanhForward,
} from './activations.js';
import { dotAll, GRAD_TOL, gradError, randomVec, Rng } from './grad-check.case.js';

type Fwd = (x: Float64Array, y: Float64Array, n: number) => void;
type Bwd = (saved: Float64Array, dy: Float64Array, dx: Float64Array, n: number) => void;

/** FD check of an activation; `fromOutput` when backward reads the forward output instead of the input. */
function check(fwd: Fwd, bwd: Bwd, fromOutput: boolean, x: Float64Array, rng: Rng): number {
  const n = x.length;
  const y = new Float64Array(n);
  const r = randomVec(rng, n);
  const loss = () => {
    fwd(x, y, n);
    return dotAll(y, r);
  };
  loss();
  const dx = new Float64Array(n);
  bwd(fromOutput ? y : x, r, dx, n);
  return gradError(loss, x, dx);
}

describe('activations', () => {
  const rng = new Rng(5);

  it('every activation gradient matches central finite differences (float64)', () => {
    const x = randomVec(rng, 40, 3);
    // keep ReLU's inputs away from its kink, where a finite difference straddles the two slopes
    const xr = x.map((v) => (Math.abs(v) < 0.01 ? v + 0.1 : v));
    expect(check(reluForward, reluBackward, false, xr, rng)).toBeLessThan(GRAD_TOL);
    expect(check(geluForward, geluBackward, false, x, rng)).toBeLessThan(GRAD_TOL);
    expect(check(tanhForward, tanhBackward, true, x, rng)).toBeLessThan(GRAD_TOL);
    expect(check(sigmoidForward, sigmoidBackward, true, x, rng)).toBeLessThan(GRAD_TOL);
  });

  it('GELU is the tanh approximation (known values)', () => {
    const y = new Float64Array(3);
    geluForward(new Float64Array([0, 1, -2]), y, 3);
    // 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))
    expect(y[0]).toBe(0);
    expect(y[1]).toBeCloseTo(0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * 1.044715)), 12);
    expect(y[1]).toBeCloseTo(0.841192, 5);
    expect(y[2]).toBeCloseTo(-0.045402, 5);
  });

  it('sigmoid and softplus stay finite and exact at extreme inputs', () => {
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
    expect(softplus(1000)).toBe(1000);
    expect(softplus(-1000)).toBe(0);
    expect(softplus(0)).toBeCloseTo(Math.LN2, 15);
  });
});
