import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../errors.js';
import { coldItems } from './cold-items.js';
import { coldUsers } from './cold-users.js';
import { Interactions } from './interactions.js';
import { synthetic } from './synthetic.js';

describe('coldItems', () => {
  const data = synthetic({ users: 60, items: 50, seed: 4 });

  it('holds out 20 % of the items entirely: disjoint item sets, every row of a cold item in test', () => {
    const [s] = coldItems({ testItems: 0.2, seed: 1 })(data);
    const active = Array.from(data.itemCounts()).filter((c) => c > 0).length;
    expect(s.coldItems.length).toBe(Math.round(0.2 * active));
    const cold = new Set(s.coldItems);
    const trainItems = new Set(s.train.items);
    const testItems = new Set(s.test.items);
    for (const i of testItems) expect(cold.has(i)).toBe(true);
    for (const i of trainItems) expect(cold.has(i)).toBe(false);
    const counts = data.itemCounts();
    let coldRows = 0;
    for (const i of cold) coldRows += counts[i];
    expect(s.test.length).toBe(coldRows);
    expect(s.train.length + s.test.length).toBe(data.length);
    // Shared id maps; cold items sorted.
    expect(s.train.itemIds).toBe(data.itemIds);
    expect(Array.from(s.coldItems)).toEqual([...s.coldItems].sort((a, b) => a - b));
  });

  it('is seeded: same seed, same items; another seed, other items', () => {
    const a = coldItems({ seed: 3 })(data)[0].coldItems;
    expect(Array.from(coldItems({ seed: 3 })(data)[0].coldItems)).toEqual(Array.from(a));
    expect(Array.from(coldItems({ seed: 4 })(data)[0].coldItems)).not.toEqual(Array.from(a));
    expect(coldItems({ testItems: 7 })(data)[0].coldItems.length).toBe(7);
  });

  it('rejects bad shares', () => {
    expect(() => coldItems({ testItems: 0 })).toThrow(InvalidParameterError);
    expect(() => coldItems({ testItems: 1.5 })).toThrow(InvalidParameterError);
    expect(() => coldItems({ testItems: 500 })(data)).toThrow(InvalidParameterError);
  });
});

describe('coldUsers', () => {
  // Timestamps out of row order: u0's rows by time are i3 (t=1), i1 (t=2), i0 (t=3), i2 (t=4); ties by row order.
  const data = Interactions.fromRecords([
    { user: 'u0', item: 'i0', value: 5, timestamp: 3 },
    { user: 'u0', item: 'i1', value: 4, timestamp: 2 },
    { user: 'u0', item: 'i2', value: 3, timestamp: 4 },
    { user: 'u0', item: 'i3', value: 2, timestamp: 1 },
    { user: 'u1', item: 'i0', value: 1, timestamp: 9 },
    { user: 'u1', item: 'i1', value: 2, timestamp: 9 },
    { user: 'u1', item: 'i2', value: 3, timestamp: 5 },
    { user: 'u2', item: 'i3', value: 4, timestamp: 1 },
  ]);
  const items = (d: Interactions, user: string) => {
    const u = d.userIds.index(user);
    return Array.from(d.records())
      .filter((r) => r.user === user && d.userIds.index(r.user) === u)
      .map((r) => r.item);
  };

  it("gives each cold user's first n rows by time to train and the rest to test", () => {
    const [s] = coldUsers({ testUsers: 2, known: 2, seed: 0 })(data);
    expect(s.coldUsers.length).toBe(2);
    expect(s.known).toBe(2);
    const cold = new Set(Array.from(s.coldUsers, (u) => data.userIds.id(u)));
    for (const user of ['u0', 'u1', 'u2']) {
      if (!cold.has(user)) {
        expect(items(s.test, user)).toEqual([]);
        continue;
      }
      if (user === 'u0') {
        expect(items(s.train, 'u0').sort()).toEqual(['i1', 'i3']);
        expect(items(s.test, 'u0').sort()).toEqual(['i0', 'i2']);
      } else if (user === 'u1') {
        // i2 (t=5) first, then i0 and i1 tie at t=9: row order puts i0 first.
        expect(items(s.train, 'u1').sort()).toEqual(['i0', 'i2']);
        expect(items(s.test, 'u1')).toEqual(['i1']);
      } else {
        expect(items(s.train, 'u2')).toEqual(['i3']);
        expect(items(s.test, 'u2')).toEqual([]);
      }
    }
    expect(s.train.length + s.test.length).toBe(data.length);
  });

  it('known = 0 sends every row of the cold users to test', () => {
    const [s] = coldUsers({ testUsers: 1, known: 0, seed: 5 })(data);
    const u = s.coldUsers[0];
    expect(Array.from(s.train.users).includes(u)).toBe(false);
    expect(s.test.length).toBe(data.userCounts()[u]);
  });

  it('a share of users, seeded', () => {
    const big = synthetic({ users: 100, items: 40, seed: 2 });
    const [a] = coldUsers({ testUsers: 0.2, known: 5, seed: 9 })(big);
    const [b] = coldUsers({ testUsers: 0.2, known: 5, seed: 9 })(big);
    expect(a.coldUsers.length).toBe(20);
    expect(Array.from(a.coldUsers)).toEqual(Array.from(b.coldUsers));
    const trainCounts = a.train.userCounts();
    for (const u of a.coldUsers) expect(trainCounts[u]).toBe(Math.min(5, big.userCounts()[u]));
    expect(() => coldUsers({ known: -1 })).toThrow(InvalidParameterError);
  });
});
