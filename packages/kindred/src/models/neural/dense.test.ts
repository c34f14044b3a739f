import { describe, expect, it } from 'vitest';
import { denseBackward, denseForward } from './dense.js';
import { dotAll, GRAD_TOL, gradError, randomVec, Rng } from './grad-check.case.js';

describe('dense layer', () => {
  it('computes x·w + b by hand', () => {
    const y = new Float32Array(2);
    denseForward(new Float32Array([1, 2]), new Float32Array([1, 2, 3, 4]), new Float32Array([10, 20]), y, {
      batch: 1,
      inDim: 2,
      outDim: 2,
    });
    expect([...y]).toEqual([17, 30]);
  });

  it('gradients of x, w and b match central finite differences (float64)', () => {
    const rng = new Rng(11);
    for (const s of [
      { batch: 1, inDim: 1, outDim: 1 },
      { batch: 5, inDim: 3, outDim: 4 },
      { batch: 7, inDim: 6, outDim: 5 },
    ]) {
      const x = randomVec(rng, s.batch * s.inDim);
      const w = randomVec(rng, s.inDim * s.outDim);
      const b = randomVec(rng, s.outDim);
      const r = randomVec(rng, s.batch * s.outDim);
      const y = new Float64Array(s.batch * s.outDim);
      const loss = () => {
        denseForward(x, w, b, y, s);
        return dotAll(y, r);
      };
      const dx = new Float64Array(x.length);
      const dw = new Float64Array(w.length);
      const db = new Float64Array(b.length);
      loss();
      denseBackward(x, w, r, dx, dw, db, s);
      expect(gradError(loss, x, dx)).toBeLessThan(GRAD_TOL);
      expect(gradError(loss, w, dw)).toBeLessThan(GRAD_TOL);
      expect(gradError(loss, b, db)).toBeLessThan(GRAD_TOL);
    }
  });

  it('backward adds into existing gradients and skips the ones passed as null', () => {
    const s = { batch: 1, inDim: 2, outDim: 1 };
    const dw = new Float32Array([1, 1]);
    denseBackward(new Float32Array([2, 3]), new Float32Array([1, 1]), new Float32Array([1]), null, dw, null, s);
    expect([...dw]).toEqual([3, 4]);
  });
});
