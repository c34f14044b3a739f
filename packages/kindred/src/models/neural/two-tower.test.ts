import { describe, expect, it } from 'vitest';
import { IdMap } from '../../data/id-map.js';
import { Interactions } from '../../data/interactions.js';
import { synthetic } from '../../data/synthetic.js';
import { ModelFitError } from '../../errors.js';
import { FeatureBuilder } from '../../features/feature-builder.js';
import { tastes } from '../hybrid/tastes.case.js';
import { conformance } from '../recommender.case.js';
import { loadModel, saveModel } from '../registry.js';
import { sampledSoftmaxCrossEntropy } from './softmax-ce.js';
import { fillInBatchLogQ, MASKED_LOGQ, orderedHistories } from './two-tower-data.js';
import { TwoTower, twoTowerEntry } from './two-tower.js';

// The checkerboard items get a parity feature (what the pattern follows) and a distractor, as in the hybrid tests.
const boardIds = IdMap.from(Array.from({ length: 24 }, (_, i) => `i${i}`));
const boardFeatures = new FeatureBuilder(boardIds)
  .categorical('parity', (_, i) => (i % 2 === 0 ? 'even' : 'odd'))
  .categorical('third', (_, i) => i % 3, { weight: 0.5 })
  .build();
const small = { epochs: 40, dim: 8, hidden: 8, factors: 8, batchSize: 32, learningRate: 1e-2, seed: 1 };
conformance('two-tower', {
  create: (p) => new TwoTower({ ...small, ...p }).withItemFeatures(boardFeatures, boardIds),
  implicit: true,
  entry: twoTowerEntry,
});
conformance('two-tower (no features, normalised)', {
  create: (p) => new TwoTower({ ...small, hidden: 0, normalize: true, temperature: 0.2, ...p }),
  implicit: true,
  entry: twoTowerEntry,
});

/** Equal up to float32 rounding: a batch of rows and a single row may run different matmul kernels. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++)
    expect(Math.abs(actual[i] - expected[i]), `entry ${i}`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(expected[i])));
}

describe('TwoTower', () => {
  const data = synthetic({ users: 60, items: 40, interactions: 900, kind: 'implicit', seed: 3 });
  const opts = { epochs: 8, dim: 8, hidden: 8, factors: 6, batchSize: 32, learningRate: 5e-3, seed: 2 };

  it('reports each epoch with a finite, falling loss and is deterministic under a seed', () => {
    const losses: number[] = [];
    const a = new TwoTower(opts).fit(data, { onEpoch: (e) => losses.push(e.loss!) });
    expect(losses).toHaveLength(8);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[7]).toBeLessThan(losses[0]);
    const b = new TwoTower(opts).fit(data);
    const [sa, sb] = [new Float32Array(data.nItems), new Float32Array(data.nItems)];
    a.scoreItems(3, sa);
    b.scoreItems(3, sb);
    expect(Array.from(sa)).toEqual(Array.from(sb));
    const c = new Float32Array(data.nItems);
    new TwoTower({ ...opts, seed: 3 }).fit(data).scoreItems(3, c);
    expect(Array.from(c)).not.toEqual(Array.from(sa));
  });

  it('gives a cold item its vector from its features alone and ranks it by the user’s taste', () => {
    const { data: t, features } = tastes(20, 6, 10);
    const m = new TwoTower({ epochs: 30, dim: 8, hidden: 8, factors: 8, batchSize: 32, learningRate: 1e-2, seed: 3 })
      .withItemFeatures(features)
      .fit(t);
    const ca = t.itemIds.index('CA');
    expect(m.knownItem(ca)).toBe(false); // no training rows …
    // … yet a vector: the item tower on its features with a zero id embedding, exactly what itemVector computes.
    const f = features.indptr;
    const fromFeatures = m.itemVector(
      features.indices.slice(f[ca], f[ca + 1]),
      features.values.slice(f[ca], f[ca + 1]),
    );
    const F = m.factorState().factors;
    expectClose(m.factorState().itemFactors.subarray(ca * F, (ca + 1) * F), fromFeatures);
    for (let u = 0; u < 20; u++) {
      expect(m.predict(`a${u}`, 'CA').value).toBeGreaterThan(m.predict(`a${u}`, 'CR').value);
      expect(m.predict(`r${u}`, 'CR').value).toBeGreaterThan(m.predict(`r${u}`, 'CA').value);
    }
    expect(m.recommend('a0', { k: 5 }).ids).toContain('CA');
    expect(m.recommend('r0', { k: 5 }).ids).toContain('CR');
    // Without features the cold items cannot be scored at all.
    const plain = new TwoTower({ epochs: 2, dim: 4, hidden: 0, factors: 4, batchSize: 32 }).fit(t);
    expect(plain.predict('a0', 'CA').impossible).toBe(true);
  });

  it('scores a history given at request time: a known user’s own history reproduces her scores', () => {
    const m = new TwoTower({ ...opts, historyLength: 7 }).fit(data);
    const h = orderedHistories(data);
    for (const u of [0, 5, 17]) {
      const own = new Float32Array(data.nItems);
      m.scoreItems(u, own);
      const folded = new Float32Array(data.nItems);
      m.scoreHistory(h.items.slice(h.indptr[u], h.indptr[u + 1]), folded);
      expectClose(folded, own);
    }
    // Only the newest historyLength items count: older ones do not change the vector.
    const u = 5;
    const list = h.items.slice(h.indptr[u], h.indptr[u + 1]);
    expect(list.length).toBeGreaterThan(7);
    const older = Int32Array.from([...list.slice(0, 3), ...list]);
    expect(Array.from(m.userVector(older))).toEqual(Array.from(m.userVector(list)));
    const again = loadModel(saveModel(m)) as TwoTower;
    expect(Array.from(again.userVector(list))).toEqual(Array.from(m.userVector(list)));
  });

  it('orders each user’s history by time, ties in row order', () => {
    const ids = { userIds: IdMap.from(['u']), itemIds: IdMap.from(['a', 'b', 'c']) };
    const d = Interactions.fromRecords(
      [
        { user: 'u', item: 'a', timestamp: 5 },
        { user: 'u', item: 'b', timestamp: 1 },
        { user: 'u', item: 'c', timestamp: 5 },
      ],
      ids,
    );
    expect(Array.from(orderedHistories(d).items)).toEqual([1, 0, 2]);
  });

  it('logQ correction: a popular negative is pushed down less, a rare one more; a repeat of the positive is masked', () => {
    // Two rows, items a (3 of 4 training pairs) and b (1 of 4), equal logits.
    const logFreq = Float32Array.of(Math.log(0.75), Math.log(0.25));
    const logQ = new Float32Array(4);
    fillInBatchLogQ(Int32Array.of(0, 1), logFreq, logQ);
    const logits = new Float32Array(4);
    const targets = Int32Array.of(0, 1);
    const corrected = new Float32Array(4),
      plain = new Float32Array(4);
    sampledSoftmaxCrossEntropy(logits, targets, logQ, corrected, 2, 2);
    sampledSoftmaxCrossEntropy(logits, targets, new Float32Array(2), plain, 2, 2);
    // Uncorrected, each negative gets softmax 1/2 (÷ 2 rows). Corrected, p ∝ 1/q = [4/3, 4]: [1/4, 3/4].
    expect(plain[1]).toBeCloseTo(0.25, 6);
    expect(plain[2]).toBeCloseTo(0.25, 6);
    expect(corrected[1]).toBeCloseTo(0.75 / 2, 6); // row a: the rare negative b is pushed down harder
    expect(corrected[2]).toBeCloseTo(0.25 / 2, 6); // row b: the popular negative a is pushed down less
    // The same item twice in a batch: the other copy is not a negative.
    fillInBatchLogQ(Int32Array.of(0, 0), logFreq, logQ);
    expect(Array.from(logQ)).toEqual([logFreq[0], MASKED_LOGQ, MASKED_LOGQ, logFreq[0]].map(Math.fround));
    const g = new Float32Array(4);
    expect(sampledSoftmaxCrossEntropy(logits, targets, logQ, g, 2, 2)).toBe(0);
    expect(Array.from(g)).toEqual([0, 0, 0, 0]);
  });

  it('stops early on a validation split after `patience` epochs without improvement', () => {
    const validation = Interactions.fromRecords([{ user: data.userIds.id(0), item: data.itemIds.id(0) }], {
      userIds: data.userIds,
      itemIds: data.itemIds,
    });
    const epochs: number[] = [];
    const m = new TwoTower({ ...opts, epochs: 200, patience: 2 }).fit(data, {
      validation,
      onEpoch: (e) => epochs.push(e.epoch),
    });
    expect(epochs.length).toBeLessThan(200);
    expect(epochs.length - m.bestEpoch).toBe(2);
  });

  it('fails with ModelFitError when training diverges', () => {
    expect(() => new TwoTower({ ...opts, learningRate: 1e38 }).fit(data)).toThrow(ModelFitError);
  });
});
