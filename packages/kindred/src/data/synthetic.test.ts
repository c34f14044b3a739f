import { describe, expect, it } from 'vitest';
import { synthetic } from './synthetic.js';

/** A rolling hash of every row, to pin the generator's output. */
function fingerprint(d: ReturnType<typeof synthetic>): number {
  let h = 0;
  for (let k = 0; k < d.length; k++) h = (Math.imul(h, 31) + d.users[k] * 1000 + d.items[k] * 7 + d.values[k]) | 0;
  return h;
}

describe('synthetic', () => {
  it('gives the same rows as the Set-based generator it replaced (same seed, same data)', () => {
    // Values recorded from the previous implementation (a JS Set of keys and full binary searches).
    const d = synthetic({ users: 500, items: 300, interactions: 20000, seed: 1 });
    expect(d.length).toBe(20000);
    expect(Array.from(d.users.subarray(0, 5))).toEqual([493, 426, 221, 239, 3]);
    expect(Array.from(d.items.subarray(0, 5))).toEqual([127, 171, 266, 171, 202]);
    expect(fingerprint(d)).toBe(1323811342);
    // A nearly full matrix runs out of attempts before the target: 182 distinct pairs of 200 possible.
    expect(synthetic({ users: 20, items: 10, interactions: 200, seed: 5 }).length).toBe(182);
  });

  it('never repeats a (user, item) pair, whatever the key size', () => {
    // users × items above 2^32: keys need more than 32 bits.
    const d = synthetic({ users: 100_000, items: 50_000, interactions: 30_000, kind: 'implicit', seed: 2 });
    const keys = new Set<number>();
    for (let k = 0; k < d.length; k++) keys.add(d.users[k] * 50_000 + d.items[k]);
    expect(keys.size).toBe(d.length);
    expect(d.length).toBe(30_000);
    expect(d.values.every((v) => v === 1)).toBe(true);
    const small = synthetic({ users: 30, items: 20, interactions: 400, seed: 3 });
    const pairs = new Set(Array.from(small.users, (u, k) => u * 20 + small.items[k]));
    expect(pairs.size).toBe(small.length);
  });
});
