import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../errors.js';
import { Interactions } from '../../data/interactions.js';
import { synthetic } from '../../data/synthetic.js';
import { Rng } from '../../math/rng.js';
import { conformance } from '../recommender.case.js';
import { Nmf, nmfEntry } from './nmf.js';

conformance('nmf', { create: (p) => new Nmf({ seed: 1, ...p }), entry: nmfEntry });
conformance('nmf (biased)', { create: (p) => new Nmf({ seed: 1, biased: true, ...p }), entry: nmfEntry });

describe('Nmf', () => {
  const data = synthetic({ users: 80, items: 60, interactions: 1500, seed: 8 });

  it('one epoch on one rating matches the multiplicative update by hand', () => {
    const d = Interactions.fromRecords([{ user: 'u', item: 'i', value: 4 }]);
    const rng = new Rng(3);
    const a = rng.next(),
      b = rng.next(); // p_u then q_i, uniform in [0, 1)
    const m = new Nmf({ factors: 1, epochs: 1, seed: 3, regPu: 0.1, regQi: 0.2 }).fit(d);
    // r̂ = ab; p' = a·(b·4)/(b·ab + 1·0.1·a); q' = b·(a·4)/(a·ab + 1·0.2·b), both from the epoch's old values.
    const p1 = (a * (b * 4)) / (b * a * b + 0.1 * a);
    const q1 = (b * (a * 4)) / (a * a * b + 0.2 * b);
    // Trained in float64, stored as float32 factors.
    const st = m.factorState();
    expect(st.userFactors[0]).toBeCloseTo(p1, 6);
    expect(st.itemFactors[0]).toBeCloseTo(q1, 6);
    expect(m.predict('u', 'i').value).toBeCloseTo(Math.min(4, p1 * q1), 6);
  });

  it('factors stay non-negative', () => {
    for (const biased of [false, true]) {
      const st = new Nmf({ seed: 4, biased, epochs: 30 }).fit(data).factorState();
      expect(st.userFactors.length).toBe(data.nUsers * 15);
      for (const v of st.userFactors) expect(v).toBeGreaterThanOrEqual(0);
      for (const v of st.itemFactors) expect(v).toBeGreaterThanOrEqual(0);
    }
  });

  it('training loss falls over the epochs (every two: users and items update together, so it zigzags)', () => {
    const losses: number[] = [];
    new Nmf({ seed: 2, epochs: 20 }).fit(data, { onEpoch: (e) => losses.push(e.loss!) });
    expect(losses.length).toBe(20);
    for (let k = 2; k < losses.length; k++) expect(losses[k]).toBeLessThan(losses[k - 2]);
    expect(losses[19]).toBeLessThan(losses[0] * 0.6);
  });

  it('unbiased needs a known user and item; biased falls back to μ + b_u', () => {
    const d = Interactions.fromRecords([
      { user: 'a', item: 'x', value: 5 },
      { user: 'b', item: 'x', value: 3 },
    ]);
    const newItem = d.itemIds.add('y'); // known id, no training rows (as in a k-fold test set)
    const a = d.userIds.index('a');
    const plain = new Nmf({ seed: 1 }).fit(d);
    const r = plain.predictIndexDetailed(a, newItem);
    expect(r.impossible).toBe(true);
    expect(r.value).toBe(4);
    const biased = new Nmf({ seed: 1, biased: true }).fit(d);
    const rb = biased.predictIndexDetailed(a, newItem);
    expect(rb.impossible).toBe(false);
    expect(rb.value).toBeGreaterThan(4); // μ + b_u with b_u > 0
    const out = new Float32Array(d.nItems);
    plain.scoreItems(a, out);
    expect(out[newItem]).toBe(-Infinity);
    expect(out[d.itemIds.index('x')]).toBeCloseTo(plain.score(a, d.itemIds.index('x')), 5);
  });

  it('rejects initHigh below initLow and negative initLow', () => {
    expect(() => new Nmf({ initLow: 0.5, initHigh: 0.2 })).toThrow(InvalidParameterError);
    expect(() => new Nmf({ initLow: -0.1 })).toThrow(InvalidParameterError);
  });
});
