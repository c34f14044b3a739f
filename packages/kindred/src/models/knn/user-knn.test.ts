import { describe, expect, it } from 'vitest';
import { Interactions } from '../../data/interactions.js';
import { synthetic } from '../../data/synthetic.js';
import { conformance } from '../recommender.case.js';
import { UserKnn, userKnnEntry } from './user-knn.js';

conformance('user-knn (cosine)', { create: (p) => new UserKnn(p), implicit: true, entry: userKnnEntry });
conformance('user-knn (bm25)', {
  create: (p) => new UserKnn({ weighting: 'bm25', ...p }),
  implicit: true,
  entry: userKnnEntry,
});

describe('UserKnn', () => {
  it('scores by cosine-weighted votes of the k nearest users, by hand', () => {
    // u0 = {a, b}, u1 = {a, b, c}, u2 = {a, d}, u3 = {e}.
    const data = Interactions.fromRecords([
      { user: 'u0', item: 'a' },
      { user: 'u0', item: 'b' },
      { user: 'u1', item: 'a' },
      { user: 'u1', item: 'b' },
      { user: 'u1', item: 'c' },
      { user: 'u2', item: 'a' },
      { user: 'u2', item: 'd' },
      { user: 'u3', item: 'e' },
    ]);
    // cos(u0, u1) = 2/√6, cos(u0, u2) = 1/2, cos(u0, u3) = 0 (not a neighbour).
    const all = new UserKnn({ k: 5 }).fit(data);
    expect(all.predict('u0', 'c').value).toBeCloseTo(2 / Math.sqrt(6), 6);
    expect(all.predict('u0', 'd').value).toBeCloseTo(1 / 2, 6);
    expect(all.predict('u0', 'e').value).toBe(0);
    expect(all.recommend('u0', { k: 2 }).ids).toEqual(['c', 'd']);
    // With k = 1 only u1 votes.
    const one = new UserKnn({ k: 1 }).fit(data);
    expect(one.predict('u0', 'd').value).toBe(0);
    const why = all.explain('u0', 'c');
    expect(why.ids).toEqual(['u1']);
    expect(why.scores[0]).toBeCloseTo(2 / Math.sqrt(6), 6);
  });

  it('scoreItems equals score item by item; a user is not her own neighbour', () => {
    const data = synthetic({ users: 50, items: 40, interactions: 600, kind: 'implicit', seed: 4 });
    const m = new UserKnn({ k: 7 }).fit(data);
    const out = new Float32Array(data.nItems);
    for (let u = 0; u < 10; u++) {
      if (!m.knownUser(u)) continue;
      m.scoreItems(u, out);
      for (let i = 0; i < data.nItems; i++)
        if (m.knownItem(i)) expect(Math.abs(out[i] - m.score(u, i))).toBeLessThan(1e-5 * Math.max(1, out[i]));
      const seenItem = data.byUser().indices[data.byUser().indptr[u]];
      expect(m.explainIndex(u, seenItem, 100).indices).not.toContain(u);
    }
  });
});
