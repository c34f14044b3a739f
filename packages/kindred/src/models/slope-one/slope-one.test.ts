import { describe, expect, it } from 'vitest';
import { Interactions } from '../../data/interactions.js';
import { synthetic } from '../../data/synthetic.js';
import { conformance } from '../recommender.case.js';
import { SlopeOne, slopeOneEntry } from './slope-one.js';

// Slope One cannot learn the checkerboard: dev(i, j) averages r_ui − r_uj over both taste groups, whose differences
// have opposite signs and cancel, so every held-out item gets about the user's mean. Slope One models item offsets
// shared by all users (see the hand-computed case below), not opposed tastes.
conformance('slope-one', { create: (p) => new SlopeOne(p), entry: slopeOneEntry, learnsPattern: false });

describe('SlopeOne', () => {
  // Three users, three items; Alice has not rated C.
  //        A  B  C
  // alice  5  3  .
  // bob    3  4  2
  // carol  .  2  5
  const data = Interactions.fromRecords([
    { user: 'alice', item: 'A', value: 5 },
    { user: 'alice', item: 'B', value: 3 },
    { user: 'bob', item: 'A', value: 3 },
    { user: 'bob', item: 'B', value: 4 },
    { user: 'bob', item: 'C', value: 2 },
    { user: 'carol', item: 'B', value: 2 },
    { user: 'carol', item: 'C', value: 5 },
  ]);

  it('predicts by hand: μ_u plus the mean deviation to the co-rated items', () => {
    const m = new SlopeOne().fit(data);
    // dev(C,A) = (2−3)/1 = −1 (bob); dev(C,B) = ((2−4) + (5−2))/2 = 0.5 (bob, carol).
    // Alice: μ = 4, R_C(alice) = {A, B}: 4 + (−1 + 0.5)/2 = 3.75.
    expect(m.predict('alice', 'C').value).toBeCloseTo(3.75, 12);
    expect(m.deviation(data.itemIds.index('C'), data.itemIds.index('A'))).toEqual({ dev: -1, support: 1 });
    expect(m.deviation(data.itemIds.index('A'), data.itemIds.index('C'))).toEqual({ dev: 1, support: 1 });
    // Carol: μ = 3.5; dev(A,B) = ((5−3) + (3−4))/2 = 0.5, dev(A,C) = 1; R_A(carol) = {B, C}: 3.5 + 0.75 = 4.25.
    expect(m.predict('carol', 'A').value).toBeCloseTo(4.25, 12);
    // A rated item counts itself with dev 0: bob on B: μ = 3, devs B→A −0.5, B→B 0, B→C −0.5: 3 − 1/3.
    expect(m.predict('bob', 'B').value).toBeCloseTo(3 - 1 / 3, 12);
  });

  it('scoreItems agrees with score on every pair', () => {
    const d = synthetic({ users: 60, items: 40, interactions: 900, seed: 5 });
    const m = new SlopeOne().fit(d);
    const out = new Float32Array(d.nItems);
    for (let u = 0; u < d.nUsers; u++) {
      m.scoreItems(u, out);
      for (let i = 0; i < d.nItems; i++) {
        if (!m.knownItem(i)) expect(out[i]).toBe(-Infinity);
        else expect(out[i]).toBeCloseTo(m.score(u, i), 5);
      }
    }
  });

  it('items without a common rater do not count in R_i(u)', () => {
    const d = Interactions.fromRecords([
      { user: 'x', item: 'A', value: 4 },
      { user: 'x', item: 'B', value: 2 },
      { user: 'y', item: 'C', value: 5 },
      { user: 'y', item: 'B', value: 5 },
    ]);
    const m = new SlopeOne().fit(d);
    // C and A share no rater: x on C uses only B: μ_x = 3, dev(C,B) = 0 → 3.
    expect(m.predict('x', 'C').value).toBeCloseTo(3, 12);
  });
});
