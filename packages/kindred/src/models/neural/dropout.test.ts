import { describe, expect, it } from 'vitest';
import { dropoutBackward, dropoutForward } from './dropout.js';
import { dotAll, GRAD_TOL, gradError, randomVec, Rng } from './grad-check.case.js';

describe('dropout', () => {
  it('is deterministic under a seed and differs across seeds', () => {
    const x = new Float32Array(1000).fill(1);
    const run = (seed: number) => {
      const y = new Float32Array(1000);
      dropoutForward(x, y, new Uint8Array(1000), 1000, 0.3, new Rng(seed));
      return y;
    };
    expect(run(4)).toEqual(run(4));
    expect(run(4)).not.toEqual(run(5));
  });

  it('keeps 1 − p of the entries and scales them by 1/(1 − p), so the mean is preserved', () => {
    const n = 100_000;
    const p = 0.2;
    const x = new Float64Array(n).fill(1);
    const y = new Float64Array(n);
    const mask = new Uint8Array(n);
    expect(dropoutForward(x, y, mask, n, p, new Rng(1))).toBe(1 / (1 - p));
    let kept = 0;
    for (let i = 0; i < n; i++) kept += mask[i];
    // binomial standard deviation √(p(1 − p)/n) ≈ 0.0013: 0.01 is > 7σ
    expect(Math.abs(kept / n - (1 - p))).toBeLessThan(0.01);
    let wrong = 0;
    for (let i = 0; i < n; i++) if (y[i] !== (mask[i] ? 1.25 : 0)) wrong++;
    expect(wrong).toBe(0);
  });

  it('is the identity at evaluation (no rng), forward and backward', () => {
    const x = new Float32Array([1, 2, 3]);
    const y = new Float32Array(3);
    const mask = new Uint8Array(3);
    const scale = dropoutForward(x, y, mask, 3, 0.5, null);
    expect([...y]).toEqual([1, 2, 3]);
    const dx = new Float32Array(3);
    dropoutBackward(new Float32Array([1, 1, 1]), mask, dx, 3, scale);
    expect([...dx]).toEqual([1, 1, 1]);
  });

  it('backward matches finite differences for a fixed mask (the same seed each evaluation)', () => {
    const rng = new Rng(2);
    const n = 30;
    const x = randomVec(rng, n);
    const r = randomVec(rng, n);
    const y = new Float64Array(n);
    const mask = new Uint8Array(n);
    let scale = 1;
    const loss = () => {
      scale = dropoutForward(x, y, mask, n, 0.4, new Rng(99));
      return dotAll(y, r);
    };
    loss();
    const dx = new Float64Array(n);
    dropoutBackward(r, mask, dx, n, scale);
    expect(gradError(loss, x, dx)).toBeLessThan(GRAD_TOL);
  });

  it('rejects p outside [0, 1)', () => {
    expect(() => dropoutForward(new Float32Array(1), new Float32Array(1), new Uint8Array(1), 1, 1, null)).toThrow(
      /p must be in \[0, 1\)/,
    );
  });
});
