import { Als, synthetic } from 'kindred';
import { describe, expect, it } from 'vitest';
import { pooledFactorNeighbours } from './pooled-neighbours.js';

describe('pooledFactorNeighbours', () => {
  const data = synthetic({ users: 120, items: 60, seed: 4 });
  const model = new Als({ factors: 6, iterations: 4, seed: 2 }).fit(data);

  it('with a pool of every item, equals the model’s own similarItems', () => {
    const nb = pooledFactorNeighbours(model, 10_000);
    for (const i of [0, 7, 33]) {
      const mine = nb(i, 5);
      const ref = model.similarItems(model.training.itemIds.id(i), 5);
      expect(Array.from(mine.indices)).toEqual(Array.from(ref.indices));
      for (let k = 0; k < 5; k++) expect(mine.scores[k]).toBeCloseTo(ref.scores[k], 5);
    }
  });

  it('a small pool keeps only the most-interacted items, never the item itself', () => {
    const counts = model.training.itemCounts;
    const order = Array.from(counts.keys()).sort((a, b) => counts[b] - counts[a] || a - b);
    const pool = new Set(order.slice(0, 10));
    const nb = pooledFactorNeighbours(model, 10);
    const r = nb(order[0], 20);
    expect(r.indices.length).toBe(9);
    for (const j of r.indices) expect(pool.has(j)).toBe(true);
    expect(Array.from(r.indices)).not.toContain(order[0]);
    expect(nb(-1, 5).indices.length).toBe(0);
  });
});
