import { describe, expect, it } from 'vitest';
import { InvalidParameterError, ModelFitError } from '../../errors.js';
import { Interactions } from '../../data/interactions.js';
import { synthetic } from '../../data/synthetic.js';
import { Rng } from '../../math/rng.js';
import { conformance } from '../recommender.case.js';
import { epochRates, Svdpp, svdppEntry } from './svdpp.js';

conformance('svdpp', { create: (p) => new Svdpp({ seed: 1, ...p }), entry: svdppEntry });

/**
 * Surprise's SVDpp.sgd written out literally (implicit sum recomputed and every y_j moved for each rating), on the
 * same initial draws and rating order, as the reference the O(f)-per-rating kernel must reproduce. Epoch e steps
 * by lr × decay^e (decay 1: Surprise's constant rate).
 */
function surpriseSvdpp(
  data: Interactions,
  f: number,
  epochs: number,
  seed: number,
  lr0: number,
  reg: number,
  decay = 1,
) {
  const rng = new Rng(seed);
  const pu = new Float64Array(data.nUsers * f),
    qi = new Float64Array(data.nItems * f),
    yj = new Float64Array(data.nItems * f);
  rng.fillNormal(pu, 0, 0.1);
  rng.fillNormal(qi, 0, 0.1);
  rng.fillNormal(yj, 0, 0.1);
  const bu = new Float64Array(data.nUsers),
    bi = new Float64Array(data.nItems);
  const { indptr, indices, values } = data.byUser();
  const mu = data.mean();
  for (let e = 0; e < epochs; e++) {
    const lr = lr0 * decay ** e;
    for (let u = 0; u < data.nUsers; u++) {
      const Iu = Array.from(indices.subarray(indptr[u], indptr[u + 1]));
      const sq = Math.sqrt(Iu.length);
      for (let k = indptr[u]; k < indptr[u + 1]; k++) {
        const i = indices[k];
        const impl = new Float64Array(f);
        for (const j of Iu) for (let t = 0; t < f; t++) impl[t] += yj[j * f + t] / sq;
        let dot = 0;
        for (let t = 0; t < f; t++) dot += qi[i * f + t] * (pu[u * f + t] + impl[t]);
        const err = values[k] - (mu + bu[u] + bi[i] + dot);
        bu[u] += lr * (err - reg * bu[u]);
        bi[i] += lr * (err - reg * bi[i]);
        for (let t = 0; t < f; t++) {
          const puf = pu[u * f + t],
            qif = qi[i * f + t];
          pu[u * f + t] += lr * (err * qif - reg * puf);
          qi[i * f + t] += lr * (err * (puf + impl[t]) - reg * qif);
          for (const j of Iu) yj[j * f + t] += lr * ((err * qif) / sq - reg * yj[j * f + t]);
        }
      }
    }
  }
  return (u: number, i: number) => {
    const Iu = Array.from(indices.subarray(indptr[u], indptr[u + 1]));
    let est = mu + bu[u] + bi[i];
    for (let t = 0; t < f; t++) {
      let z = pu[u * f + t];
      for (const j of Iu) z += yj[j * f + t] / Math.sqrt(Iu.length);
      est += qi[i * f + t] * z;
    }
    return est;
  };
}

describe('Svdpp', () => {
  const data = synthetic({ users: 50, items: 40, interactions: 700, seed: 4 });

  it("reproduces Surprise's per-rating updates exactly", () => {
    // A large step makes y_j matter, so a wrong implicit-sum bookkeeping would show (at ~1e-2); the tolerance covers
    // only the float32 storage of the final factors.
    const m = new Svdpp({ factors: 4, epochs: 3, seed: 9, learningRate: 0.05, reg: 0.1 }).fit(data);
    const ref = surpriseSvdpp(data, 4, 3, 9, 0.05, 0.1);
    for (let u = 0; u < data.nUsers; u++)
      for (let i = 0; i < data.nItems; i++)
        if (m.knownUser(u) && m.knownItem(i)) expect(m.score(u, i)).toBeCloseTo(ref(u, i), 5);
  });

  it('lrDecay: epoch e steps by every learning rate × lrDecay^e, as the literal reference does', () => {
    const opts = { factors: 4, epochs: 4, seed: 9, learningRate: 0.05, reg: 0.1 };
    const m = new Svdpp({ ...opts, lrDecay: 0.5 }).fit(data);
    const ref = surpriseSvdpp(data, 4, 4, 9, 0.05, 0.1, 0.5);
    const constant = new Svdpp(opts).fit(data);
    let moved = 0;
    for (let u = 0; u < data.nUsers; u++)
      for (let i = 0; i < data.nItems; i++)
        if (m.knownUser(u) && m.knownItem(i)) {
          expect(m.score(u, i)).toBeCloseTo(ref(u, i), 5);
          moved = Math.max(moved, Math.abs(constant.score(u, i) - m.score(u, i)));
        }
    expect(moved).toBeGreaterThan(1e-2); // the decay changes the model, so the check above can fail
  });

  it('epochRates scales the five step sizes only, and returns the rates themselves for decay 1', () => {
    const r = new Svdpp({ learningRate: 0.01, reg: 0.1, lrYj: 0.004, regYj: 0.02 }).rates();
    expect(epochRates(r, 1, 9)).toBe(r);
    expect(epochRates(r, 0.5, 3)).toEqual({
      ...r,
      lrBu: 0.00125,
      lrBi: 0.00125,
      lrPu: 0.00125,
      lrQi: 0.00125,
      lrYj: 0.0005,
    });
    expect(() => new Svdpp({ lrDecay: 2 })).toThrow(InvalidParameterError);
  });

  it('training loss falls over the epochs', () => {
    const losses: number[] = [];
    new Svdpp({ seed: 2, epochs: 10 }).fit(data, { onEpoch: (e) => losses.push(e.loss!) });
    expect(losses.length).toBe(10);
    for (let k = 1; k < losses.length; k++) expect(losses[k]).toBeLessThan(losses[k - 1]);
  });

  it('scoreItems agrees with score', () => {
    const m = new Svdpp({ seed: 3, epochs: 5 }).fit(data);
    const out = new Float32Array(data.nItems);
    for (let u = 0; u < data.nUsers; u += 5) {
      m.scoreItems(u, out);
      for (let i = 0; i < data.nItems; i++) expect(out[i]).toBeCloseTo(m.score(u, i), 4);
    }
  });

  it('unknown users and items fall back like Surprise: μ + b_u, μ + b_i', () => {
    const d = Interactions.fromRecords([
      { user: 'a', item: 'x', value: 5 },
      { user: 'a', item: 'y', value: 4 },
      { user: 'b', item: 'x', value: 3 },
    ]);
    // Ids known to the maps but without training rows, as in a k-fold split that shares id maps.
    const newUser = d.userIds.add('c'),
      newItem = d.itemIds.add('z');
    const lrOnlyBu = new Svdpp({ seed: 1, learningRate: 0, lrBu: 0.1 }).fit(d);
    const mu = 4;
    const bu = lrOnlyBu.score(d.userIds.index('a'), newItem) - mu;
    expect(bu).toBeGreaterThan(0); // a rates above the mean
    expect(lrOnlyBu.predictIndexDetailed(d.userIds.index('a'), newItem).impossible).toBe(false);
    // b_i never moved (lrBi inherits learningRate = 0), so an unknown user gets exactly μ.
    expect(lrOnlyBu.score(newUser, d.itemIds.index('x'))).toBe(mu);
    expect(lrOnlyBu.score(newUser, newItem)).toBe(mu);
  });

  it('validates the per-parameter overrides and reports divergence', () => {
    expect(() => new Svdpp({ lrYj: -0.5 })).toThrow(InvalidParameterError);
    expect(() => new Svdpp({ regQi: -2 })).toThrow(InvalidParameterError);
    expect(() => new Svdpp({ learningRate: 5, epochs: 50 }).fit(data)).toThrow(ModelFitError);
  });
});
