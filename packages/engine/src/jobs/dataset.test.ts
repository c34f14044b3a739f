import { describe, expect, it } from 'vitest';
import type { FeedbackRecord } from '../storage/port.js';
import { SqliteStorage } from '../storage/sqlite.js';
import { EventAccumulator, MAX_PAIR_WEIGHT, loadEventLog, reduceEvents, type FeedbackTypes } from './dataset.js';
import { MemoryStorage } from './memory-storage.case.js';

const TYPES: FeedbackTypes = {
  click: { weight: 1 },
  purchase: { weight: 3 },
  rating: { weight: 1, useValue: true },
  dislike: { weight: -1 },
  read: { weight: 0, seenOnly: true },
  hover: { weight: 2, seenOnly: true },
};

let seq = 0;
const ev = (userId: string, itemId: string, type: string, value = 1, timestamp = ++seq): FeedbackRecord => ({
  seq: timestamp,
  userId,
  itemId,
  type,
  value,
  timestamp,
});

/** The set as a {user: {item: value}} map, for hand-checked expectations. */
function asMap(rows: FeedbackRecord[], types = TYPES) {
  const acc = new EventAccumulator(types);
  acc.addBatch(rows);
  const { set, negativePairs } = reduceEvents(acc.log());
  const stats = { ...acc.stats(), negativePairs };
  const out: Record<string, Record<string, number>> = {};
  for (let k = 0; k < set.users.length; k++)
    (out[set.userIds[set.users[k]]] ??= {})[set.itemIds[set.items[k]]] = set.values[k];
  return { out, set, stats };
}

describe('training weights from feedback', () => {
  it('sums additive types, keeps the latest rating, drops seen-only and unknown types', () => {
    const { out, stats } = asMap([
      ev('u1', 'a', 'click'),
      ev('u1', 'a', 'click'),
      ev('u1', 'a', 'purchase'), // a: 1 + 1 + 3 = 5
      ev('u1', 'b', 'rating', 4),
      ev('u1', 'b', 'rating', 2), // re-rating replaces: 2, not 6
      ev('u1', 'c', 'read'), // seen only: no signal
      ev('u1', 'c', 'hover', 7), // seenOnly wins over a weight
      ev('u1', 'd', 'teleport'), // unknown type: ignored
      ev('u2', 'b', 'rating', 5),
      ev('u2', 'b', 'click'), // rating 5 + click 1 = 6
    ]);
    expect(out).toEqual({ u1: { a: 5, b: 2 }, u2: { b: 6 } });
    expect(stats.events).toBe(10);
    expect(stats.ignored).toBe(3);
    expect(stats.throughSeq).toBe(seq);
  });

  it('"latest" rating is by event time, not arrival order', () => {
    const { out } = asMap([ev('u', 'x', 'rating', 1, 500), ev('u', 'x', 'rating', 5, 400)]);
    expect(out.u.x).toBe(1);
  });

  it('excludes pairs whose dislikes outweigh the likes, and users/items left with no positive', () => {
    const { out, set, stats } = asMap([
      ev('u1', 'a', 'click'),
      ev('u1', 'a', 'dislike'), // 1 - 1 = 0: not a positive
      ev('u1', 'b', 'click'),
      ev('u1', 'b', 'click'),
      ev('u1', 'b', 'dislike'), // 2 - 1 = 1: still positive
      ev('u2', 'a', 'dislike'), // u2 has only a dislike
    ]);
    expect(out).toEqual({ u1: { b: 1 } });
    expect(stats.negativePairs).toBe(2);
    expect(set.userIds).toEqual(['u1']);
    expect(set.itemIds).toEqual(['b']);
  });

  it('the pair timestamp is its latest event', () => {
    const { set } = asMap([ev('u', 'x', 'click', 1, 10), ev('u', 'x', 'click', 1, 30), ev('u', 'x', 'click', 1, 20)]);
    expect(Array.from(set.timestamps)).toEqual([30]);
  });
});

describe('loadEventLog', () => {
  it('reads the store in batches up to a fixed seq and matches a one-shot accumulation', async () => {
    const store = new MemoryStorage();
    const rows: FeedbackRecord[] = [];
    for (let k = 0; k < 257; k++)
      rows.push({
        userId: `u${k % 13}`,
        itemId: `i${(k * 7) % 31}`,
        type: k % 5 === 0 ? 'dislike' : 'click',
        value: 1,
        timestamp: k,
      });
    await store.insertFeedback(rows, { createUsers: true, createItems: true });
    const full = await loadEventLog(store, TYPES, { batchSize: 10 });
    const once = new EventAccumulator(TYPES);
    once.addBatch(await store.scanFeedback(0, 1000));
    expect(full.log).toEqual(once.log());
    expect(reduceEvents(full.log).set.users.length).toBeGreaterThan(50);
    expect(full.stats.events).toBe(257);
    expect(full.stats.throughSeq).toBe(257);

    const partial = await loadEventLog(store, TYPES, { batchSize: 10, throughSeq: 100 });
    expect(partial.stats.events).toBe(100);
    expect(partial.stats.throughSeq).toBe(100);
  });

  it('an empty store gives an empty set', async () => {
    const { log, stats } = await loadEventLog(new MemoryStorage(), TYPES);
    expect(log.users.length).toBe(0);
    expect(reduceEvents(log).set.users.length).toBe(0);
    expect(stats.throughSeq).toBe(0);
  });
});

describe('stored values outside their type’s range (issue 12: one 1e308 rating stopped all training)', () => {
  const RANGED: FeedbackTypes = { ...TYPES, rating: { weight: 1, useValue: true, min: 0, max: 5 } };
  const rows = (): FeedbackRecord[] => [
    ev('u1', 'a', 'rating', 1e308),
    ev('u1', 'b', 'rating', Infinity),
    ev('u1', 'c', 'rating', -Infinity),
    ev('u1', 'd', 'rating', -1), // below min
    ev('u1', 'e', 'rating', 6), // above max
    ev('u1', 'f', 'rating', 5), // the bounds are inclusive
    ev('u1', 'g', 'rating', 0.5),
    ev('u2', 'a', 'click', 2e6), // no configured range: |value| ≤ 1e6
    ev('u2', 'b', 'click', -1e6),
    ev('u2', 'c', 'read', 1e308), // seen-only: no signal, ignored rather than dropped
  ];

  it('are dropped and counted, by the row path (NaN included)', () => {
    const { out, stats } = asMap([...rows(), ev('u3', 'a', 'rating', NaN)], RANGED);
    expect(out).toEqual({ u1: { f: 5, g: 0.5 }, u2: { b: 1 } });
    expect(stats.dropped).toBe(7);
    expect(stats.ignored).toBe(1);
  });

  it('are dropped and counted alike by the column path (SqliteStorage.scanFeedbackColumns)', async () => {
    const store = SqliteStorage.open(':memory:');
    await store.insertFeedback(rows(), { createUsers: true, createItems: true });
    const { log, stats } = await loadEventLog(store, RANGED, { batchSize: 4 });
    await store.close();
    expect(stats.dropped).toBe(6);
    expect(stats.ignored).toBe(1);
    const { set } = reduceEvents(log);
    expect(Array.from(set.values)).toEqual([5, 0.5, 1]);
  });

  it('a pair summing many events is clipped to MAX_PAIR_WEIGHT', () => {
    const many = Array.from({ length: 4000 }, () => ev('bot', 'x', 'purchase')); // 4000 × 3
    const { out } = asMap([...many, ev('u', 'x', 'purchase')]);
    expect(out).toEqual({ bot: { x: MAX_PAIR_WEIGHT }, u: { x: 3 } });
  });
});
