import { describe, expect, it } from 'vitest';
import { bceWithLogits, gbce, gbceBeta } from './bce.js';
import { GRAD_TOL, gradError, randomVec, Rng } from './grad-check.case.js';

describe('BCE with logits', () => {
  it('matches −[y log σ + (1 − y) log(1 − σ)] and its gradient matches finite differences, mask honoured', () => {
    const rng = new Rng(17);
    const n = 12;
    const x = randomVec(rng, n, 4);
    const y = new Float64Array(n).map(() => (rng.next() < 0.5 ? 1 : 0));
    y[3] = 0.3; // soft labels are allowed
    const mask = new Uint8Array(n).fill(1);
    mask[5] = 0;
    const dl = new Float64Array(n);
    const loss = bceWithLogits(x, y, mask, dl, n);
    let want = 0;
    for (let i = 0; i < n; i++) {
      if (!mask[i]) continue;
      const p = 1 / (1 + Math.exp(-x[i]));
      want -= y[i] * Math.log(p) + (1 - y[i]) * Math.log(1 - p);
    }
    expect(loss).toBeCloseTo(want / (n - 1), 12);
    expect(dl[5]).toBe(0);
    const scratch = new Float64Array(n);
    expect(gradError(() => bceWithLogits(x, y, mask, scratch, n), x, dl)).toBeLessThan(GRAD_TOL);
  });

  it('is stable where the naive form overflows: logit 100 with label 0 costs 100', () => {
    const dl = new Float32Array(2);
    expect(bceWithLogits(new Float32Array([100, -100]), new Float32Array([0, 1]), null, dl, 2)).toBeCloseTo(100, 4);
    expect([...dl].map((v) => +v.toFixed(6))).toEqual([0.5, -0.5]);
  });
});

describe('gBCE (gSASRec)', () => {
  it('β = α(t(1 − 1/α) + 1/α) with α = k/(|I| − 1): t = 0 gives 1 (BCE), t = 1 gives α', () => {
    expect(gbceBeta(10, 1001, 0)).toBeCloseTo(1, 15);
    expect(gbceBeta(10, 1001, 1)).toBeCloseTo(0.01, 15);
    const alpha = 256 / 3416;
    expect(gbceBeta(256, 3417, 0.75)).toBeCloseTo(alpha * (0.75 * (1 - 1 / alpha) + 1 / alpha), 15);
    expect(() => gbceBeta(10, 100, 1.5)).toThrow(/t must be in \[0, 1\]/);
  });

  it('with β = 1 equals BCE over [positive, negatives] with labels [1, 0, …]', () => {
    const rng = new Rng(18);
    const rows = 3;
    const k = 4;
    const x = randomVec(rng, rows * (k + 1), 3);
    const labels = new Float64Array(rows * (k + 1));
    for (let r = 0; r < rows; r++) labels[r * (k + 1)] = 1;
    const a = gbce(x, null, new Float64Array(x.length), rows, k, 1);
    const b = bceWithLogits(x, labels, null, new Float64Array(x.length), x.length);
    expect(a).toBeCloseTo(b, 13);
  });

  it('the positive term is β·(−log σ(s⁺)) = −log σ(s⁺)^β; gradient matches finite differences; masked rows ignored', () => {
    const rng = new Rng(19);
    const rows = 4;
    const k = 3;
    const beta = 0.37;
    const x = randomVec(rng, rows * (k + 1), 3);
    const mask = new Uint8Array([1, 0, 1, 1]);
    const dl = new Float64Array(x.length);
    const loss = gbce(x, mask, dl, rows, k, beta);
    let want = 0;
    for (const r of [0, 2, 3]) {
      const o = r * (k + 1);
      want -= Math.log(Math.pow(1 / (1 + Math.exp(-x[o])), beta));
      for (let j = 1; j <= k; j++) want -= Math.log(1 - 1 / (1 + Math.exp(-x[o + j])));
    }
    expect(loss).toBeCloseTo(want / (3 * (k + 1)), 12);
    for (let j = 0; j <= k; j++) expect(dl[k + 1 + j]).toBe(0);
    const scratch = new Float64Array(x.length);
    expect(gradError(() => gbce(x, mask, scratch, rows, k, beta), x, dl)).toBeLessThan(GRAD_TOL);
  });
});
