import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../errors.js';
import { Interactions } from '../../data/interactions.js';
import { synthetic } from '../../data/synthetic.js';
import { conformance } from '../recommender.case.js';
import { loadModel, saveModel } from '../registry.js';
import { ItemKnn, itemKnnEntry, type ItemKnnOptions } from './item-knn.js';
import { weightRows, type WeightingName } from './weighting.js';

conformance('item-knn (bm25)', { create: (p) => new ItemKnn(p), implicit: true, entry: itemKnnEntry });
conformance('item-knn (cosine, shrinkage)', {
  create: (p) => new ItemKnn({ weighting: 'cosine', shrinkage: 2, ...p }),
  implicit: true,
  entry: itemKnnEntry,
});
conformance('item-knn (tfidf, implicit K semantics)', {
  create: (p) => new ItemKnn({ weighting: 'tfidf', includeSelf: true, k: 10, ...p }),
  implicit: true,
  entry: itemKnnEntry,
});

const data = synthetic({ users: 60, items: 40, interactions: 700, kind: 'implicit', seed: 11 });

/** Float32 score vectors against float64 sums: equal to ~1e-6 relative. */
function expectRelative(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(expected)));
}

/** Every item-item similarity by dense loops over the weighted item × user matrix. */
function bruteSimilarity(kind: WeightingName, shrinkage: number): Float64Array {
  const rows = data.byItem();
  const n = data.nItems;
  const { weights, norms } = weightRows(kind, rows, data.nUsers, { normalize: shrinkage === 0 });
  const dense = new Float64Array(n * data.nUsers);
  for (let i = 0; i < n; i++)
    for (let p = rows.indptr[i]; p < rows.indptr[i + 1]; p++) dense[i * data.nUsers + rows.indices[p]] = weights[p];
  const sim = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let u = 0; u < data.nUsers; u++) s += dense[i * data.nUsers + u] * dense[j * data.nUsers + u];
      sim[i * n + j] = shrinkage > 0 && norms ? s / (norms[i] * norms[j] + shrinkage) : s;
    }
  return sim;
}

describe('ItemKnn', () => {
  const cases: [WeightingName, number, boolean][] = [
    ['cosine', 0, false],
    ['tfidf', 0, true],
    ['bm25', 0, false],
    ['cosine', 3, false],
  ];
  it.each(cases)(
    '%s (shrinkage %d, includeSelf %s) keeps each item’s k largest similarities',
    (kind, shrinkage, self) => {
      const k = 6;
      const m = new ItemKnn({ k, weighting: kind, shrinkage, includeSelf: self }).fit(data);
      const sim = bruteSimilarity(kind, shrinkage);
      const n = data.nItems;
      const { neighbours } = m as unknown as {
        neighbours: { indptr: Int32Array; indices: Int32Array; values: Float32Array };
      };
      for (let i = 0; i < n; i++) {
        const start = neighbours.indptr[i],
          end = neighbours.indptr[i + 1];
        const candidates: number[] = [];
        for (let j = 0; j < n; j++) if ((self || j !== i) && sim[i * n + j] !== 0) candidates.push(sim[i * n + j]);
        candidates.sort((a, b) => b - a);
        expect(end - start).toBe(Math.min(k, candidates.length));
        for (let q = start; q < end; q++) {
          const j = neighbours.indices[q];
          if (!self) expect(j).not.toBe(i);
          expect(neighbours.values[q]).toBeCloseTo(sim[i * n + j], 5);
          // Best first, and the kept values are the k largest.
          expect(neighbours.values[q]).toBeCloseTo(candidates[q - start], 5);
        }
      }
    },
  );

  it('bm25 similarity is the plain dot product of bm25-weighted item vectors (implicit BM25Recommender)', () => {
    // u0 has {a, b}, u1 has {a, c}, u2 has {d}: N = 4 items, df = [2, 2, 1], idf(u0) = idf(u1) = log 4 − log 3.
    const tiny = Interactions.fromRecords([
      { user: 'u0', item: 'a' },
      { user: 'u0', item: 'b' },
      { user: 'u1', item: 'a' },
      { user: 'u1', item: 'c' },
      { user: 'u2', item: 'd' },
    ]);
    const m = new ItemKnn({ weighting: 'bm25' }).fit(tiny);
    // |a| = 2, |b| = |c| = |d| = 1, avg = 5/4: L(a) = 0.25 + 0.75·2/1.25 = 1.45, L(b) = L(c) = 0.85.
    const idf = Math.log(4 / 3);
    const wa = (2.2 / (1.2 * 1.45 + 1)) * idf,
      wb = (2.2 / (1.2 * 0.85 + 1)) * idf;
    const sim = m.similarItems('a', 5);
    // b and c tie (lower index first); d shares no user with a, so it is no neighbour.
    expect(sim.ids).toEqual(['b', 'c']);
    expect(sim.scores[0]).toBeCloseTo(wa * wb, 6);
    expect(sim.scores[1]).toBeCloseTo(wa * wb, 6);
  });

  it('scoreItems equals score item by item, and explain’s contributions sum to the score', () => {
    const m = new ItemKnn({ k: 8 }).fit(data);
    const out = new Float32Array(data.nItems);
    for (let u = 0; u < 10; u++) {
      if (!m.knownUser(u)) continue;
      m.scoreItems(u, out);
      for (let i = 0; i < data.nItems; i++) {
        if (!m.knownItem(i)) {
          expect(out[i]).toBe(-Infinity);
          continue;
        }
        expectRelative(out[i], m.score(u, i));
        const e = m.explainIndex(u, i, data.nItems);
        expectRelative(
          e.scores.reduce((a, b) => a + b, 0),
          m.score(u, i),
        );
        for (let c = 1; c < e.scores.length; c++) expect(e.scores[c]).toBeLessThanOrEqual(e.scores[c - 1]);
      }
    }
    const rec = m.recommend(data.userIds.id(0), { k: 1 });
    const why = m.explain(data.userIds.id(0), rec.ids[0], 3);
    expect(why.ids.length).toBeGreaterThan(0);
    expect(why.scores[0]).toBeGreaterThan(0);
  });

  it('similarItems lists kept neighbours without the item itself, and survives save/load', () => {
    const m = new ItemKnn({ k: 5, includeSelf: true }).fit(data);
    const id = data.itemIds.id(3);
    const sim = m.similarItems(id, 10);
    expect(sim.ids).not.toContain(id);
    expect(sim.ids.length).toBeLessThanOrEqual(5);
    expect(loadModel(saveModel(m)).similarItems(id, 10).ids).toEqual(sim.ids);
  });

  it('sums repeated (user, item) rows before weighting', () => {
    const once = Interactions.fromRecords([
      { user: 'u0', item: 'a', value: 2 },
      { user: 'u0', item: 'b', value: 1 },
      { user: 'u1', item: 'a', value: 1 },
      { user: 'u1', item: 'c', value: 1 },
    ]);
    const twice = Interactions.fromRecords([
      { user: 'u0', item: 'a', value: 1 },
      { user: 'u0', item: 'b', value: 1 },
      { user: 'u0', item: 'a', value: 1 },
      { user: 'u1', item: 'a', value: 1 },
      { user: 'u1', item: 'c', value: 1 },
    ]);
    const opts: Partial<ItemKnnOptions> = { weighting: 'tfidf' };
    expect(new ItemKnn(opts).fit(twice).similarItems('a').scores).toEqual(
      new ItemKnn(opts).fit(once).similarItems('a').scores,
    );
  });

  it('rejects negative values for tfidf and bm25 (√x and the BM25 saturation need x ≥ 0)', () => {
    const signed = Interactions.fromRecords([
      { user: 'u0', item: 'a', value: -1 },
      { user: 'u0', item: 'b', value: 1 },
    ]);
    expect(() => new ItemKnn({ weighting: 'tfidf' }).fit(signed)).toThrow(InvalidParameterError);
    expect(new ItemKnn({ weighting: 'cosine' }).fit(signed).similarItems('a').scores[0]).toBeCloseTo(-1, 6);
  });

  it('rejects shrinkage with bm25', () => {
    expect(() => new ItemKnn({ weighting: 'bm25', shrinkage: 10 })).toThrow(InvalidParameterError);
    expect(() => new ItemKnn({ weighting: 'jaccard' })).toThrow(InvalidParameterError);
  });
});
