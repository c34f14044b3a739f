// One co-clustering epoch with two user and two item clusters, worked out by hand from a given assignment
// (George & Merugu 2005; Surprise CoClustering): the cluster averages, each row's squared error per cluster, the
// moves, and the prediction r̂(u,i) = C̄(c_u,c_i) + (μ_u − C̄_u(c_u)) + (μ_i − C̄_i(c_i)).
import { describe, expect, it } from 'vitest';
import { Interactions } from '../../data/interactions.js';
import { clusterAverages, reassign } from './co-clustering.js';

// Ratings (users a, b, c; items x, y):   a: x=5 y=4   b: x=2 y=1   c: x=4
// μ = 16/5 = 3.2; user means a 4.5, b 1.5, c 4; item means x 11/3, y 2.5.
const data = Interactions.fromRecords([
  { user: 'a', item: 'x', value: 5 },
  { user: 'a', item: 'y', value: 4 },
  { user: 'b', item: 'x', value: 2 },
  { user: 'b', item: 'y', value: 1 },
  { user: 'c', item: 'x', value: 4 },
]);
const mu = 3.2;
const userMean = Float64Array.of(4.5, 1.5, 4);
const itemMean = Float64Array.of(11 / 3, 2.5);
const predict = (
  avg: { user: Float64Array; item: Float64Array; co: Float64Array },
  cu: Int32Array,
  ci: Int32Array,
  u: number,
  i: number,
) => avg.co[cu[u] * 2 + ci[i]] + (userMean[u] - avg.user[cu[u]]) + (itemMean[i] - avg.item[ci[i]]);

describe('co-clustering: one epoch by hand (2 × 2 clusters)', () => {
  // Start: users a → 0, b → 1, c → 1; items x → 0, y → 1.
  const cltrU = Int32Array.of(0, 1, 1);
  const cltrI = Int32Array.of(0, 1);
  const avg = clusterAverages(data.byUser(), cltrU, cltrI, 2, 2, mu);

  it('cluster averages: user clusters, item clusters and co-clusters', () => {
    // User cluster 0 = {a}: (5 + 4)/2 = 4.5; 1 = {b, c}: (2 + 1 + 4)/3 = 7/3.
    expect(Array.from(avg.user)).toEqual([4.5, 7 / 3]);
    // Item cluster 0 = {x}: 11/3; 1 = {y}: 2.5.
    expect(avg.item[0]).toBeCloseTo(11 / 3, 12);
    expect(avg.item[1]).toBe(2.5);
    // Co-clusters (row-major user cluster × item cluster): a·x 5, a·y 4, {b,c}·x (2 + 4)/2 = 3, b·y 1.
    expect(Array.from(avg.co)).toEqual([5, 4, 3, 1]);
    // The prediction under these clusters: r̂(c, y) = 1 + (4 − 7/3) + (2.5 − 2.5) = 8/3; r̂(c, x) = 3 + 5/3 = 14/3.
    expect(predict(avg, cltrU, cltrI, 2, 1)).toBeCloseTo(8 / 3, 12);
    expect(predict(avg, cltrU, cltrI, 2, 0)).toBeCloseTo(14 / 3, 12);
  });

  it('users move to the cluster of least squared error, then items against the users’ new clusters', () => {
    const cu = cltrU.slice(),
      ci = cltrI.slice();
    const errors = new Float64Array(2);
    // Each item is its own cluster here, so the item terms μ_i − C̄_i vanish and a user's prediction in cluster rc is
    // C̄(rc, c_i) + μ_u − C̄_u(rc).
    //   a in 0: base 0, predicts 5, 4: error 0.  In 1: base 4.5 − 7/3 = 13/6, predicts 31/6, 19/6: 1/36 + 25/36.
    //   b in 0: base −3, predicts 2, 1: error 0.  In 1: base −5/6, predicts 13/6, 1/6: 1/36 + 25/36 = 13/18.
    //   c in 0: base −0.5, predicts 4.5: 0.25.    In 1: base 5/3, predicts 14/3: 4/9.
    // So every user goes to cluster 0 (b and c move); the minimal errors sum to 0.25.
    const userSse = reassign(data.byUser(), cu, ci, userMean, itemMean, avg, 2, 2, true, errors);
    expect(Array.from(cu)).toEqual([0, 0, 0]);
    expect(userSse).toBeCloseTo(0.25, 12);
    // c's errors are the last row's: 0.25 in cluster 0, 4/9 in cluster 1.
    expect(errors[0]).toBeCloseTo(0.25, 12);
    expect(errors[1]).toBeCloseTo(4 / 9, 12);
    // Items, with the epoch's averages and every user now in cluster 0 (user terms μ_u − 4.5: a 0, b −3, c −0.5):
    //   x in 0: base 0, C̄(0,0) = 5: predicts 5, 2, 4.5: error 0.25.
    //   x in 1: base 11/3 − 2.5 = 7/6, C̄(0,1) = 4: predicts 31/6, 13/6, 14/3: 1/36 + 1/36 + 16/36 = 0.5.
    //   y in 0: base 2.5 − 11/3 = −7/6, C̄(0,0) = 5: predicts 23/6, 5/6: 1/36 + 1/36 = 1/18.
    //   y in 1: base 0, C̄(0,1) = 4: predicts 4, 1: error 0.
    // So x stays in 0, y stays in 1; the epoch's loss is 0.25 + 0 = 0.25.
    const itemSse = reassign(data.byItem(), ci, cu, itemMean, userMean, avg, 2, 2, false, errors);
    expect(Array.from(ci)).toEqual([0, 1]);
    expect(itemSse).toBeCloseTo(0.25, 12);
    expect(errors[0]).toBeCloseTo(1 / 18, 12); // y's errors
    expect(errors[1]).toBeCloseTo(0, 12);
    // Averages once more after the epoch: user cluster 0 holds everyone (3.2), cluster 1 is empty (μ = 3.2);
    // co-clusters 0·x = 11/3, 0·y = 2.5. r̂(c, y) = 2.5 + (4 − 3.2) + (2.5 − 2.5) = 3.3.
    const after = clusterAverages(data.byUser(), cu, ci, 2, 2, mu);
    expect(after.user[0]).toBeCloseTo(3.2, 12);
    expect(after.user[1]).toBe(mu);
    expect(after.co[0]).toBeCloseTo(11 / 3, 12);
    expect(after.co[1]).toBe(2.5);
    expect(Array.from(after.co.subarray(2))).toEqual([mu, mu]);
    expect(predict(after, cu, ci, 2, 1)).toBeCloseTo(3.3, 12);
  });
});
