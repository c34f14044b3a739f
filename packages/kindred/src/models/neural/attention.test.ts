import { describe, expect, it } from 'vitest';
import { attentionBackward, attentionForward, attentionProbsLength, type AttentionShape } from './attention.js';
import { dotAll, GRAD_TOL, gradError, randomVec, Rng } from './grad-check.case.js';

const base = { batch: 2, len: 5, heads: 2, headDim: 3 };
const width = base.heads * base.headDim;
// row 0 left-padded (SASRec's layout), row 1 with a hole in the middle
const valid = new Uint8Array([0, 0, 1, 1, 1, 1, 1, 0, 1, 1]);

function setup(seed: number) {
  const rng = new Rng(seed);
  const n = base.batch * base.len * width;
  return { rng, n, q: randomVec(rng, n), k: randomVec(rng, n), v: randomVec(rng, n), r: randomVec(rng, n) };
}

function run(q: Float64Array, k: Float64Array, v: Float64Array, s: AttentionShape) {
  const o = new Float64Array(q.length);
  const probs = new Float64Array(attentionProbsLength(s));
  attentionForward(q, k, v, valid, o, probs, s);
  return { o, probs };
}

describe('multi-head self-attention', () => {
  for (const causal of [true, false]) {
    it(`gradients of q, k, v match finite differences (${causal ? 'causal' : 'bidirectional'}, padded)`, () => {
      const s = { ...base, causal };
      const { n, q, k, v, r } = setup(causal ? 31 : 32);
      const loss = () => dotAll(run(q, k, v, s).o, r);
      const { probs } = run(q, k, v, s);
      const dq = new Float64Array(n);
      const dk = new Float64Array(n);
      const dv = new Float64Array(n);
      attentionBackward(q, k, v, valid, probs, r, dq, dk, dv, new Float64Array(s.len), s);
      expect(gradError(loss, q, dq)).toBeLessThan(GRAD_TOL);
      expect(gradError(loss, k, dk)).toBeLessThan(GRAD_TOL);
      expect(gradError(loss, v, dv)).toBeLessThan(GRAD_TOL);
      // padded positions: zero output, zero gradient, exactly
      let bad = 0;
      const { o } = run(q, k, v, s);
      for (let p = 0; p < valid.length; p++) {
        if (valid[p]) continue;
        for (let j = 0; j < width; j++) {
          const i = p * width + j;
          if (o[i] !== 0 || dq[i] !== 0 || dk[i] !== 0 || dv[i] !== 0) bad++;
        }
      }
      expect(bad).toBe(0);
    });
  }

  it('causal: perturbing positions after t never changes the outputs at or before t', () => {
    const s = { ...base, causal: true };
    const { rng, q, k, v } = setup(40);
    const before = run(q, k, v, s).o;
    for (let t = 0; t < s.len - 1; t++) {
      const q2 = q.slice();
      const k2 = k.slice();
      const v2 = v.slice();
      for (let b = 0; b < s.batch; b++)
        for (let u = t + 1; u < s.len; u++)
          for (let j = 0; j < width; j++) {
            const i = (b * s.len + u) * width + j;
            q2[i] += rng.normal();
            k2[i] += rng.normal();
            v2[i] += rng.normal();
          }
      const after = run(q2, k2, v2, s).o;
      for (let b = 0; b < s.batch; b++) {
        const from = b * s.len * width;
        const to = from + (t + 1) * width;
        expect(after.subarray(from, to)).toEqual(before.subarray(from, to));
      }
      // and the perturbation is visible bidirectionally (row 1, whose position 0 is real), so the check has teeth
      const bi = { ...s, causal: false };
      const from = s.len * width;
      const to = from + (t + 1) * width;
      expect(run(q2, k2, v2, bi).o.subarray(from, to)).not.toEqual(run(q, k, v, bi).o.subarray(from, to));
    }
  });

  it('padded keys are never attended: changing them leaves every output unchanged', () => {
    const s = { ...base, causal: false };
    const { q, k, v } = setup(41);
    const before = run(q, k, v, s).o;
    const k2 = k.slice();
    const v2 = v.slice();
    for (let p = 0; p < valid.length; p++)
      if (!valid[p])
        for (let j = 0; j < width; j++) {
          k2[p * width + j] += 5;
          v2[p * width + j] -= 7;
        }
    expect(run(q, k2, v2, s).o).toEqual(before);
  });

  it('probabilities over the allowed positions sum to 1, and the first valid causal position sees only itself', () => {
    const s = { ...base, causal: true };
    const { q, k, v } = setup(42);
    const { o, probs } = run(q, k, v, s);
    // row 0, head 0, t = 2 (the first real item): attends only to itself, so its output is its own value
    const pr = (0 * s.heads + 0) * s.len * s.len + 2 * s.len;
    expect(probs[pr + 2]).toBe(1);
    for (let j = 0; j < s.headDim; j++) expect(o[2 * width + j]).toBe(v[2 * width + j]);
    for (let row = 0; row < s.batch * s.heads * s.len; row++) {
      const t = row % s.len;
      const b = Math.floor(row / (s.heads * s.len));
      let sum = 0;
      for (let u = 0; u < s.len; u++) sum += probs[row * s.len + u];
      expect(sum).toBeCloseTo(valid[b * s.len + t] ? 1 : 0, 12);
    }
  });
});
