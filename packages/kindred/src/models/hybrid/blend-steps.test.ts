// The four blenders on members whose scores are fixed tables, so every blended number can be derived by hand.
// Members score every user alike: A = (1, 1, 3, 3), B = (3, 1, 3, 1), C = (4, 3, 2, 1) over items i0..i3.
// Per-user z-scores (population std): zA = ((1,1,3,3) − 2)/1 = (−1, −1, 1, 1); zB = (1, −1, 1, −1).
// Training data: u0 has i0; u1 has i0, i1, i2; i3 exists but nobody has it.
import { describe, expect, it } from 'vitest';
import { Interactions } from '../../data/interactions.js';
import { fixedScoresEntry } from '../fixed-scores.case.js';
import { registerModel } from '../registry.js';
import type { Recommender } from '../recommender.js';
import { Augmented } from './augmented.js';
import { Cascade } from './cascade.js';
import { Switching } from './switching.js';
import { Weighted } from './weighted.js';

registerModel(fixedScoresEntry('fixed-a', [1, 1, 3, 3]));
registerModel(fixedScoresEntry('fixed-b', [3, 1, 3, 1]));
registerModel(fixedScoresEntry('fixed-c', [4, 3, 2, 1]));

const data = Interactions.fromRecords([
  { user: 'u0', item: 'i0' },
  { user: 'u1', item: 'i0' },
  { user: 'u1', item: 'i1' },
  { user: 'u1', item: 'i2' },
]);
data.itemIds.add('i3');

const row = (m: Recommender, u: number) => {
  const out = new Float32Array(4);
  m.scoreItems(u, out);
  return Array.from(out);
};

describe('blenders by hand', () => {
  it('weighted: Σ w_m·z_m with the given weights', () => {
    // 0.25·zA + 0.75·zB = (−0.25 + 0.75, −0.25 − 0.75, 0.25 + 0.75, 0.25 − 0.75) = (0.5, −1, 1, −0.5).
    const m = new Weighted({ members: 'fixed-a,fixed-b', weights: '0.25,0.75' }).fit(data);
    expect(row(m, 0)).toEqual([0.5, -1, 1, -0.5]);
    expect(Array.from(m.recommendIndex(0, { k: 4, excludeSeen: false }).indices)).toEqual([2, 0, 3, 1]);
    // u0 has seen i0: the unseen ranking is i2, i3, i1.
    expect(Array.from(m.recommendIndex(0, { k: 4 }).indices)).toEqual([2, 3, 1]);
  });

  it('weighted: an item one member cannot score gets that member’s lowest z', () => {
    // A' = (1, 3, 1, ·): mean 5/3, variance ((2/3)² + (4/3)² + (2/3)²)/3 = 8/9, std 2√2/3, so
    // z = (−1/√2, √2, −1/√2) and i3 gets the lowest, −1/√2. With weights 1, 0 the blend is that row.
    registerModel(fixedScoresEntry('fixed-gap', [1, 3, 1, null]));
    const m = new Weighted({ members: 'fixed-gap,fixed-b', weights: '1,0' }).fit(data);
    const r = row(m, 0);
    [-Math.SQRT1_2, Math.SQRT2, -Math.SQRT1_2, -Math.SQRT1_2].forEach((v, k) => expect(r[k]).toBeCloseTo(v, 6));
  });

  it('switching: short histories get the cold member; warm users get the warm one, cold items excepted', () => {
    // userThreshold 2: u0 (1 item) is served by member 0 (A) alone: zA. u1 (3 items) by member 1 (B), except i3,
    // which has fewer than itemThreshold = 1 training rows and keeps zA[3] = 1: (1, −1, 1, 1).
    const m = new Switching({ members: 'fixed-a,fixed-b', userThreshold: 2, itemThreshold: 1 }).fit(data);
    expect([m.memberForUser(0), m.memberForUser(1)]).toEqual([0, 1]);
    expect(row(m, 0)).toEqual([-1, -1, 1, 1]);
    expect(row(m, 1)).toEqual([1, -1, 1, 1]);
  });

  it('cascade: the generator’s top-N unseen items first, re-ordered by the ranker', () => {
    // u0: generator A = (1, 1, 3, 3); unseen top-2 = {i2, i3}. Ranker B over them: 3 and 1, min-maxed to 1 and 0,
    // placed above everything at 2 + that: i2 = 3, i3 = 2. The rest keep A min-maxed: (1−1)/2 = 0 for i0 and i1.
    const m = new Cascade({ members: 'fixed-a,fixed-b', candidates: 2 }).fit(data);
    expect(row(m, 0)).toEqual([0, 0, 3, 2]);
    // u1 has only i3 unseen: one candidate, its min-max span is 0 so it scores 1 → 2 + 1 = 3; A min-maxed elsewhere.
    expect(row(m, 1)).toEqual([0, 0, 1, 3]);
  });

  it('augmented: the booster’s top unseen item per user becomes a pseudo-row of value fillValue', () => {
    // Booster C = (4, 3, 2, 1): u0's best unseen is i1, u1's is i3. Learner: popularity by summed value over the
    // augmented rows: i0 = 1 + 1 = 2, i1 = 1 + 0.5 = 1.5, i2 = 1, i3 = 0.5 (only the pseudo-row).
    const m = new Augmented({
      members: 'fixed-c,popular',
      memberParams: '[{},{"measure":"sum"}]',
      fill: 1,
      fillValue: 0.5,
    }).fit(data);
    expect(m.pseudoRows).toBe(2);
    expect(row(m, 0)).toEqual([2, 1.5, 1, 0.5]);
  });
});
