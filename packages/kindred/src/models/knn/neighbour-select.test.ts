import { describe, expect, it } from 'vitest';
import { Rng } from '../../math/rng.js';
import { NeighbourBuffer } from './neighbour-select.js';

describe('NeighbourBuffer.keepLargest', () => {
  it('keeps the k largest, earlier entries first among ties, in push order', () => {
    const nb = new NeighbourBuffer(6);
    nb.clear();
    for (const [s, p] of [
      [0.5, 10],
      [0.9, 11],
      [0.5, 12],
      [0.7, 13],
      [0.5, 14],
    ] as const)
      nb.push(s, p);
    expect(nb.keepLargest(3)).toBe(3);
    expect(Array.from(nb.positions.subarray(0, 3))).toEqual([10, 11, 13]);
    expect(Array.from(nb.sims.subarray(0, 3))).toEqual([0.5, 0.9, 0.7]);
  });

  it('matches a stable full sort on random input with many ties', () => {
    const rng = new Rng(11);
    const nb = new NeighbourBuffer(300);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + rng.int(300);
      const k = 1 + rng.int(60);
      const levels = 1 + rng.int(12); // few distinct values: lots of ties
      const sims = Array.from({ length: n }, () => (1 + rng.int(levels)) / levels);
      nb.clear();
      sims.forEach((s, p) => nb.push(s, p));
      const count = nb.keepLargest(k);
      const expected = sims
        .map((s, p) => ({ s, p }))
        .sort((a, b) => b.s - a.s || a.p - b.p)
        .slice(0, k)
        .map((e) => e.p)
        .sort((a, b) => a - b);
      expect(count).toBe(Math.min(n, k));
      expect(Array.from(nb.positions.subarray(0, count))).toEqual(expected);
    }
  });
});
