import { Catalog } from 'kindred';
import { describe, expect, it } from 'vitest';
import type { FeedbackRecord } from '../storage/port.js';
import { indexHistory, summarizeHistory } from './user-history.js';

const TYPES = {
  click: { weight: 1 },
  like: { weight: 2 },
  rating: { weight: 1, useValue: true },
  dislike: { weight: -1 },
  read: { weight: 0, seenOnly: true },
};
const row = (itemId: string, type: string, timestamp: number, value = 1): FeedbackRecord => ({
  userId: 'u',
  itemId,
  type,
  value,
  timestamp,
});

describe('summarizeHistory', () => {
  it('aggregates per item as training does: sums, latest rating, negatives, seen-only', () => {
    const s = summarizeHistory(
      [
        row('a', 'click', 1),
        row('a', 'like', 2), // a: 1 + 2 = 3
        row('b', 'rating', 3, 4),
        row('b', 'rating', 5, 2), // b: the latest rating (2) replaces 4
        row('b', 'click', 4), // b: 2 + 1 = 3, last touched at 5
        row('c', 'dislike', 6), // c: -1 → negative
        row('d', 'read', 7), // d: seen only
        row('e', 'click', 8),
        row('e', 'dislike', 9), // e: 1 - 1 = 0 → neither
        row('f', 'unknown-type', 10), // f: seen only
      ],
      TYPES,
    );
    expect(s.seen).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(s.positives).toEqual([
      // The type of the latest positive event names the interaction in explanations.
      { id: 'b', weight: 3, time: 5, type: 'rating' },
      { id: 'a', weight: 3, time: 2, type: 'like' },
    ]);
    expect(s.negatives).toEqual(['c']);
  });

  it('maps to catalogue indices, dropping unknown items; fold-in input only for model items', () => {
    const catalog = new Catalog();
    for (const id of ['x', 'a', 'b', 'c']) catalog.upsert({ id });
    const s = summarizeHistory(
      [row('a', 'like', 1), row('b', 'like', 2), row('zz', 'like', 3), row('c', 'dislike', 4)],
      TYPES,
    );
    const h = indexHistory(s, catalog, 2, Int32Array.of(0), (t) => `${t}d`);
    expect(Array.from(h.context.seen!)).toEqual([1, 2, 3, 0]);
    expect(Array.from(h.context.positives!)).toEqual([2, 1]); // newest first
    expect(Array.from(h.context.positiveTimes!)).toEqual([2, 1]);
    expect(h.context.positiveVerbs).toEqual(['liked', 'liked']);
    expect(Array.from(h.context.negatives!)).toEqual([3]);
    // Only index 1 ('a') is below nModelItems = 2.
    expect(Array.from(h.foldItems)).toEqual([1]);
    expect(Array.from(h.foldValues)).toEqual([2]);
    // The positive events in time order, unknown items dropped: what history-scoring models read.
    expect(Array.from(h.sequence)).toEqual([1, 2]);
  });

  it('keeps every positive event in time order for history scoring: repeats, ties in row order, no negatives', () => {
    const s = summarizeHistory(
      [
        row('a', 'click', 5),
        row('b', 'click', 3),
        row('c', 'click', 3), // same time as b, a later row: after b
        row('a', 'like', 9), // a repeat
        row('d', 'click', 4),
        row('d', 'dislike', 6), // d: 1 - 1 = 0, not a positive: none of its events count
        row('e', 'read', 7), // seen-only: not an event of the history
        row('f', 'dislike', 8),
      ],
      TYPES,
    );
    expect(s.sequence).toEqual(['b', 'c', 'a', 'a']);
  });
});
