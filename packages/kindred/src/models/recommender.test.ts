import { describe, expect, it } from 'vitest';
import { synthetic } from '../data/synthetic.js';
import { createModel } from './registry.js';

describe('Recommender.recommendBatch', () => {
  it('returns each user’s recommendIndex row, padded with -1', () => {
    const data = synthetic({ users: 40, items: 30, interactions: 600, seed: 2 });
    const model = createModel('knn-means', { k: 10 }).fit(data);
    const users = Int32Array.of(0, 7, 39);
    const batch = model.recommendBatch(users, { k: 5 });
    expect(batch.indices.length).toBe(15);
    users.forEach((u, r) => {
      const one = model.recommendIndex(u, { k: 5 });
      expect(Array.from(batch.indices.subarray(r * 5, r * 5 + one.indices.length))).toEqual(Array.from(one.indices));
    });
    const wide = model.recommendBatch(Int32Array.of(0), { k: 40 });
    expect(wide.indices[39]).toBe(-1);
    expect(wide.scores[39]).toBe(-Infinity);
  });
});
