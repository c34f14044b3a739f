import { describe, expect, it } from 'vitest';
import { GRAD_TOL, gradError, randomVec, Rng } from './grad-check.case.js';
import { sampledSoftmaxCrossEntropy, softmaxCrossEntropy } from './softmax-ce.js';

describe('softmax cross-entropy', () => {
  it('known logits: [1, 2, 3] with target 2 gives log(1 + e⁻¹ + e⁻²) and gradient softmax − one-hot', () => {
    const dl = new Float64Array(3);
    const loss = softmaxCrossEntropy(new Float64Array([1, 2, 3]), new Int32Array([2]), dl, 1, 3);
    expect(loss).toBeCloseTo(Math.log(1 + Math.exp(-1) + Math.exp(-2)), 14); // 0.40760596…
    const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    expect(dl[0]).toBeCloseTo(Math.exp(1) / z, 14);
    expect(dl[1]).toBeCloseTo(Math.exp(2) / z, 14);
    expect(dl[2]).toBeCloseTo(Math.exp(3) / z - 1, 14);
  });

  it('is stable for huge logits (no overflow)', () => {
    const dl = new Float32Array(2);
    expect(softmaxCrossEntropy(new Float32Array([1000, 0]), new Int32Array([1]), dl, 1, 2)).toBeCloseTo(1000, 3);
    expect(Number.isFinite(dl[0])).toBe(true);
  });

  it('full: gradient matches finite differences, rows with target −1 are ignored (mean over counted rows)', () => {
    const rng = new Rng(12);
    const rows = 4;
    const n = 7;
    const logits = randomVec(rng, rows * n, 3);
    const targets = new Int32Array([3, -1, 0, 6]);
    const dl = new Float64Array(rows * n);
    softmaxCrossEntropy(logits, targets, dl, rows, n);
    const scratch = new Float64Array(rows * n);
    expect(gradError(() => softmaxCrossEntropy(logits, targets, scratch, rows, n), logits, dl)).toBeLessThan(GRAD_TOL);
    for (let j = 0; j < n; j++) expect(dl[n + j]).toBe(0);
    // the mean over the three counted rows, each computed alone
    const rowLoss = (r: number) =>
      softmaxCrossEntropy(logits.subarray(r * n, (r + 1) * n), targets.subarray(r, r + 1), new Float64Array(n), 1, n);
    const all = softmaxCrossEntropy(logits, targets, new Float64Array(rows * n), rows, n);
    expect(all).toBeCloseTo((rowLoss(0) + rowLoss(2) + rowLoss(3)) / 3, 13);
    expect(softmaxCrossEntropy(logits, new Int32Array(rows).fill(-1), dl, rows, n)).toBe(0);
  });

  for (const perRow of [false, true]) {
    it(`sampled with logQ (${perRow ? 'per-row' : 'shared in-batch'} candidates): CE of s − log q, gradient by FD`, () => {
      const rng = new Rng(perRow ? 14 : 13);
      const rows = 5;
      const n = 5;
      const logits = randomVec(rng, rows * n, 2);
      const q = perRow ? rows * n : n;
      const logQ = new Float64Array(q);
      for (let i = 0; i < q; i++) logQ[i] = Math.log(0.05 + rng.next());
      const targets = new Int32Array([0, 1, 2, 3, 4]); // in-batch: row r's positive is candidate r
      const dl = new Float64Array(rows * n);
      const loss = sampledSoftmaxCrossEntropy(logits, targets, logQ, dl, rows, n);
      const corrected = logits.map((s, i) => s - logQ[perRow ? i : i % n]);
      expect(loss).toBeCloseTo(softmaxCrossEntropy(corrected, targets, new Float64Array(rows * n), rows, n), 13);
      const scratch = new Float64Array(rows * n);
      const f = () => sampledSoftmaxCrossEntropy(logits, targets, logQ, scratch, rows, n);
      expect(gradError(f, logits, dl)).toBeLessThan(GRAD_TOL);
    });
  }

  it('sampled: the worked example of the JSDoc and a clear error for a logQ of the wrong length', () => {
    const dl = new Float32Array(2);
    const loss = sampledSoftmaxCrossEntropy(
      new Float32Array([0, 0]),
      new Int32Array([0]),
      new Float32Array([0, 1]),
      dl,
      1,
      2,
    );
    expect(loss).toBeCloseTo(Math.log(1 + Math.exp(-1)), 6);
    expect(() =>
      sampledSoftmaxCrossEntropy(new Float32Array(4), new Int32Array(2), new Float32Array(3), dl, 2, 2),
    ).toThrow(/logQ needs length 2 or 4, got 3/);
  });
});
