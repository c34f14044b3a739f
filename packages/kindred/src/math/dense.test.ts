import { describe, expect, it } from 'vitest';
import { axpy, dot, dot4x4, matMul, maxAbsFromIdentity } from './dense.js';
import { Rng } from './rng.js';

describe('dense kernels', () => {
  it('dot and axpy honour offsets and lengths that are not multiples of 4', () => {
    const a = new Float64Array([9, 1, 2, 3, 4, 5, 6, 7]);
    const b = new Float64Array([1, 1, 1, 1, 1, 1, 2]);
    // a[1..7) · b[0..6) = 1+2+3+4+5+6
    expect(dot(a, 1, b, 0, 6)).toBe(21);
    expect(dot(a, 0, b, 0, 0)).toBe(0);
    const y = new Float64Array([1, 1, 1, 1, 1, 1]);
    axpy(y, 1, 2, a, 1, 5); // y[1..6) += 2·[1, 2, 3, 4, 5]
    expect(Array.from(y)).toEqual([1, 3, 5, 7, 9, 11]);
  });

  it('matMul multiplies row-major matrices', () => {
    // [1 2 3; 4 5 6] · [1 0; 0 1; 1 1] = [4 5; 10 11]
    const c = matMul(new Float64Array([1, 2, 3, 4, 5, 6]), new Float64Array([1, 0, 0, 1, 1, 1]), 2, 3, 2);
    expect(Array.from(c)).toEqual([4, 5, 10, 11]);
    expect(maxAbsFromIdentity(new Float64Array([1, 0.5, 0, 0.75]), 2)).toBe(0.5);
  });

  it('dot4x4 equals the sixteen single dot products', () => {
    const n = 11;
    const rng = new Rng(5);
    const m = new Float64Array(n * n);
    rng.fillNormal(m);
    const out = new Float64Array(16);
    dot4x4(m, 1, m, 6, n, 2, 9, out);
    for (let r = 0; r < 4; r++)
      for (let c = 0; c < 4; c++) {
        let s = 0;
        for (let k = 2; k < 9; k++) s += m[(1 + r) * n + k] * m[(6 + c) * n + k];
        expect(out[4 * r + c]).toBeCloseTo(s, 12);
      }
  });
});
