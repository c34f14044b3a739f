import { describe, expect, it } from 'vitest';
import { randomVec, Rng } from './grad-check.case.js';
import { matmul, matmulNT, matmulTN } from './matmul.js';

/** Naive C = op(A)·op(B) in float64 straight from the definition. */
function reference(a: Float64Array, b: Float64Array, m: number, k: number, n: number, ta: boolean, tb: boolean) {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = s;
    }
  return c;
}

describe('matmul kernels', () => {
  const a = new Float32Array([1, 2, 3, 4]);
  const b = new Float32Array([5, 6, 7, 8]);

  it('multiply 2×2 matrices by hand: A·B, Aᵀ·B, A·Bᵀ', () => {
    const c = new Float32Array(4);
    matmul(a, b, c, 2, 2, 2);
    expect([...c]).toEqual([19, 22, 43, 50]);
    matmulTN(a, b, c, 2, 2, 2);
    expect([...c]).toEqual([26, 30, 38, 44]);
    matmulNT(a, b, c, 2, 2, 2);
    expect([...c]).toEqual([17, 23, 39, 53]);
  });

  it('accumulate adds into C instead of overwriting it', () => {
    const c = new Float32Array([1, 1, 1, 1]);
    matmul(a, b, c, 2, 2, 2, true);
    expect([...c]).toEqual([20, 23, 44, 51]);
    matmulNT(a, b, c, 2, 2, 2, true);
    expect([...c]).toEqual([37, 46, 83, 104]);
  });

  it('match the definition on random odd shapes (remainder loops included)', () => {
    const rng = new Rng(3);
    for (const [m, k, n] of [
      [1, 1, 1],
      [3, 5, 7],
      [6, 9, 4],
      [17, 2, 33],
      [5, 7, 6],
      [4, 12, 8],
    ]) {
      const x = randomVec(rng, m * k);
      const y = randomVec(rng, k * n);
      const yt = randomVec(rng, n * k);
      const xt = randomVec(rng, k * m);
      const c = new Float64Array(m * n).fill(99); // stale contents must be overwritten
      matmul(x, y, c, m, k, n);
      expectClose(c, reference(x, y, m, k, n, false, false));
      c.fill(99);
      matmulTN(xt, y, c, m, k, n);
      expectClose(c, reference(xt, y, m, k, n, true, false));
      c.fill(99);
      matmulNT(x, yt, c, m, k, n);
      expectClose(c, reference(x, yt, m, k, n, false, true));
    }
  });
});

function expectClose(got: Float64Array, want: Float64Array): void {
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  expect(worst).toBeLessThan(1e-12);
}
