import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidParameterError, ModelFitError } from '../../errors.js';
import { synthetic } from '../../data/synthetic.js';
import { conformance } from '../recommender.case.js';
import { Interactions } from '../../data/interactions.js';
import { Rng } from '../../math/rng.js';
import { sgdEpochJs, type SgdHyper, type SgdProblem } from './sgd-kernel.js';
import { epochHyper, Svd, svdEntry, type SvdOptions } from './svd.js';

// The checkerboard has ~14 ratings per user: Surprise's defaults (γ = 0.005, 20 epochs) barely move the factors there.
const small: Partial<SvdOptions> = { factors: 8, epochs: 60, learningRate: 0.03 };
conformance('svd', { create: (p) => new Svd({ ...small, ...p }), entry: svdEntry });
conformance('svd (unbiased)', { create: (p) => new Svd({ ...small, biased: false, ...p }) });

const data = synthetic({ users: 120, items: 80, interactions: 3000, seed: 11 });

/**
 * Svd's fit written out on the JS kernel: the same draws (P, then Q, then the order shuffle) and, for epoch e, every
 * learning rate × decay^e. With decay 1 this is Surprise's constant-rate SGD, the behaviour before lrDecay existed.
 */
function referenceSvd(d: Interactions, mu: number, F: number, epochs: number, lr: number, reg: number, decay: number) {
  const rng = new Rng(5);
  const p: SgdProblem = {
    factors: F,
    userFactors: new Float32Array(d.nUsers * F),
    itemFactors: new Float32Array(d.nItems * F),
    userBias: new Float64Array(d.nUsers),
    itemBias: new Float64Array(d.nItems),
    users: d.users,
    items: d.items,
    values: d.values,
  };
  rng.fillNormal(p.userFactors, 0, 0.1);
  rng.fillNormal(p.itemFactors, 0, 0.1);
  const order = new Int32Array(d.length);
  for (let k = 0; k < order.length; k++) order[k] = k;
  rng.shuffle(order);
  for (let e = 0; e < epochs; e++) {
    const g = lr * decay ** e;
    const h: SgdHyper = {
      mu,
      biased: true,
      lrBu: g,
      lrBi: g,
      lrPu: g,
      lrQi: g,
      regBu: reg,
      regBi: reg,
      regPu: reg,
      regQi: reg,
    };
    sgdEpochJs(p, order, h);
  }
  return p;
}

describe('Svd', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('training loss falls epoch by epoch', () => {
    const losses: number[] = [];
    new Svd({ factors: 16, epochs: 15, learningRate: 0.01 }).fit(data, {
      onEpoch: ({ epoch, epochs, loss }) => {
        expect(epoch).toBe(losses.length + 1);
        expect(epochs).toBe(15);
        losses.push(loss!);
      },
    });
    expect(losses.length).toBe(15);
    for (let e = 1; e < losses.length; e++) expect(losses[e]).toBeLessThan(losses[e - 1]);
  });

  it('biased: scores are μ + b_u + b_i + q_iᵀp_u, cold terms dropped, never impossible', () => {
    const d = synthetic({ users: 40, items: 30, interactions: 500, seed: 4 });
    d.userIds.add('cold-user');
    d.itemIds.add('cold-item');
    const m = new Svd({ factors: 4, epochs: 5 }).fit(d);
    const s = m.factorState();
    const u = d.userIds.index('u3'),
      i = d.itemIds.index('i2');
    let dot = 0;
    for (let f = 0; f < 4; f++) dot += s.userFactors[u * 4 + f] * s.itemFactors[i * 4 + f];
    expect(s.offset).toBeCloseTo(d.mean(), 12);
    expect(m.score(u, i)).toBeCloseTo(s.offset + s.userBias![u] + s.itemBias![i] + dot, 10);
    const coldItem = m.predictIndexDetailed(u, d.itemIds.index('cold-item'));
    expect(coldItem.impossible).toBe(false);
    expect(coldItem.value).toBeCloseTo(s.offset + s.userBias![u], 6);
    const coldUser = m.predictIndexDetailed(d.userIds.index('cold-user'), i);
    expect(coldUser.impossible).toBe(false);
    expect(coldUser.value).toBeCloseTo(s.offset + s.itemBias![i], 6);
  });

  it('unbiased: the score is the dot product and a cold pair is impossible', () => {
    const d = synthetic({ users: 40, items: 30, interactions: 500, seed: 4 });
    d.itemIds.add('cold-item');
    const m = new Svd({ factors: 4, epochs: 5, biased: false }).fit(d);
    const s = m.factorState();
    expect(s.userBias).toBeNull();
    expect(s.offset).toBe(0);
    let dot = 0;
    for (let f = 0; f < 4; f++) dot += s.userFactors[f] * s.itemFactors[f];
    expect(m.score(0, 0)).toBeCloseTo(dot, 10);
    const cold = m.predictIndexDetailed(0, d.itemIds.index('cold-item'));
    expect(cold.impossible).toBe(true);
    expect(cold.reason).toMatch(/item/);
    const row = new Float32Array(d.nItems);
    m.scoreItems(0, row);
    expect(row[d.itemIds.index('cold-item')]).toBe(-Infinity);
  });

  it('scoreItems agrees with score for known and cold users', () => {
    const d = synthetic({ users: 40, items: 30, interactions: 500, seed: 6 });
    d.userIds.add('cold-user');
    const m = new Svd({ factors: 6, epochs: 5 }).fit(d);
    const out = new Float32Array(d.nItems);
    for (const u of [0, 7, d.userIds.index('cold-user')]) {
      m.scoreItems(u, out);
      for (let i = 0; i < d.nItems; i++) expect(out[i]).toBeCloseTo(m.score(u, i), 4);
    }
  });

  it('similarItems ranks by cosine of item factors and leaves the item itself out', () => {
    const m = new Svd({ factors: 8, epochs: 10 }).fit(data);
    const s = m.factorState();
    const F = 8;
    const cos = (a: number, b: number) => {
      let ab = 0,
        aa = 0,
        bb = 0;
      for (let f = 0; f < F; f++) {
        ab += s.itemFactors[a * F + f] * s.itemFactors[b * F + f];
        aa += s.itemFactors[a * F + f] ** 2;
        bb += s.itemFactors[b * F + f] ** 2;
      }
      return ab / Math.sqrt(aa * bb);
    };
    const r = m.similarItems('i5', 4);
    const i5 = data.itemIds.index('i5');
    expect(r.indices.length).toBe(4);
    expect(Array.from(r.indices)).not.toContain(i5);
    let best = -Infinity;
    for (let j = 0; j < data.nItems; j++) if (j !== i5 && data.itemCounts()[j] > 0) best = Math.max(best, cos(i5, j));
    expect(r.scores[0]).toBeCloseTo(best, 5);
    for (let k = 0; k < 4; k++) expect(r.scores[k]).toBeCloseTo(cos(i5, r.indices[k]), 5);
  });

  it('a diverging run (huge learning rate) throws ModelFitError and leaves the model unfitted', () => {
    const m = new Svd({ factors: 8, epochs: 20, learningRate: 50 });
    expect(() => m.fit(data)).toThrow(ModelFitError);
    expect(m.isFitted).toBe(false);
  });

  it('per-parameter rates: -1 takes the global one, other negatives are rejected', () => {
    const h = new Svd({ learningRate: 0.01, reg: 0.1, lrQi: 0.002, regBu: 0 }).hyper(3.5);
    expect(h).toEqual({
      mu: 3.5,
      biased: true,
      lrBu: 0.01,
      lrBi: 0.01,
      lrPu: 0.01,
      lrQi: 0.002,
      regBu: 0,
      regBi: 0.1,
      regPu: 0.1,
      regQi: 0.1,
    });
    expect(new Svd({ biased: false }).hyper(3.5).mu).toBe(0);
    expect(() => new Svd({ lrBu: -0.5 })).toThrow(InvalidParameterError);
    expect(() => new Svd({ regQi: -2 })).toThrow(InvalidParameterError);
  });

  it('lrDecay: epoch e uses every learning rate × lrDecay^e; the default 1 is the constant-rate SGD bit for bit', () => {
    const d = synthetic({ users: 30, items: 20, interactions: 400, seed: 8 });
    for (let u = 0; u < d.nUsers; u++) expect(d.userCounts()[u]).toBeGreaterThan(0); // no zeroed cold rows
    for (let i = 0; i < d.nItems; i++) expect(d.itemCounts()[i]).toBeGreaterThan(0);
    vi.stubGlobal('WebAssembly', undefined); // the JS kernel, so the comparison can be exact
    const opts = { factors: 4, epochs: 6, learningRate: 0.05, reg: 0.05, seed: 5 };
    const decayed = new Svd({ ...opts, lrDecay: 0.6 }).fit(d).factorState();
    const constant = new Svd(opts).fit(d).factorState();
    const ref = (decay: number) => referenceSvd(d, constant.offset, 4, 6, 0.05, 0.05, decay);
    for (const [s, r] of [
      [decayed, ref(0.6)],
      [constant, ref(1)],
    ] as const) {
      expect(Array.from(s.userFactors)).toEqual(Array.from(r.userFactors));
      expect(Array.from(s.itemFactors)).toEqual(Array.from(r.itemFactors));
      expect(Array.from(s.userBias!)).toEqual(Array.from(r.userBias));
      expect(Array.from(s.itemBias!)).toEqual(Array.from(r.itemBias));
    }
    // The decay does change the model (so the comparison above can fail).
    expect(Math.abs(decayed.itemBias![0] - constant.itemBias![0])).toBeGreaterThan(1e-4);
  });

  it('epochHyper scales the learning rates only, and returns the rates themselves for decay 1', () => {
    const h = new Svd({ learningRate: 0.01, reg: 0.1, lrQi: 0.002 }).hyper(3.5);
    expect(epochHyper(h, 1, 7)).toBe(h);
    expect(epochHyper(h, 0.9, 0)).toEqual(h);
    const e2 = epochHyper(h, 0.5, 2);
    expect(e2).toEqual({ ...h, lrBu: 0.0025, lrBi: 0.0025, lrPu: 0.0025, lrQi: 0.0005 });
    expect(() => new Svd({ lrDecay: 1.5 })).toThrow(InvalidParameterError);
    expect(() => new Svd({ lrDecay: -0.1 })).toThrow(InvalidParameterError);
  });

  it('the WebAssembly kernel follows the decayed rates like the JS one', () => {
    const opts = { factors: 12, epochs: 8, seed: 3, learningRate: 0.02, lrDecay: 0.7 };
    const withWasm = new Svd(opts).fit(data);
    vi.stubGlobal('WebAssembly', undefined);
    const withJs = new Svd(opts).fit(data);
    vi.unstubAllGlobals();
    const constant = new Svd({ ...opts, lrDecay: 1 }).fit(data);
    let moved = 0;
    for (let u = 0; u < 20; u++)
      for (let i = 0; i < 20; i++) {
        expect(withJs.score(u, i)).toBeCloseTo(withWasm.score(u, i), 3);
        moved = Math.max(moved, Math.abs(constant.score(u, i) - withWasm.score(u, i)));
      }
    expect(moved).toBeGreaterThan(1e-2);
  });

  it('trains with the pure-JS kernel when WebAssembly is missing, to the same model', () => {
    const opts = { factors: 12, epochs: 8, seed: 3 };
    const withWasm = new Svd(opts).fit(data);
    vi.stubGlobal('WebAssembly', undefined);
    const withJs = new Svd(opts).fit(data);
    vi.unstubAllGlobals();
    for (let u = 0; u < 20; u++)
      for (let i = 0; i < 20; i++) expect(withJs.score(u, i)).toBeCloseTo(withWasm.score(u, i), 3);
  });
});
