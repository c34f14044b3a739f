import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../errors.js';
import { Interactions } from '../../data/interactions.js';
import { conformance } from '../recommender.case.js';
import { Popular, popularEntry } from './popular.js';

conformance('popular', { create: (p) => new Popular(p), implicit: true, learnsPattern: false, entry: popularEntry });
conformance('popular (decay)', {
  create: (p) => new Popular({ halfLifeDays: 1, ...p }),
  implicit: true,
  learnsPattern: false,
  entry: popularEntry,
});

const DAY = 86_400;
const T = 1_000 * DAY; // the latest timestamp
// a: u0 now, u1 one day ago, u1 again three days ago; b: u2 two days ago with value 4, u3 now with value 1.
const data = Interactions.fromRecords([
  { user: 'u0', item: 'a', value: 1, timestamp: T },
  { user: 'u1', item: 'a', value: 1, timestamp: T - DAY },
  { user: 'u1', item: 'a', value: 1, timestamp: T - 3 * DAY },
  { user: 'u2', item: 'b', value: 4, timestamp: T - 2 * DAY },
  { user: 'u3', item: 'b', value: 1, timestamp: T },
]);

describe('Popular', () => {
  it('counts distinct users, or sums values', () => {
    const users = new Popular().fit(data);
    expect(users.predict('u0', 'a').value).toBe(2);
    expect(users.predict('u0', 'b').value).toBe(2);
    const sum = new Popular({ measure: 'sum' }).fit(data);
    expect(sum.predict('u0', 'a').value).toBe(3);
    expect(sum.predict('u0', 'b').value).toBe(5);
  });

  it('halves an interaction’s weight per half-life of age, counted from the latest timestamp', () => {
    const users = new Popular({ halfLifeDays: 1 }).fit(data);
    // a: u0 (age 0) = 1, u1 counted once with her most recent row (age 1 day) = ½.
    expect(users.predict('u0', 'a').value).toBeCloseTo(1.5, 12);
    // b: u2 (age 2 days) = ¼, u3 = 1.
    expect(users.predict('u0', 'b').value).toBeCloseTo(1.25, 12);
    const sum = new Popular({ measure: 'sum', halfLifeDays: 2 }).fit(data);
    // a: 1 + 2^(−½) + 2^(−3/2); b: 4·2^(−1) + 1.
    expect(sum.predict('u0', 'a').value).toBeCloseTo(1 + 2 ** -0.5 + 2 ** -1.5, 12);
    expect(sum.predict('u0', 'b').value).toBeCloseTo(3, 12);
    expect(sum.recommend('someone-new', { k: 2 }).ids).toEqual(['b', 'a']);
    const ms = Interactions.fromRecords(
      Array.from(data.records(), (r) => ({ ...r, timestamp: (r.timestamp ?? 0) * 1000 })),
    );
    expect(
      new Popular({ halfLifeDays: 1, timestampUnit: 'milliseconds' }).fit(ms).predict('u0', 'a').value,
    ).toBeCloseTo(1.5, 12);
  });

  it('needs timestamps for the decay', () => {
    const noTime = Interactions.fromRecords([{ user: 'u0', item: 'a' }]);
    expect(() => new Popular({ halfLifeDays: 7 }).fit(noTime)).toThrow(InvalidParameterError);
    expect(new Popular().fit(noTime).predict('u0', 'a').value).toBe(1);
  });
});
