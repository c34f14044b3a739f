import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../errors.js';
import { synthetic } from './synthetic.js';

describe("synthetic({ kind: 'sequential' })", () => {
  const opts = { kind: 'sequential' as const, users: 50, items: 40, interactions: 800, seed: 4 };

  it('is seeded, implicit, never repeats an item per user, and timestamps increase along each user', () => {
    const a = synthetic(opts);
    const b = synthetic(opts);
    expect(Array.from(a.items)).toEqual(Array.from(b.items));
    expect(Array.from(a.timestamps!)).toEqual(Array.from(b.timestamps!));
    expect(Array.from(synthetic({ ...opts, seed: 5 }).items)).not.toEqual(Array.from(a.items));
    expect(a.values.every((v) => v === 1)).toBe(true);
    const last = new Map<number, number>();
    const seen = new Set<string>();
    for (let r = 0; r < a.length; r++) {
      const u = a.users[r];
      expect(a.timestamps![r]).toBeGreaterThan(last.get(u) ?? -Infinity);
      last.set(u, a.timestamps![r]);
      const key = `${u}:${a.items[r]}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
    }
    expect(a.length).toBeGreaterThan(600);
  });

  it('the next item follows the previous one: the chain makes consecutive pairs repeat across users', () => {
    // Pairs (previous, next) concentrate on few successors with orderStrength 0.9; with 0 they spread out.
    const distinctPairs = (orderStrength: number) => {
      const d = synthetic({ ...opts, orderStrength });
      const pairs = new Set<string>();
      for (let r = 1; r < d.length; r++)
        if (d.users[r] === d.users[r - 1]) pairs.add(`${d.items[r - 1]}>${d.items[r]}`);
      return pairs.size;
    };
    expect(distinctPairs(0.9)).toBeLessThan(distinctPairs(0) * 0.6);
  });

  it('rejects a bad orderStrength', () => {
    expect(() => synthetic({ ...opts, orderStrength: 2 })).toThrow(InvalidParameterError);
  });
});
