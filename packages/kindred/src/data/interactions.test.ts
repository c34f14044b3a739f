// Direct tests of the two structures every model reads: IdMap (raw id ↔ index) and Interactions (columns, CSR by
// user, CSC by item, duplicate policies). Hand examples, every expected array written out.
import { describe, expect, it } from 'vitest';
import { DataFormatError, InvalidParameterError, UnknownIdError } from '../errors.js';
import { IdMap } from './id-map.js';
import { Interactions, InteractionsBuilder } from './interactions.js';

describe('IdMap', () => {
  it('assigns dense indices in first-seen order and round-trips ids', () => {
    const m = new IdMap();
    expect(m.add('alice')).toBe(0);
    expect(m.add(42)).toBe(1);
    expect(m.add('bob')).toBe(2);
    expect(m.add('alice')).toBe(0); // not re-added
    expect(m.size).toBe(3);
    for (let i = 0; i < m.size; i++) expect(m.index(m.id(i))).toBe(i);
    expect(m.ids()).toEqual(['alice', 42, 'bob']);
    expect(IdMap.from(m.ids()).ids()).toEqual(m.ids());
    expect(JSON.parse(JSON.stringify(m))).toEqual(['alice', 42, 'bob']);
  });

  it('keeps numbers and strings apart: 1 and "1" are different ids', () => {
    const m = IdMap.from([1, '1']);
    expect(m.size).toBe(2);
    expect(m.get(1)).toBe(0);
    expect(m.get('1')).toBe(1);
  });

  it('from() keeps the first index of a duplicate', () => {
    expect(IdMap.from(['a', 'b', 'a', 'c']).ids()).toEqual(['a', 'b', 'c']);
  });

  it('unknown ids: get gives -1, has false, index throws UnknownIdError naming the id, id() throws on a bad index', () => {
    const m = IdMap.from(['a']);
    expect(m.get('zz')).toBe(-1);
    expect(m.has('zz')).toBe(false);
    expect(() => m.index('zz', 'user')).toThrow(UnknownIdError);
    expect(() => m.index('zz', 'user')).toThrow('unknown user id "zz"');
    expect(() => m.id(1)).toThrow(RangeError);
    expect(() => m.id(-1)).toThrow(RangeError);
  });

  it('clone is independent of the original', () => {
    const m = IdMap.from(['a']);
    const c = m.clone();
    c.add('b');
    expect(m.size).toBe(1);
    expect(c.ids()).toEqual(['a', 'b']);
  });
});

// The hand example: three users, four items, rows in this (deliberately unsorted) order.
//   row  user item value ts
//    0    u1   i2   4    10
//    1    u0   i1   5    11
//    2    u1   i0   2    12
//    3    u0   i0   3    13
//    4    u2   i1   1    14
// Ids in first-seen order: users u1=0 u0=1 u2=2; items i2=0 i1=1 i0=2; i3=3 is added with no rows.
function hand(): Interactions {
  const data = Interactions.fromRecords([
    { user: 'u1', item: 'i2', value: 4, timestamp: 10 },
    { user: 'u0', item: 'i1', value: 5, timestamp: 11 },
    { user: 'u1', item: 'i0', value: 2, timestamp: 12 },
    { user: 'u0', item: 'i0', value: 3, timestamp: 13 },
    { user: 'u2', item: 'i1', value: 1, timestamp: 14 },
  ]);
  data.itemIds.add('i3');
  return data;
}

describe('Interactions', () => {
  it('stores the columns and id maps as given', () => {
    const d = hand();
    expect(d.length).toBe(5);
    expect([d.nUsers, d.nItems]).toEqual([3, 4]);
    expect(d.users).toEqual(Int32Array.of(0, 1, 0, 1, 2));
    expect(d.items).toEqual(Int32Array.of(0, 1, 2, 2, 1));
    expect(d.values).toEqual(Float32Array.of(4, 5, 2, 3, 1));
    expect(d.timestamps).toEqual(Float64Array.of(10, 11, 12, 13, 14));
    expect(d.mean()).toBe(3);
    expect(d.valueRange()).toEqual({ min: 1, max: 5 });
  });

  it('CSR by user: rows grouped by user, items ascending, order pointing back at the input rows', () => {
    const csr = hand().byUser();
    // user 0 (u1): items 0 (row 0, 4) and 2 (row 2, 2); user 1 (u0): items 1 (row 1, 5), 2 (row 3, 3); user 2: item 1.
    expect(csr.indptr).toEqual(Int32Array.of(0, 2, 4, 5));
    expect(csr.indices).toEqual(Int32Array.of(0, 2, 1, 2, 1));
    expect(csr.values).toEqual(Float32Array.of(4, 2, 5, 3, 1));
    expect(csr.order).toEqual(Int32Array.of(0, 2, 1, 3, 4));
  });

  it('CSC by item: rows grouped by item, users ascending; an item without rows has an empty column', () => {
    const csc = hand().byItem();
    // item 0 (i2): user 0; item 1 (i1): users 1, 2; item 2 (i0): users 0, 1; item 3 (i3): none.
    expect(csc.indptr).toEqual(Int32Array.of(0, 1, 3, 5, 5));
    expect(csc.indices).toEqual(Int32Array.of(0, 1, 2, 0, 1));
    expect(csc.values).toEqual(Float32Array.of(4, 5, 1, 2, 3));
    expect(csc.order).toEqual(Int32Array.of(0, 1, 4, 2, 3));
    expect(hand().itemCounts()).toEqual(Int32Array.of(1, 2, 2, 0));
    expect(hand().userCounts()).toEqual(Int32Array.of(2, 2, 1));
  });

  it('a subset shares the id maps, so a user with no rows in it has an empty CSR row', () => {
    const d = hand();
    const s = d.subset([1, 3]); // u0's two rows only
    expect(s.userIds).toBe(d.userIds);
    expect(s.byUser().indptr).toEqual(Int32Array.of(0, 0, 2, 2));
    expect(s.byUser().indices).toEqual(Int32Array.of(1, 2));
    expect(s.timestamps).toEqual(Float64Array.of(11, 13));
    expect(d.filterRows((r) => d.values[r] >= 4).values).toEqual(Float32Array.of(4, 5));
  });

  it('an empty set has empty CSR rows for every known id, mean 0', () => {
    const e = new Interactions({
      users: new Int32Array(0),
      items: new Int32Array(0),
      userIds: IdMap.from(['a', 'b']),
      itemIds: IdMap.from(['x']),
    });
    expect(e.byUser().indptr).toEqual(Int32Array.of(0, 0, 0));
    expect(e.byItem().indptr).toEqual(Int32Array.of(0, 0));
    expect(e.mean()).toBe(0);
    expect(e.timestamps).toBeNull();
  });

  describe('duplicates of a (user, item) pair', () => {
    // u rates x three times (2, then 5, then 3) and y once (4).
    const recs = [
      { user: 'u', item: 'x', value: 2, timestamp: 1 },
      { user: 'u', item: 'y', value: 4, timestamp: 2 },
      { user: 'u', item: 'x', value: 5, timestamp: 3 },
      { user: 'u', item: 'x', value: 3, timestamp: 4 },
    ];
    const pairs = (d: Interactions) => Array.from(d.records(), (r) => [r.item, r.value, r.timestamp]);

    it('keep (the default) keeps every row, and CSR lists the repeats in input order', () => {
      const d = Interactions.fromRecords(recs);
      expect(d.length).toBe(4);
      expect(d.byUser().indices).toEqual(Int32Array.of(0, 0, 0, 1));
      expect(d.byUser().order).toEqual(Int32Array.of(0, 2, 3, 1));
    });

    it('first, last, sum, mean and max combine the repeats into one row', () => {
      const by = (duplicates: 'first' | 'last' | 'sum' | 'mean' | 'max') =>
        pairs(Interactions.fromRecords(recs, { duplicates }));
      expect(by('first')).toEqual([
        ['x', 2, 1],
        ['y', 4, 2],
      ]);
      expect(by('last')).toEqual([
        ['x', 3, 4],
        ['y', 4, 2],
      ]);
      // Aggregates carry the last row's timestamp.
      expect(by('sum')).toEqual([
        ['x', 10, 4],
        ['y', 4, 2],
      ]);
      expect(by('mean')).toEqual(
        [
          ['x', 10 / 3, 4],
          ['y', 4, 2],
        ].map(([i, v, t]) => [i, Math.fround(v as number), t]),
      );
      expect(by('max')).toEqual([
        ['x', 5, 4],
        ['y', 4, 2],
      ]);
    });
  });

  it('rejects columns of different lengths and non-finite values, naming the problem', () => {
    const ids = IdMap.from(['a']);
    expect(
      () => new Interactions({ users: new Int32Array(2), items: new Int32Array(1), userIds: ids, itemIds: ids }),
    ).toThrow(InvalidParameterError);
    expect(() => new InteractionsBuilder().add('u', 'i', NaN)).toThrow(DataFormatError);
    expect(() => new InteractionsBuilder().add('u', 'i', Infinity)).toThrow('value Infinity is not a finite number');
  });

  it('the builder grows past its initial capacity without losing rows', () => {
    const b = new InteractionsBuilder();
    for (let k = 0; k < 3000; k++) b.add(`u${k % 7}`, `i${k % 11}`, k % 5, k);
    const d = b.build();
    expect(d.length).toBe(3000);
    expect(d.values[2999]).toBe(2999 % 5);
    expect(d.timestamps![2999]).toBe(2999);
    expect(d.byUser().indptr[d.nUsers]).toBe(3000);
  });
});
