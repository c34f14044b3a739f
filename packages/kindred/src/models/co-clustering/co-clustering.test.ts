import { describe, expect, it } from 'vitest';
import { Interactions } from '../../data/interactions.js';
import { synthetic } from '../../data/synthetic.js';
import { conformance } from '../recommender.case.js';
import { CoClustering, coClusteringEntry } from './co-clustering.js';

conformance('co-clustering', {
  create: (p) => new CoClustering({ seed: 3, ...p }),
  entry: coClusteringEntry,
});

describe('CoClustering', () => {
  const data = synthetic({ users: 120, items: 80, interactions: 2400, seed: 11 });

  it('assignments are deterministic under a seed and depend on it', () => {
    const a = new CoClustering({ seed: 5 }).fit(data);
    const b = new CoClustering({ seed: 5 }).fit(data);
    expect(Array.from(a.userClusters)).toEqual(Array.from(b.userClusters));
    expect(Array.from(a.itemClusters)).toEqual(Array.from(b.itemClusters));
    const others = [6, 7, 8].map((seed) => new CoClustering({ seed }).fit(data));
    const same = others.every(
      (o) =>
        Array.from(o.userClusters).join() === Array.from(a.userClusters).join() &&
        Array.from(o.itemClusters).join() === Array.from(a.itemClusters).join(),
    );
    expect(same).toBe(false);
    for (const c of a.userClusters) expect(c >= 0 && c < 3).toBe(true);
    for (const c of a.itemClusters) expect(c >= 0 && c < 3).toBe(true);
  });

  it('with one cluster each, predicts μ_u + μ_i − μ', () => {
    const d = Interactions.fromRecords([
      { user: 'a', item: 'x', value: 5 },
      { user: 'a', item: 'y', value: 3 },
      { user: 'b', item: 'x', value: 2 },
      { user: 'b', item: 'z', value: 4 },
    ]);
    const m = new CoClustering({ nCltrU: 1, nCltrI: 1 }).fit(d);
    // μ = 3.5, μ_b = 3, μ_y = 3: 3 + 3 − 3.5 = 2.5.
    expect(m.predict('b', 'y').value).toBeCloseTo(2.5, 12);
    // μ_a = 4, μ_z = 4: 4.5.
    expect(m.predict('a', 'z').value).toBeCloseTo(4.5, 12);
  });

  it('separates two taste groups into matching clusters', () => {
    // Users 0-9 love items 0-9 and hate 10-19; users 10-19 the reverse. Two clusters each should split them.
    const recs = [];
    for (let u = 0; u < 20; u++)
      for (let i = 0; i < 20; i++)
        if ((u + 2 * i) % 3 !== 0) recs.push({ user: `u${u}`, item: `i${i}`, value: u < 10 === i < 10 ? 5 : 1 });
    const d = Interactions.fromRecords(recs);
    const m = new CoClustering({ nCltrU: 2, nCltrI: 2, seed: 1 }).fit(d);
    const uc = m.userClusters,
      ic = m.itemClusters;
    for (let u = 1; u < 20; u++) expect(uc[d.userIds.index(`u${u}`)] === uc[d.userIds.index('u0')]).toBe(u < 10);
    for (let i = 1; i < 20; i++) expect(ic[d.itemIds.index(`i${i}`)] === ic[d.itemIds.index('i0')]).toBe(i < 10);
  });

  it('scoreItems agrees with score, and reports epochs', () => {
    const epochs: number[] = [];
    const m = new CoClustering({ seed: 2, epochs: 4 }).fit(data, {
      onEpoch: (e) => {
        expect(Number.isFinite(e.loss)).toBe(true);
        epochs.push(e.epoch);
      },
    });
    expect(epochs).toEqual([1, 2, 3, 4]);
    const out = new Float32Array(data.nItems);
    for (let u = 0; u < data.nUsers; u += 7) {
      m.scoreItems(u, out);
      for (let i = 0; i < data.nItems; i++)
        if (m.knownItem(i)) expect(out[i]).toBeCloseTo(m.score(u, i), 5);
        else expect(out[i]).toBe(-Infinity);
    }
  });
});
