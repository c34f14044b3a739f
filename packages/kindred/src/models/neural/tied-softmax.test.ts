import { describe, expect, it } from 'vitest';
import { GRAD_TOL, gradError, randomVec, Rng } from './grad-check.case.js';
import { matmulNT } from './matmul.js';
import { softmaxCrossEntropy } from './softmax-ce.js';
import { tiedSoftmaxCrossEntropy, tiedSoftmaxWorkspace } from './tied-softmax.js';

describe('fused full softmax against an output matrix', () => {
  const rng = new Rng(91);
  const [rows, dim, n] = [7, 3, 9];
  const h = randomVec(rng, rows * dim);
  const table = randomVec(rng, n * dim);
  const targets = new Int32Array([4, -1, 0, 8, -1, 2, 4]);

  for (const chunk of [1, 2, 7]) {
    it(`equals softmax CE of the explicit logits h·Eᵀ; gradients of h and E match FD (chunks of ${chunk})`, () => {
      const ws = tiedSoftmaxWorkspace(chunk, dim, n, Float64Array);
      const dh = new Float64Array(rows * dim);
      const dt = new Float64Array(n * dim);
      const loss = tiedSoftmaxCrossEntropy(h, table, targets, dh, dt, ws, rows);
      const logits = new Float64Array(rows * n);
      matmulNT(h, table, logits, rows, dim, n);
      expect(loss).toBeCloseTo(softmaxCrossEntropy(logits, targets, new Float64Array(rows * n), rows, n), 13);
      const f = () => tiedSoftmaxCrossEntropy(h, table, targets, null, null, ws, rows);
      expect(gradError(f, h, dh)).toBeLessThan(GRAD_TOL);
      expect(gradError(f, table, dt)).toBeLessThan(GRAD_TOL);
      for (const r of [1, 4]) for (let j = 0; j < dim; j++) expect(dh[r * dim + j]).toBe(0); // padded rows
    });
  }
});
