import { describe, expect, it } from 'vitest';
import { concatBackward, concatForward, mulBackward, mulForward } from './elementwise.js';
import { dotAll, GRAD_TOL, gradError, randomVec, Rng } from './grad-check.case.js';

describe('element-wise product and concatenation', () => {
  it('mul: both gradients match finite differences', () => {
    const rng = new Rng(51);
    const n = 10;
    const a = randomVec(rng, n);
    const b = randomVec(rng, n);
    const r = randomVec(rng, n);
    const y = new Float64Array(n);
    const loss = () => {
      mulForward(a, b, y, n);
      return dotAll(y, r);
    };
    const da = new Float64Array(n);
    const db = new Float64Array(n);
    mulBackward(a, b, r, da, db, n);
    expect(gradError(loss, a, da)).toBeLessThan(GRAD_TOL);
    expect(gradError(loss, b, db)).toBeLessThan(GRAD_TOL);
  });

  it('concat: lays rows out as [a | b] and routes each gradient back to its input', () => {
    const y = new Float64Array(6);
    concatForward(new Float64Array([1, 2]), new Float64Array([3, 4, 5, 6]), y, 2, 1, 2);
    expect([...y]).toEqual([1, 3, 4, 2, 5, 6]);
    const rng = new Rng(52);
    const [rows, ca, cb] = [3, 2, 4];
    const a = randomVec(rng, rows * ca);
    const b = randomVec(rng, rows * cb);
    const r = randomVec(rng, rows * (ca + cb));
    const out = new Float64Array(rows * (ca + cb));
    const loss = () => {
      concatForward(a, b, out, rows, ca, cb);
      return dotAll(out, r);
    };
    const da = new Float64Array(a.length);
    const db = new Float64Array(b.length);
    concatBackward(r, da, db, rows, ca, cb);
    expect(gradError(loss, a, da)).toBeLessThan(GRAD_TOL);
    expect(gradError(loss, b, db)).toBeLessThan(GRAD_TOL);
  });
});
