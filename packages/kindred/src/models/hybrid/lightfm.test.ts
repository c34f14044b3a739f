import { describe, expect, it } from 'vitest';
import { IdMap } from '../../data/id-map.js';
import { InvalidParameterError, ModelFitError } from '../../errors.js';
import { FeatureBuilder } from '../../features/feature-builder.js';
import { conformance } from '../recommender.case.js';
import { loadModel, saveModel } from '../registry.js';
import { usesItemFeatures } from '../content/content-base.js';
import { composeFeatureRows } from './feature-rows.js';
import { LightFm, lightFmEntry } from './lightfm.js';
import { tastes } from './tastes.case.js';

// As in the content tests: the checkerboard items get a parity feature (what the pattern follows) and a distractor.
const boardIds = IdMap.from(Array.from({ length: 24 }, (_, i) => `i${i}`));
const boardFeatures = new FeatureBuilder(boardIds)
  .categorical('parity', (_, i) => (i % 2 === 0 ? 'even' : 'odd'))
  .categorical('third', (_, i) => i % 3, { weight: 0.5 })
  .build();

for (const loss of ['warp', 'bpr'] as const)
  conformance(`lightfm (${loss})`, {
    create: (p) =>
      new LightFm({ loss, epochs: 40, noComponents: 8, seed: 1, ...p }).withItemFeatures(boardFeatures, boardIds),
    implicit: true,
    entry: lightFmEntry,
  });

describe('LightFm', () => {
  const { data, features } = tastes(20, 6, 10);
  const fitted = () => new LightFm({ epochs: 30, seed: 3 }).withItemFeatures(features).fit(data);

  it('ranks a cold item whose features match the user’s taste above the other cold item', () => {
    const m = fitted();
    const ca = data.itemIds.index('CA');
    expect(m.knownItem(ca)).toBe(false);
    expect(m.knownItem(data.itemIds.index('CR'))).toBe(false);
    for (let u = 0; u < 20; u++) {
      expect(m.predict(`a${u}`, 'CA').value).toBeGreaterThan(m.predict(`a${u}`, 'CR').value);
      expect(m.predict(`r${u}`, 'CR').value).toBeGreaterThan(m.predict(`r${u}`, 'CA').value);
    }
    // Among all unseen items, the matching cold item is in the user's top 5 (of 4 unseen liked + 12 others).
    const top = m.recommend('a0', { k: 5 }).ids;
    expect(top).toContain('CA');
    expect(top).not.toContain('CR');
    expect(m.recommend('r0', { k: 5 }).ids).toContain('CR');
    // Only features → scorable; a pure CF model could not rank these at all.
    const out = new Float32Array(data.nItems);
    m.scoreItems(0, out);
    expect(Number.isFinite(out[ca])).toBe(true);
  });

  it('without features cold items cannot be scored, and without identities fit needs features', () => {
    const plain = new LightFm({ epochs: 5 }).fit(data);
    expect(plain.predict('a0', 'CA').impossible).toBe(true);
    expect(() => new LightFm({ itemIdentity: false }).fit(data)).toThrow(InvalidParameterError);
    expect(() => new LightFm({ userIdentity: false }).withItemFeatures(features).fit(data)).toThrow(/withUserFeatures/);
  });

  it('users described by features alone get scores (userIdentity false)', () => {
    const userFeatures = new FeatureBuilder(data.userIds).categorical('g', (id) => String(id)[0]).build();
    const m = new LightFm({ userIdentity: false, epochs: 30, seed: 2 })
      .withItemFeatures(features)
      .withUserFeatures(userFeatures)
      .fit(data);
    expect(m.predict('a3', 'A1').value).toBeGreaterThan(m.predict('a3', 'R1').value);
  });

  it('reports a finite loss per epoch and fails with ModelFitError when it diverges', () => {
    const losses: number[] = [];
    const m = new LightFm({ epochs: 4, seed: 1 }).withItemFeatures(features).fit(data, {
      onEpoch: ({ loss }) => losses.push(loss!),
    });
    expect(losses).toHaveLength(4);
    expect(m.epochLosses).toEqual(losses);
    for (const l of losses) expect(Number.isFinite(l)).toBe(true);
    expect(() =>
      new LightFm({ learningSchedule: 'sgd', learningRate: 1e30, epochs: 3 }).withItemFeatures(features).fit(data),
    ).toThrow(ModelFitError);
  });

  it('clone keeps the features; save/load keeps cold-item scores without re-attaching', () => {
    const m = fitted();
    expect(usesItemFeatures(m)).toBe(true);
    const c = m.clone().fit(data);
    expect(c.predict('a1', 'CA').value).toBe(m.predict('a1', 'CA').value);
    const again = loadModel(saveModel(m)) as LightFm;
    expect(again.predict('a1', 'CA').value).toBe(m.predict('a1', 'CA').value);
    expect(again.itemFeatures?.nRows).toBe(data.nItems);
    expect(again.clone().fit(data).predict('a1', 'CA').value).toBe(m.predict('a1', 'CA').value);
  });

  it('folds in a brand-new user from a few items, and represents a new item from its features', () => {
    const m = fitted();
    const picked = Int32Array.from(['A0', 'A1'], (id) => data.itemIds.index(id));
    for (const steps of [0, 200]) {
      const r = m.recommendForItems(picked, undefined, { k: 5, steps });
      expect(r.ids).not.toContain('A0');
      for (const id of r.ids) expect(String(id)).toMatch(/A/);
    }
    // Shrinkage λ scales the mean by n / (n + λ).
    const mean = m.foldIn(picked),
      shrunk = m.foldIn(picked, undefined, { shrinkage: 6 });
    for (let c = 0; c < mean.length; c++) expect(shrunk[c]).toBeCloseTo(mean[c] * (2 / 8), 6);
    const action = features.names.indexOf('genre=action');
    const v = m.representItem(Int32Array.of(action), Float32Array.of(1));
    const ca = data.itemIds.index('CA');
    // CA's row is exactly the action feature (it has no identity), so both give the same score.
    const x = m.foldIn(picked);
    let viaNew = v[v.length - 1];
    for (let c = 0; c < x.length; c++) viaNew += x[c] * v[c];
    expect(viaNew).toBeCloseTo(scoreOf(m, x, ca), 5);
  });

  it('composes identity and features, l1-normalised, leaving identities of rows without data out', () => {
    const { features: f } = tastes(20, 6, 10);
    const counts = Int32Array.from({ length: f.nRows }, (_, i) => (i < 2 ? 1 : 0));
    const rows = composeFeatureRows(f, f.nRows, true, counts, true);
    expect(rows.nFeatures).toBe(f.nRows + f.nFeatures);
    expect(Array.from(rows.indices.subarray(rows.indptr[0], rows.indptr[1]))).toEqual([0, f.nRows + f.indices[0]]);
    expect(Array.from(rows.values.subarray(rows.indptr[0], rows.indptr[1]))).toEqual([0.5, 0.5]);
    expect(rows.indptr[3] - rows.indptr[2]).toBe(1); // no identity for row 2
  });
});

/** bᵢ + xᵀeᵢ through the public scoring path of a fold-in. */
function scoreOf(m: LightFm, x: Float32Array, i: number): number {
  const st = m.foldInState();
  let s = st.itemBias[i];
  for (let c = 0; c < st.factors; c++) s += x[c] * st.itemRepr[i * st.factors + c];
  return s;
}
