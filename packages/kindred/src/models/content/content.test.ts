import { describe, expect, it } from 'vitest';
import { FeatureMatrix } from '../../data/features.js';
import { IdMap } from '../../data/id-map.js';
import { Interactions } from '../../data/interactions.js';
import { InvalidParameterError, ScoreImpossibleError } from '../../errors.js';
import { FeatureBuilder } from '../../features/feature-builder.js';
import { conformance } from '../recommender.case.js';
import { loadModel, saveModel } from '../registry.js';
import { ContentKnn, contentKnnEntry } from './content-knn.js';
import { rowWeights, usesItemFeatures, type ContentRecommender } from './content-base.js';
import { Profile, profileEntry } from './profile.js';

// The checkerboard has no metadata: give its items a parity feature (what the pattern follows) and a distractor
// (i mod 3). Built over its own id map, so the models must align rows by raw id.
const boardIds = IdMap.from(Array.from({ length: 24 }, (_, i) => `i${i}`));
const boardFeatures = new FeatureBuilder(boardIds)
  .categorical('parity', (_, i) => (i % 2 === 0 ? 'even' : 'odd'))
  .categorical('third', (_, i) => i % 3, { weight: 0.5 })
  .build();

for (const implicit of [false, true]) {
  conformance(`content-knn${implicit ? ' (implicit)' : ''}`, {
    create: (p) => new ContentKnn(p).withItemFeatures(boardFeatures, boardIds),
    entry: contentKnnEntry,
    implicit,
  });
  conformance(`profile${implicit ? ' (implicit)' : ''}`, {
    create: (p) => new Profile(p).withItemFeatures(boardFeatures, boardIds),
    entry: profileEntry,
    implicit,
  });
}

// A hand example. Items: A (Comedy, 1990s), B (Comedy, 1980s), C (Drama, 1990s), D (Horror, 1970s), and two items
// nobody rated: E (Comedy, 1990s, like A) and F (Horror, 1970s, like D). u rates A 5 and D 1 (mean 3: weights +2, −2);
// v rates B 4 and C 3.
const meta: Record<string, [string, string]> = {
  A: ['Comedy', '1990s'],
  B: ['Comedy', '1980s'],
  C: ['Drama', '1990s'],
  D: ['Horror', '1970s'],
  E: ['Comedy', '1990s'],
  F: ['Horror', '1970s'],
};
function handData(implicit = false): { data: Interactions; features: FeatureMatrix } {
  const data = Interactions.fromRecords([
    { user: 'u', item: 'A', value: implicit ? 1 : 5 },
    { user: 'u', item: 'D', value: implicit ? 1 : 1 },
    { user: 'v', item: 'B', value: implicit ? 1 : 4 },
    { user: 'v', item: 'C', value: implicit ? 1 : 3 },
  ]);
  data.itemIds.add('E');
  data.itemIds.add('F');
  const features = new FeatureBuilder(data.itemIds)
    .categorical('genre', (id) => meta[id][0])
    .categorical('decade', (id) => meta[id][1])
    .build();
  return { data, features };
}

describe('content-knn', () => {
  const { data, features } = handData();
  const m = new ContentKnn().withItemFeatures(features).fit(data);
  const idx = (id: string) => data.itemIds.index(id);

  it('hand-computed scores: Σ sim(i, j) · (r_uj − mean_u) over the user’s items', () => {
    // cos(E, A) = 1, cos(E, D) = 0 → 2; cos(B, A) = cos(C, A) = ½ → 1; cos(F, D) = 1 → −2.
    expect(m.score(0, idx('E'))).toBeCloseTo(2, 6);
    expect(m.score(0, idx('B'))).toBeCloseTo(1, 6);
    expect(m.score(0, idx('C'))).toBeCloseTo(1, 6);
    expect(m.score(0, idx('F'))).toBeCloseTo(-2, 6);
    const out = new Float32Array(data.nItems);
    m.scoreItems(0, out);
    for (const id of ['A', 'B', 'C', 'D', 'E', 'F']) expect(out[idx(id)]).toBeCloseTo(m.score(0, idx(id)), 6);
  });

  it('ranks the cold item E first and explains it by its features and by A', () => {
    expect(m.recommend('u', { k: 4 }).ids).toEqual(['E', 'B', 'C', 'F']);
    const e = m.explain('u', 'E');
    expect(e.summary).toBe('Comedy, 1990s');
    expect(e.features.map((f) => f.name)).toEqual(['genre=Comedy', 'decade=1990s']);
    expect(e.features[0].contribution).toBeCloseTo(1, 6);
    expect(e.items.map((x) => x.id)).toEqual(['A']);
    expect(e.items[0].similarity).toBeCloseTo(1, 6);
    expect(e.items[0].contribution).toBeCloseTo(2, 6);
    expect(e.score).toBeCloseTo(2, 6);
  });

  it('keeps at most k neighbours, all of them items with training rows', () => {
    const k1 = new ContentKnn({ k: 1 }).withItemFeatures(features).fit(data);
    // E's single neighbour is A (cos 1); the cold twin F is never anyone's neighbour.
    expect(k1.similarItems('E', 1).ids).toEqual(['A']);
    // similarItems looks at every item with features, cold ones included.
    expect(m.similarItems('A', 1).ids).toEqual(['E']);
  });

  it('implicit data: every row weighs 1', () => {
    const h = handData(true);
    const mi = new ContentKnn().withItemFeatures(h.features).fit(h.data);
    expect(mi.score(0, h.data.itemIds.index('E'))).toBeCloseTo(1, 6);
    expect(mi.score(0, h.data.itemIds.index('F'))).toBeCloseTo(1, 6);
    expect(mi.score(0, h.data.itemIds.index('B'))).toBeCloseTo(0.5, 6);
  });
});

describe('profile', () => {
  const { data, features } = handData();
  const m = new Profile().withItemFeatures(features).fit(data);
  const idx = (id: string) => data.itemIds.index(id);

  it('hand-computed cosines to the profile (2·x̂_A − 2·x̂_D) / 4', () => {
    // x̂_E · (x̂_A − x̂_D) = 1 and ‖x̂_A − x̂_D‖ = √2 → 1/√2; B: ½ / √2; F: −1/√2.
    expect(m.score(0, idx('E'))).toBeCloseTo(Math.SQRT1_2, 6);
    expect(m.score(0, idx('B'))).toBeCloseTo(0.5 * Math.SQRT1_2, 6);
    expect(m.score(0, idx('F'))).toBeCloseTo(-Math.SQRT1_2, 6);
    const out = new Float32Array(data.nItems);
    m.scoreItems(0, out);
    for (const id of ['A', 'B', 'C', 'D', 'E', 'F']) expect(out[idx(id)]).toBeCloseTo(m.score(0, idx(id)), 6);
  });

  it('ranks the cold item E first and explains it', () => {
    expect(m.recommend('u', { k: 1 }).ids).toEqual(['E']);
    const e = m.explain('u', 'E');
    expect(e.summary).toBe('Comedy, 1990s');
    expect(e.features[0].contribution + e.features[1].contribution).toBeCloseTo(e.score, 6);
    expect(e.items.map((x) => x.id)).toEqual(['A']);
    // A's share: w · cos(A, E) / ‖Σ w x̂‖ = 2 · 1 / (2√2).
    expect(e.items[0].contribution).toBeCloseTo(Math.SQRT1_2, 6);
  });

  it('users without rows or items without features cannot be scored', () => {
    const ids = IdMap.from(['A', 'B', 'C', 'D', 'E']); // F has no features row.
    const partial = new FeatureBuilder(ids).categorical('genre', (id) => meta[id][0]).build();
    const p = new Profile().withItemFeatures(partial, ids).fit(data);
    expect(() => p.score(0, idx('F'))).toThrow(ScoreImpossibleError);
    expect(p.predict('u', 'F').impossible).toBe(true);
    const out = new Float32Array(data.nItems);
    p.scoreItems(0, out);
    expect(out[idx('F')]).toBe(-Infinity);
    expect(Number.isFinite(out[idx('E')])).toBe(true);
  });
});

describe('content models: features lifecycle', () => {
  const { data, features } = handData();

  it('fit without features fails, naming the fix', () => {
    expect(() => new Profile().fit(data)).toThrow(InvalidParameterError);
    expect(() => new ContentKnn().fit(data)).toThrow(/withItemFeatures/);
  });

  it('clone keeps the features (cross-validation fits clones); save/load keeps them without re-attaching', () => {
    for (const m of [new ContentKnn({ k: 3 }), new Profile()] as ContentRecommender<{ weighting: string }>[]) {
      m.withItemFeatures(features);
      const c = m.clone().fit(data);
      expect(c.itemFeatures?.nRows).toBe(data.nItems);
      const again = loadModel(saveModel(c));
      expect(usesItemFeatures(again)).toBe(true);
      expect(again.recommend('u', { k: 3 }).ids).toEqual(c.recommend('u', { k: 3 }).ids);
      expect((again as ContentRecommender<{ weighting: string }>).explain('u', 'E').summary).toBe('Comedy, 1990s');
      // A fitted model's clone carries its aligned features too.
      expect(c.clone().fit(data).recommend('u', { k: 3 }).ids).toEqual(c.recommend('u', { k: 3 }).ids);
    }
  });

  it('rows weights: centred per user, a user with constant ratings centred on the global mean', () => {
    const d = Interactions.fromRecords([
      { user: 'a', item: 'x', value: 5 },
      { user: 'a', item: 'y', value: 3 },
      { user: 'b', item: 'x', value: 4 },
      { user: 'b', item: 'y', value: 4 },
    ]);
    expect(Array.from(rowWeights(d, 'auto'))).toEqual([1, -1, 0, 0]);
    // Global mean 4 equals b's constant rating here: still 0. Now with b at 2:
    d.values[2] = 2;
    d.values[3] = 2;
    const fresh = new Interactions({
      users: d.users,
      items: d.items,
      values: d.values,
      userIds: d.userIds,
      itemIds: d.itemIds,
    });
    expect(Array.from(rowWeights(fresh, 'centered'))).toEqual([1, -1, -1, -1]);
    expect(Array.from(rowWeights(fresh, 'binary'))).toEqual([1, 1, 1, 1]);
    expect(Array.from(rowWeights(fresh, 'value'))).toEqual([5, 3, 2, 2]);
  });

  it('rejects a feature matrix with more rows than items unless its id map is given', () => {
    const big = new FeatureMatrix(10, ['f'], new Int32Array(11), new Int32Array(0), new Float32Array(0));
    expect(() => new Profile().withItemFeatures(big).fit(data)).toThrow(InvalidParameterError);
  });
});
