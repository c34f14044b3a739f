import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidParameterError, ModelFitError } from '../../errors.js';
import { synthetic } from '../../data/synthetic.js';
import { conformance } from '../recommender.case.js';
import { Svd, svdEntry, type SvdOptions } from './svd.js';

// The checkerboard has ~14 ratings per user: Surprise's defaults (γ = 0.005, 20 epochs) barely move the factors there.
const small: Partial<SvdOptions> = { factors: 8, epochs: 60, learningRate: 0.03 };
conformance('svd', { create: (p) => new Svd({ ...small, ...p }), entry: svdEntry });
conformance('svd (unbiased)', { create: (p) => new Svd({ ...small, biased: false, ...p }) });

const data = synthetic({ users: 120, items: 80, interactions: 3000, seed: 11 });

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
