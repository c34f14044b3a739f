import { describe, expect, it } from 'vitest';
import { Rng } from '../../math/rng.js';
import { allFinite, jsSgdTrainer, sgdEpochJs, type SgdHyper, type SgdProblem } from './sgd-kernel.js';
import { decodeBase64 } from '../../math/wasm-kernel.js';
import { wasmSgdAvailable, wasmSgdTrainer } from './sgd-wasm.js';

const hyper: SgdHyper = {
  mu: 3.2,
  biased: true,
  lrBu: 0.01,
  lrBi: 0.02,
  lrPu: 0.03,
  lrQi: 0.04,
  regBu: 0.05,
  regBi: 0.06,
  regPu: 0.07,
  regQi: 0.08,
};

/** 7 users × 5 items, 20 ratings; 10 factors, so the WebAssembly rows (stride 16) carry padding. */
function problem(seed = 1): SgdProblem {
  const rng = new Rng(seed);
  const n = 20,
    F = 10;
  const users = new Int32Array(n),
    items = new Int32Array(n),
    values = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    users[k] = rng.int(7);
    items[k] = rng.int(5);
    values[k] = 1 + rng.int(5);
  }
  const userFactors = new Float32Array(7 * F),
    itemFactors = new Float32Array(5 * F);
  rng.fillNormal(userFactors, 0, 0.3);
  rng.fillNormal(itemFactors, 0, 0.3);
  return {
    factors: F,
    userFactors,
    itemFactors,
    userBias: new Float64Array(7),
    itemBias: new Float64Array(5),
    users,
    items,
    values,
  };
}

const order = new Rng(9).permutation(20);

describe('sgdEpochJs', () => {
  it('applies Surprise’s update to one rating, with the old p_u in the q_i update', () => {
    const p: SgdProblem = {
      factors: 2,
      userFactors: new Float32Array([0.5, -0.25]),
      itemFactors: new Float32Array([0.25, 0.5]),
      userBias: new Float64Array([0.1]),
      itemBias: new Float64Array([-0.2]),
      users: new Int32Array([0]),
      items: new Int32Array([0]),
      values: new Float32Array([4]),
    };
    const h: SgdHyper = { ...hyper, mu: 3, lrBu: 0.5, lrBi: 0.25, lrPu: 0.5, lrQi: 0.25 };
    // dot = 0.125 − 0.125 = 0; err = 4 − (3 + 0.1 − 0.2 + 0) = 1.1.
    const sse = sgdEpochJs(p, new Int32Array([0]), h);
    const err = 1.1;
    expect(sse).toBeCloseTo(err * err, 12);
    expect(p.userBias[0]).toBeCloseTo(0.1 + 0.5 * (err - 0.05 * 0.1), 12);
    expect(p.itemBias[0]).toBeCloseTo(-0.2 + 0.25 * (err + 0.06 * 0.2), 12);
    expect(p.userFactors[0]).toBeCloseTo(0.5 + 0.5 * (err * 0.25 - 0.07 * 0.5), 6);
    expect(p.userFactors[1]).toBeCloseTo(-0.25 + 0.5 * (err * 0.5 + 0.07 * 0.25), 6);
    expect(p.itemFactors[0]).toBeCloseTo(0.25 + 0.25 * (err * 0.5 - 0.08 * 0.25), 6);
    expect(p.itemFactors[1]).toBeCloseTo(0.5 + 0.25 * (err * -0.25 - 0.08 * 0.5), 6);
  });

  it('leaves biases alone when unbiased', () => {
    const p = problem();
    sgdEpochJs(p, order, { ...hyper, mu: 0, biased: false });
    expect(Array.from(p.userBias)).toEqual(new Array(7).fill(0));
  });

  it('allFinite spots NaN and Infinity', () => {
    expect(allFinite(new Float32Array([1, -2, 0]))).toBe(true);
    expect(allFinite(new Float32Array([1, NaN]))).toBe(false);
    expect(allFinite(new Float64Array([-Infinity, 0]))).toBe(false);
  });
});

describe('WebAssembly SIMD kernel', () => {
  it('is available on Node 20', () => {
    expect(wasmSgdAvailable()).toBe(true);
  });

  for (const biased of [true, false]) {
    it(`agrees with the JS reference kernel (${biased ? 'biased' : 'unbiased'}, 3 epochs)`, () => {
      const h = { ...hyper, biased, mu: biased ? hyper.mu : 0 };
      const a = problem(),
        b = problem();
      const js = jsSgdTrainer(a),
        wasm = wasmSgdTrainer(b)!;
      expect(wasm.kind).toBe('wasm');
      js.setOrder(order);
      wasm.setOrder(order);
      for (let e = 0; e < 3; e++) {
        const sseJs = js.epoch(h),
          sseWasm = wasm.epoch(h);
        expect(Math.abs(sseWasm - sseJs)).toBeLessThan(1e-4 * sseJs);
      }
      wasm.read();
      for (const key of ['userFactors', 'itemFactors', 'userBias', 'itemBias'] as const) {
        for (let k = 0; k < a[key].length; k++) expect(Math.abs(b[key][k] - a[key][k])).toBeLessThan(1e-5);
      }
      // The inputs' padding never leaks: a trained problem still differs from a fresh one.
      expect(b.userFactors).not.toEqual(problem().userFactors);
    });
  }

  it('reports non-finite parameters', () => {
    const p = problem();
    const t = wasmSgdTrainer(p)!;
    t.setOrder(order);
    t.epoch(hyper);
    expect(t.finite()).toBe(true);
    const boom = wasmSgdTrainer(problem())!;
    boom.setOrder(order);
    for (let e = 0; e < 50 && boom.finite(); e++) boom.epoch({ ...hyper, lrPu: 1e6, lrQi: 1e6 });
    expect(boom.finite()).toBe(false);
  });

  it('decodes base64', () => {
    const text = (s: string) => String.fromCharCode(...decodeBase64(s));
    expect(text('TWFu')).toBe('Man');
    expect(text('TWE=')).toBe('Ma');
    expect(text('TQ==')).toBe('M');
    expect(text('')).toBe('');
    expect(() => decodeBase64('TW*u')).toThrow();
  });
});
