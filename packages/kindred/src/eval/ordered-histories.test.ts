import { describe, expect, it } from 'vitest';
import { IdMap } from '../data/id-map.js';
import { Interactions } from '../data/interactions.js';
import { OrderedHistories } from './ordered-histories.js';

describe('OrderedHistories', () => {
  it('merges training and held-out items per user in time order; ties: training rows first, then row order', () => {
    const userIds = IdMap.from(['a', 'b']);
    const itemIds = IdMap.from(['i0', 'i1', 'i2', 'i3', 'i4']);
    const mk = (rows: [number, number, number][]) =>
      new Interactions({
        users: Int32Array.from(rows, (r) => r[0]),
        items: Int32Array.from(rows, (r) => r[1]),
        timestamps: Float64Array.from(rows, (r) => r[2]),
        userIds,
        itemIds,
      });
    const train = mk([
      [0, 3, 20],
      [0, 1, 10],
      [1, 2, 5],
      [0, 4, 20],
    ]);
    const validation = mk([
      [0, 0, 20],
      [1, 4, 1],
    ]);
    const h = new OrderedHistories(train, validation);
    expect(Array.from(h.of(0))).toEqual([1, 3, 4, 0]);
    expect(Array.from(h.of(1))).toEqual([4, 2]);
    expect(Array.from(h.of(7))).toEqual([]);
  });
});
