import { describe, expect, it } from 'vitest';
import { dotAll, GRAD_TOL, gradError, randomVec, Rng } from './grad-check.case.js';
import { softmaxCrossEntropy } from './softmax-ce.js';
import { gaussianKl, gaussianSampleBackward, gaussianSampleForward, multinomialNll } from './vae.js';

describe('VAE pieces', () => {
  it('multinomial NLL: a one-hot row is softmax cross-entropy; gradient by FD; masked rows ignored', () => {
    const rng = new Rng(81);
    const [rows, n] = [3, 5];
    const z = randomVec(rng, rows * n, 2);
    const x = new Float64Array(rows * n);
    x[2] = 1;
    x[n + 0] = 1;
    x[n + 3] = 2; // counts are allowed
    const mask = new Uint8Array([1, 1, 0]);
    const dl = new Float64Array(rows * n);
    multinomialNll(z, x, mask, dl, rows, n);
    const one = multinomialNll(z.subarray(0, n), x.subarray(0, n), null, new Float64Array(n), 1, n);
    expect(one).toBeCloseTo(softmaxCrossEntropy(z.subarray(0, n), new Int32Array([2]), new Float64Array(n), 1, n), 13);
    for (let j = 0; j < n; j++) expect(dl[2 * n + j]).toBe(0);
    const scratch = new Float64Array(rows * n);
    expect(gradError(() => multinomialNll(z, x, mask, scratch, rows, n), z, dl)).toBeLessThan(GRAD_TOL);
  });

  it('Gaussian KL is 0 at N(0, 1), matches −½Σ(1 + lv − μ² − e^lv), and its gradients match FD', () => {
    const zero = new Float64Array(4);
    expect(gaussianKl(zero, zero, new Float64Array(4), new Float64Array(4), 2, 2, 1)).toBe(0);
    const rng = new Rng(82);
    const [rows, dim] = [3, 2];
    const mu = randomVec(rng, rows * dim);
    const lv = randomVec(rng, rows * dim);
    const dMu = new Float64Array(rows * dim);
    const dLv = new Float64Array(rows * dim);
    const kl = gaussianKl(mu, lv, dMu, dLv, rows, dim, 0.3);
    let want = 0;
    for (let i = 0; i < mu.length; i++) want += -0.5 * (1 + lv[i] - mu[i] ** 2 - Math.exp(lv[i]));
    expect(kl).toBeCloseTo((0.3 * want) / rows, 13);
    const s1 = new Float64Array(rows * dim);
    const s2 = new Float64Array(rows * dim);
    const f = () => gaussianKl(mu, lv, s1, s2, rows, dim, 0.3);
    expect(gradError(f, mu, dMu)).toBeLessThan(GRAD_TOL);
    expect(gradError(f, lv, dLv)).toBeLessThan(GRAD_TOL);
  });

  it('reparameterised sample: gradients of μ and logVar match FD for fixed noise; z = μ at evaluation', () => {
    const rng = new Rng(83);
    const n = 8;
    const mu = randomVec(rng, n);
    const lv = randomVec(rng, n);
    const r = randomVec(rng, n);
    const eps = new Float64Array(n);
    const z = new Float64Array(n);
    const loss = () => {
      gaussianSampleForward(mu, lv, eps, z, n, new Rng(5));
      return dotAll(z, r);
    };
    loss();
    const dMu = new Float64Array(n);
    const dLv = new Float64Array(n);
    gaussianSampleBackward(lv, eps, r, dMu, dLv, n);
    expect(gradError(loss, mu, dMu)).toBeLessThan(GRAD_TOL);
    expect(gradError(loss, lv, dLv)).toBeLessThan(GRAD_TOL);
    gaussianSampleForward(mu, lv, eps, z, n, null);
    expect([...z]).toEqual([...mu]);
  });
});
