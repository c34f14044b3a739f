import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../errors.js';
import { Interactions } from '../../data/interactions.js';
import { synthetic } from '../../data/synthetic.js';
import { conformance } from '../recommender.case.js';
import { BaselineOnly, baselineOnlyEntry } from './baseline-only.js';

// Biases alone cannot express the checkerboard (every item is loved by half the users and hated by the other half).
conformance('baseline', { create: (p) => new BaselineOnly(p), entry: baselineOnlyEntry, learnsPattern: false });
conformance('baseline (sgd)', { create: (p) => new BaselineOnly({ method: 'sgd', ...p }), learnsPattern: false });

/** 3 users × 3 items, 6 ratings, μ = 3. */
function threeByThree(): Interactions {
  return Interactions.fromRecords([
    { user: 'a', item: 'x', value: 5 },
    { user: 'a', item: 'y', value: 3 },
    { user: 'b', item: 'x', value: 4 },
    { user: 'b', item: 'z', value: 1 },
    { user: 'c', item: 'y', value: 2 },
    { user: 'c', item: 'z', value: 3 },
  ]);
}

describe('BaselineOnly', () => {
  it('ALS matches a hand computation (2 epochs, λ_i = 1, λ_u = 2)', () => {
    // Epoch 1, items (b_u = 0): b_x = (2 + 1)/3 = 1, b_y = (0 − 1)/3 = −1/3, b_z = (−2 + 0)/3 = −2/3.
    //          users: b_a = ((5−3−1) + (3−3+1/3))/4 = 1/3, b_b = −1/3, b_c = 0.
    // Epoch 2, items: b_x = ((2−1/3) + (1+1/3))/3 = 1, b_y = ((0−1/3) + (−1−0))/3 = −4/9, b_z = ((−2+1/3) + 0)/3 = −5/9.
    //          users: b_a = (1 + 4/9)/4 = 13/36, b_b = ((1−1) + (−2+5/9))/4 = −13/36, b_c = ((−1+4/9) + 5/9)/4 = 0.
    const m = new BaselineOnly({ epochs: 2, regItem: 1, regUser: 2 }).fit(threeByThree());
    const { mu, bu, bi } = m.biases();
    expect(mu).toBe(3);
    expect(Array.from(bi)).toEqual([1, -4 / 9, -5 / 9].map((v) => expect.closeTo(v, 12)));
    expect(Array.from(bu)).toEqual([13 / 36, -13 / 36, 0].map((v) => expect.closeTo(v, 12)));
    // r̂(a, z) = μ + b_a + b_z.
    expect(m.predict('a', 'z').value).toBeCloseTo(3 + 13 / 36 - 5 / 9, 12);
  });

  it('SGD matches a hand computation (1 epoch, γ = 0.5, λ = 0)', () => {
    // μ = 3. (a,x,5): e = 2 → b_a = 1, b_x = 1. (a,y,1): e = 1 − (3 + 1 + 0) = −3 → b_a = 1 − 1.5 = −0.5, b_y = −1.5.
    const data = Interactions.fromRecords([
      { user: 'a', item: 'x', value: 5 },
      { user: 'a', item: 'y', value: 1 },
    ]);
    const m = new BaselineOnly({ method: 'sgd', epochs: 1, learningRate: 0.5, reg: 0 }).fit(data);
    const { bu, bi } = m.biases();
    expect(Array.from(bu)).toEqual([-0.5]);
    expect(Array.from(bi)).toEqual([1, -1.5]);
  });

  it('epochs 0 means the method default (ALS 10, SGD 20)', () => {
    const data = synthetic({ users: 60, items: 40, interactions: 800, seed: 2 });
    const same = (a: BaselineOnly, b: BaselineOnly) => expect(a.biases()).toEqual(b.biases());
    same(new BaselineOnly().fit(data), new BaselineOnly({ epochs: 10 }).fit(data));
    same(new BaselineOnly({ method: 'sgd' }).fit(data), new BaselineOnly({ method: 'sgd', epochs: 20 }).fit(data));
    expect(new BaselineOnly().fit(data).biases()).not.toEqual(new BaselineOnly({ epochs: 3 }).fit(data).biases());
  });

  it('uses b_u only for known users and b_i only for known items, and is never impossible', () => {
    const data = threeByThree();
    data.userIds.add('new-user');
    data.itemIds.add('new-item');
    const m = new BaselineOnly().fit(data);
    const { mu, bu, bi } = m.biases();
    const coldUser = m.predict('new-user', 'x');
    expect(coldUser.impossible).toBe(false);
    expect(coldUser.value).toBeCloseTo(mu + bi[0], 12);
    const coldItem = m.predict('a', 'new-item');
    expect(coldItem.impossible).toBe(false);
    expect(coldItem.value).toBeCloseTo(mu + bu[0], 12);
    expect(m.predict('new-user', 'new-item').value).toBeCloseTo(mu, 12);
  });

  it('scoreItems agrees with score', () => {
    const data = synthetic({ users: 30, items: 25, interactions: 300, seed: 5 });
    const m = new BaselineOnly().fit(data);
    const out = new Float32Array(data.nItems);
    m.scoreItems(3, out);
    for (let i = 0; i < data.nItems; i++) expect(out[i]).toBeCloseTo(m.score(3, i), 5);
  });

  it('rejects an unknown method', () => {
    expect(() => new BaselineOnly({ method: 'newton' as 'als' })).toThrow(InvalidParameterError);
  });
});
