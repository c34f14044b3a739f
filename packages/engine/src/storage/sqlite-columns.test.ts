import { describe, expect, it } from 'vitest';
import { loadEventLog, type FeedbackTypes } from '../jobs/dataset.js';
import type { FeedbackRecord } from './port.js';
import { SqliteStorage } from './sqlite.js';

const TYPES: FeedbackTypes = {
  click: { weight: 1 },
  rating: { weight: 1, useValue: true },
  dislike: { weight: -1 },
  read: { weight: 0, seenOnly: true },
};

describe('training reads through scanFeedbackColumns', () => {
  it('gives exactly the event log of the row path (ids, order, weights, stats), in any batch size', async () => {
    const store = SqliteStorage.open(':memory:', { keyCacheSize: 5 });
    const rows: FeedbackRecord[] = [];
    const kinds = ['click', 'rating', 'dislike', 'read', 'unknown-type'];
    for (let k = 0; k < 400; k++)
      rows.push({
        userId: `u${(k * 7) % 23}`,
        itemId: `i${(k * 11) % 37}`,
        type: kinds[k % 5],
        value: (k % 9) / 2,
        timestamp: 1000 + ((k * 13) % 97),
      });
    await store.insertFeedback(rows, { createUsers: true, createItems: true });
    // A user whose first rows carry no signal must not shift the numbering of the others.
    await store.insertFeedback(
      [
        { userId: 'late', itemId: 'i1', type: 'read', value: 1, timestamp: 1 },
        { userId: 'late', itemId: 'i2', type: 'click', value: 1, timestamp: 2 },
      ],
      { createUsers: true, createItems: true },
    );
    const rowPath = { scanFeedback: store.scanFeedback.bind(store), lastSeq: store.lastSeq.bind(store) };
    for (const [batchSize, throughSeq] of [
      [7, undefined],
      [1000, undefined],
      [50, 333],
    ]) {
      const cols = await loadEventLog(store, TYPES, { batchSize, throughSeq });
      const plain = await loadEventLog(rowPath, TYPES, { batchSize, throughSeq });
      expect(cols).toEqual(plain);
      expect(cols.log.users.length).toBeGreaterThan(100);
    }
    await store.close();
  });
});
