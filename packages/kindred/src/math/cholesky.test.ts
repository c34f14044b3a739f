import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../errors.js';
import { choleskyInPlace, choleskySolve, spdInverse, spdInverseInPlace } from './cholesky.js';
import { matMul, maxAbsFromIdentity } from './dense.js';
import { Rng } from './rng.js';

// The textbook example: A = L·Lᵀ with L = [2 0 0; 6 1 0; −8 5 3].
const A = [4, 12, -16, 12, 37, -43, -16, -43, 98];

/** A random SPD matrix M·Mᵀ + n·I. */
function randomSpd(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const m = new Float64Array(n * n);
  rng.fillNormal(m);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = i === j ? n : 0;
      for (let k = 0; k < n; k++) s += m[i * n + k] * m[j * n + k];
      a[i * n + j] = s;
    }
  return a;
}

describe('Cholesky', () => {
  it('factors the 3×3 textbook matrix exactly', () => {
    const a = Float64Array.from(A);
    choleskyInPlace(a, 3);
    const lower = [a[0], a[3], a[4], a[6], a[7], a[8]];
    expect(lower).toEqual([2, 6, 1, -8, 5, 3]);
    // The strict upper triangle is left untouched.
    expect([a[1], a[2], a[5]]).toEqual([12, -16, -43]);
  });

  it('inverts the 3×3 by hand: L⁻¹ = [½ 0 0; −3 1 0; 19/3 −5/3 ⅓], A⁻¹ = L⁻ᵀL⁻¹', () => {
    const p = spdInverse(Float64Array.from(A), 3);
    const expected = [1777 / 36, -122 / 9, 19 / 9, -122 / 9, 34 / 9, -5 / 9, 19 / 9, -5 / 9, 1 / 9];
    for (let k = 0; k < 9; k++) expect(p[k]).toBeCloseTo(expected[k], 10);
  });

  it('solves A·x = b from the factor', () => {
    const a = Float64Array.from(A);
    choleskyInPlace(a, 3);
    // b = A·[1, 2, 3]
    const b = new Float64Array([4 + 24 - 48, 12 + 74 - 129, -16 - 86 + 294]);
    choleskySolve(a, 3, b);
    for (let k = 0; k < 3; k++) expect(b[k]).toBeCloseTo(k + 1, 10);
  });

  it('‖A·A⁻¹ − I‖ is tiny on random SPD matrices: JS and WebAssembly paths, blocked sizes and leftovers', () => {
    for (const n of [1, 2, 3, 4, 5, 8, 37, 64, 67, 130]) {
      const a = randomSpd(n, n);
      const p = a.slice();
      spdInverseInPlace(p, n);
      expect(maxAbsFromIdentity(matMul(a, p, n, n, n), n)).toBeLessThan(1e-10);
      // Symmetric to the last bit: both triangles are written from one value.
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(p[i * n + j]).toBe(p[j * n + i]);
    }
  });

  it('rejects a matrix that is not positive definite', () => {
    expect(() => spdInverse(new Float64Array([1, 2, 2, 1]), 2)).toThrow(InvalidParameterError);
    expect(() => choleskyInPlace(new Float64Array(3), 2)).toThrow(InvalidParameterError);
  });
});
