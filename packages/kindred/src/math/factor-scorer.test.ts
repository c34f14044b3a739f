import { afterEach, describe, expect, it, vi } from 'vitest';
import { FactorScorer } from './factor-scorer.js';
import { Rng } from './rng.js';

/** The definition, in float64: base + b_i + x·q_i. */
function reference(x: Float32Array, Q: Float32Array, F: number, base: number, bias: Float64Array | null): Float64Array {
  const n = Q.length / F;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let f = 0; f < F; f++) s += x[f] * Q[i * F + f];
    out[i] = base + (bias ? bias[i] : 0) + s;
  }
  return out;
}

function data(n: number, F: number, seed: number) {
  const rng = new Rng(seed);
  const r = () => rng.next();
  const Q = Float32Array.from({ length: n * F }, () => r() - 0.5);
  const bias = Float64Array.from({ length: n }, () => r() - 0.5);
  const xs = Float32Array.from({ length: 4 * F }, () => r() - 0.5);
  return { Q, bias, xs };
}

describe('FactorScorer', () => {
  afterEach(() => vi.unstubAllGlobals());

  for (const F of [1, 3, 4, 7, 32]) {
    it(`score equals the definition (F=${F}, with and without item biases)`, () => {
      const { Q, bias, xs } = data(37, F, F);
      const x = xs.subarray(0, F);
      for (const b of [null, bias]) {
        const scorer = FactorScorer.create(Q, F, b);
        expect(scorer.items).toBe(37);
        const out = new Float32Array(37);
        scorer.score(x, 0.25, out);
        const want = reference(x, Q, F, 0.25, b);
        for (let i = 0; i < 37; i++) expect(out[i]).toBeCloseTo(want[i], 5);
      }
    });
  }

  it('scoreBlock gives each of four users what score gives them alone', () => {
    const F = 10;
    const { Q, bias, xs } = data(53, F, 9);
    const scorer = FactorScorer.create(Q, F, bias);
    const bases = [0.5, -1, 2, 0];
    const block = new Float32Array(4 * 53);
    scorer.scoreBlock(xs, bases, block);
    const one = new Float32Array(53);
    for (let r = 0; r < 4; r++) {
      scorer.score(xs.subarray(r * F, (r + 1) * F), bases[r], one);
      expect(Array.from(block.subarray(r * 53, (r + 1) * 53))).toEqual(Array.from(one));
    }
  });

  it('copies the factors: later changes to the caller’s array are not seen', () => {
    const Q = new Float32Array([1, 0, 0, 1]);
    const scorer = FactorScorer.create(Q, 2, null);
    Q[0] = 100;
    const out = new Float32Array(2);
    scorer.score([2, 3], 0, out);
    expect(Array.from(out)).toEqual([2, 3]);
  });

  it('falls back to JS without WebAssembly, with the same results', () => {
    const F = 6;
    const { Q, bias, xs } = data(20, F, 4);
    const wasm = new Float32Array(4 * 20);
    FactorScorer.create(Q, F, bias).scoreBlock(xs, [1, 2, 3, 4], wasm);
    vi.stubGlobal('WebAssembly', undefined);
    const js = new Float32Array(4 * 20);
    FactorScorer.create(Q, F, bias).scoreBlock(xs, [1, 2, 3, 4], js);
    for (let k = 0; k < js.length; k++) expect(js[k]).toBeCloseTo(wasm[k], 5);
  });
});
