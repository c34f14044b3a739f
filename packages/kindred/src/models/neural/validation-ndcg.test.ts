import { describe, expect, it } from 'vitest';
import { IdMap } from '../../data/id-map.js';
import { Interactions } from '../../data/interactions.js';
import type { TrainingSummary } from '../recommender.js';
import { validationNdcg } from './validation-ndcg.js';

/** Interactions over shared id maps from [user, item] index pairs (ids 'u0'… and 'i0'…, registered in order). */
function rows(pairs: [number, number][], users: IdMap, items: IdMap): Interactions {
  return Interactions.fromRecords(
    pairs.map(([u, i]) => ({ user: `u${u}`, item: `i${i}` })),
    { userIds: users, itemIds: items },
  );
}

/** What a model fitted on `train` knows (validationNdcg reads the sizes and the seen items). */
function summaryOf(train: Interactions): TrainingSummary {
  const csr = train.byUser();
  return {
    userIds: train.userIds,
    itemIds: train.itemIds,
    nUsers: train.nUsers,
    nItems: train.nItems,
    globalMean: 1,
    ratingMin: 1,
    ratingMax: 1,
    seenIndptr: csr.indptr,
    seenIndices: csr.indices,
    itemCounts: train.itemCounts(),
  };
}

/*
 * Five items i0–i4, k = 3, fixed scores per user:
 *   u0: train {i0}, validation {i1, i3}; scores [9, 3, 1, 5, 4]. i0 (9) is masked, so the top 3 is i3 (5), i4 (4),
 *       i1 (3): hits at ranks 1 and 3. DCG = 1/log2(2) + 1/log2(4) = 1.5; IDCG (2 items) = 1 + 1/log2(3) = 1.6309298;
 *       NDCG = 0.9197208. Unmasked, the top 3 would be i0, i3, i4: DCG = 1/log2(3) → 0.3868528.
 *   u1: train {i2, i3}, validation {i4}; scores [1, 6, 8, 7, 3]. i2, i3 masked: top 3 is i1 (6), i4 (3), i0 (1): a hit
 *       at rank 2, DCG = 1/log2(3) = 0.6309298, IDCG = 1, NDCG = 0.6309298. Unmasked: i2, i3, i1, no hit → 0.
 *   u2: validation {i0} but no training items → skipped (RecBole evaluates only users with a history).
 *   u3: train {i1}, no validation items → skipped.
 *   u4: train {i0}, validation {i1, i2, i3, i4}; any scores: the top 3 of the 4 unmasked items are all hits.
 *       IDCG counts k = 3 positions only (1 + 1/log2(3) + 1/log2(4) = 2.1309298), so NDCG = 1 (4 positions: 0.7967).
 *   u5: known only to the validation data (its id came after the model was fitted) → skipped.
 * Mean over u0, u1, u4 = (0.9197208 + 0.6309298 + 1) / 3 = 0.8502169.
 */
const SCORES: Record<number, number[]> = {
  0: [9, 3, 1, 5, 4],
  1: [1, 6, 8, 7, 3],
  2: [5, 4, 3, 2, 1],
  3: [5, 4, 3, 2, 1],
  4: [0.1, 0.2, 0.3, 0.4, 0.5],
};

function example() {
  const users = IdMap.from(['u0', 'u1', 'u2', 'u3', 'u4']);
  const items = IdMap.from(['i0', 'i1', 'i2', 'i3', 'i4']);
  const train = rows(
    [
      [0, 0],
      [1, 2],
      [1, 3],
      [3, 1],
      [4, 0],
    ],
    users,
    items,
  );
  const summary = summaryOf(train);
  const validation = rows(
    [
      [0, 1],
      [0, 3],
      [1, 4],
      [2, 0],
      [4, 1],
      [4, 2],
      [4, 3],
      [4, 4],
      [5, 0],
    ],
    users,
    items,
  );
  return { summary, validation };
}

/** A scorer that fills each row from SCORES and records the users of every call. */
function scorer(calls: number[][]) {
  return (batch: Int32Array, out: Float32Array) => {
    calls.push([...batch]);
    batch.forEach((u, r) => out.set(SCORES[u], r * 5));
  };
}

describe('validationNdcg (the early-stopping metric)', () => {
  it('matches the hand-computed NDCG@3: training items masked, users without history or validation skipped', () => {
    const { summary, validation } = example();
    const calls: number[][] = [];
    const ndcg = validationNdcg(summary, validation, 2, scorer(calls), 3);
    expect(ndcg).toBeCloseTo((1.5 / (1 + 1 / Math.log2(3)) + 1 / Math.log2(3) + 1) / 3, 6);
    expect(ndcg).toBeCloseTo(0.8502169, 6);
    // Only u0, u1, u4 are scored, at most `batch` = 2 users a call.
    expect(calls).toEqual([[0, 1], [4]]);
  });

  it('one user at a time gives the same value (the scratch masks are cleared between users)', () => {
    const { summary, validation } = example();
    const calls: number[][] = [];
    const ndcg = validationNdcg(summary, validation, 1, scorer(calls), 3);
    expect(ndcg).toBeCloseTo(0.8502169, 6);
    expect(calls).toEqual([[0], [1], [4]]);
  });

  it('is 0 when no user has both training and validation items', () => {
    const users = IdMap.from(['u0', 'u1']);
    const items = IdMap.from(['i0', 'i1']);
    const train = rows([[0, 0]], users, items);
    const validation = rows([[1, 1]], users, items);
    const calls: number[][] = [];
    expect(validationNdcg(summaryOf(train), validation, 4, scorer(calls), 3)).toBe(0);
    expect(calls).toEqual([]);
  });
});
