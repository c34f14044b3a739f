import { describe, expect, it } from 'vitest';
import { IdMap } from '../../data/id-map.js';
import { Interactions, type InteractionRecord } from '../../data/interactions.js';
import { InvalidParameterError } from '../../errors.js';
import { FeatureBuilder } from '../../features/feature-builder.js';
import { checkerboard } from '../../testing/fixtures.js';
import { conformance } from '../recommender.case.js';
import { createModel, loadModel, registerModel, saveModel } from '../registry.js';
import { usesItemFeatures } from '../content/content-base.js';
import { Augmented } from './augmented.js';
import { zScores } from './blender.js';
import { Cascade } from './cascade.js';
import { augmentedEntry, cascadeEntry, switchingEntry, weightedEntry } from './entries.js';
import { lightFmEntry } from './lightfm.js';
import { Switching } from './switching.js';
import { Weighted, simplexGrid } from './weighted.js';

registerModel(lightFmEntry);

const boardIds = IdMap.from(Array.from({ length: 24 }, (_, i) => `i${i}`));
const boardFeatures = new FeatureBuilder(boardIds)
  .categorical('parity', (_, i) => (i % 2 === 0 ? 'even' : 'odd'))
  .categorical('third', (_, i) => i % 3, { weight: 0.5 })
  .build();
const als = '{"factors":8,"iterations":8,"seed":1}';

conformance('weighted (learned weights)', {
  create: (p) =>
    new Weighted({ members: 'als,content-knn', memberParams: `[${als},{}]`, ...p }).withItemFeatures(
      boardFeatures,
      boardIds,
    ),
  implicit: true,
  entry: weightedEntry,
});
conformance('switching', {
  create: (p) =>
    new Switching({ members: 'content-knn,als', memberParams: `[{},${als}]`, ...p }).withItemFeatures(
      boardFeatures,
      boardIds,
    ),
  implicit: true,
  entry: switchingEntry,
});
conformance('cascade', {
  create: (p) =>
    new Cascade({ members: 'als,content-knn', memberParams: `[${als},{}]`, candidates: 8, ...p }).withItemFeatures(
      boardFeatures,
      boardIds,
    ),
  implicit: true,
  entry: cascadeEntry,
});
conformance('augmented', {
  create: (p) =>
    new Augmented({
      members: 'content-knn,als',
      memberParams: `[{},{"factors":8,"iterations":15,"regularization":0.1,"seed":1}]`,
      fill: 2,
      ...p,
    }).withItemFeatures(boardFeatures, boardIds),
  implicit: true,
  entry: augmentedEntry,
});

const { data } = checkerboard({ implicit: true });

describe('blender members', () => {
  it('rejects unknown members, bad JSON, wrong counts and unknown member parameters', () => {
    expect(() => new Weighted({ members: 'als,nope' })).toThrow(/unknown algorithm "nope"/);
    expect(() => new Weighted({ members: 'als,bpr', memberParams: '{' })).toThrow(InvalidParameterError);
    expect(() => new Weighted({ members: 'als,bpr', memberParams: '[{}]' })).toThrow(/2 parameter objects/);
    expect(() => new Weighted({ members: 'als,bpr', memberParams: '[{"nope":1},{}]' })).toThrow(/nope/);
    expect(() => new Switching({ members: 'als' })).toThrow(/2 model/);
    expect(() => new Weighted({ members: 'als,bpr', weights: '1' })).toThrow(/2 numbers/);
  });

  it('passes features to members that take them and keeps them through clone and save', () => {
    const m = new Weighted({ members: 'als,content-knn', memberParams: `[${als},{}]`, weights: '0.5,0.5' });
    expect(usesItemFeatures(m)).toBe(true);
    m.withItemFeatures(boardFeatures, boardIds).fit(data);
    expect(m.memberModels().map((x) => x.name)).toEqual(['als', 'content-knn']);
    const again = loadModel(saveModel(m)) as Weighted;
    expect(again.memberModels().map((x) => x.name)).toEqual(['als', 'content-knn']);
    expect(again.weights).toEqual([0.5, 0.5]);
    expect(again.recommend('u3', { k: 5 }).ids).toEqual(m.recommend('u3', { k: 5 }).ids);
    expect(m.clone().fit(data).recommend('u3', { k: 5 }).ids).toEqual(m.recommend('u3', { k: 5 }).ids);
  });

  it('z-scores: mean 0, std 1 over finite entries; impossible entries get the lowest', () => {
    const row = Float32Array.of(1, 3, -Infinity, 2);
    expect(zScores(row)).toBe(true);
    const z = Math.sqrt(1.5); // (1 − 2) / √(2/3)
    expect(Array.from(row).map((x) => +x.toFixed(5))).toEqual([-z, z, -z, 0].map((x) => +x.toFixed(5)));
    expect(zScores(Float32Array.of(-Infinity))).toBe(false);
  });
});

describe('Weighted', () => {
  it('simplex grid: multiples of the step summing to 1', () => {
    expect(simplexGrid(2, 0.5)).toEqual([
      [0, 1],
      [0.5, 0.5],
      [1, 0],
    ]);
    expect(simplexGrid(3, 0.1)).toHaveLength(66);
  });

  it('learns to weigh a trained member over an untrained one', () => {
    const m = new Weighted({
      members: 'als,als',
      memberParams: `[${als},{"factors":8,"iterations":0,"seed":2}]`,
      gridStep: 0.25,
    }).fit(data);
    expect(m.search).toHaveLength(5);
    expect(m.weights[0]).toBeGreaterThan(m.weights[1]);
  });

  it('given weights 1,0 rank exactly as the first member', () => {
    const m = new Weighted({
      members: 'als,bpr',
      memberParams: `[${als},{"factors":4,"iterations":2}]`,
      weights: '1,0',
    }).fit(data);
    expect(m.search).toEqual([]);
    expect(m.recommend('u5', { k: 6 }).ids).toEqual(m.memberModels()[0].recommend('u5', { k: 6 }).ids);
  });
});

/** Users a0.. like items A*, r0.. like R*; `short` has one row; CA and CR are cold items with features. */
function tastes(): { data: Interactions; features: ReturnType<FeatureBuilder['build']> } {
  const recs: InteractionRecord[] = [];
  for (const [g, G] of [
    ['a', 'A'],
    ['r', 'R'],
  ])
    for (let u = 0; u < 12; u++)
      for (let k = 0; k < 5; k++) recs.push({ user: `${g}${u}`, item: `${G}${(u + k) % 8}` });
  recs.push({ user: 'short', item: 'A0' });
  const d = Interactions.fromRecords(recs);
  d.itemIds.add('CA');
  d.itemIds.add('CR');
  const features = new FeatureBuilder(d.itemIds)
    .categorical('genre', (id) => (String(id).includes('A') ? 'action' : 'romance'))
    .build();
  return { data: d, features };
}

describe('Switching, Cascade, Augmented', () => {
  const t = tastes();

  it('switching: short histories are served by the cold member, cold items scored by it', () => {
    const m = new Switching({ members: 'content-knn,als', memberParams: `[{},${als}]`, userThreshold: 3 })
      .withItemFeatures(t.features)
      .fit(t.data);
    const u = t.data.userIds.index('short');
    expect(m.memberForUser(u)).toBe(0);
    expect(m.memberForUser(t.data.userIds.index('a0'))).toBe(1);
    const k = t.data.nItems - 1;
    expect(m.recommend('short', { k }).ids).toEqual(m.memberModels()[0].recommend('short', { k }).ids);
    // ALS cannot score the cold items; the switch lets content-knn rank them for warm users too.
    expect(m.predict('a0', 'CA').impossible).toBe(false);
    expect(m.predict('a0', 'CA').value).toBeGreaterThan(m.predict('a0', 'CR').value);
  });

  it('cascade: the list starts with the generator’s top-N unseen items, re-ordered', () => {
    const m = new Cascade({ members: 'als,content-knn', memberParams: `[${als},{}]`, candidates: 4 })
      .withItemFeatures(t.features)
      .fit(t.data);
    const gen = m.memberModels()[0].recommend('a1', { k: 4 }).ids;
    const top = m.recommend('a1', { k: 4 });
    expect([...top.ids].sort()).toEqual([...gen].sort());
    for (const s of top.scores) expect(s).toBeGreaterThanOrEqual(2);
    expect(m.recommend('a1', { k: 6 }).scores[5]).toBeLessThanOrEqual(1);
  });

  it('augmented: pseudo-rows from the booster give the learner vectors for cold items', () => {
    const m = new Augmented({ members: 'content-knn,als', memberParams: `[{},${als}]`, fill: 4 })
      .withItemFeatures(t.features)
      .fit(t.data);
    expect(m.pseudoRows).toBe(4 * t.data.userIds.size);
    expect(m.predict('a0', 'CA').impossible).toBe(false);
    // Seen items are the real rows only.
    expect(m.training.seenIndices.length).toBe(t.data.length);
    const plain = createModel('als', JSON.parse(als)).fit(t.data);
    expect(plain.predict('a0', 'CA').impossible).toBe(true);
  });
});
