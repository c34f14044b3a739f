import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../errors.js';
import { metricByName, resolveMetrics } from './by-name.js';
import { relevance } from './metric.js';
import {
  aucFromScores,
  aucMetric,
  averagePrecisionAtK,
  hitRateAtK,
  mapMetric,
  ndcgAtK,
  ndcgMetric,
  precisionAtK,
  recallAtK,
  reciprocalRankAtK,
} from './ranking.js';
import { Rng } from '../../math/rng.js';

// The worked example of ranking.ts: hits at ranks 2 (item 1) and 3 (item 3); item 9 is never recommended.
const ranked = Int32Array.of(5, 1, 3, 8, 2);
const rel = relevance([1, 3, 9]);

describe('ranking metrics: worked examples', () => {
  it('precision@5 = 2/5, recall@5 = 2/3', () => {
    expect(precisionAtK(ranked, rel, 5)).toBe(0.4);
    expect(recallAtK(ranked, rel, 5)).toBe(2 / 3);
    // Only the first k count; precision divides by k even past the list's end.
    expect(precisionAtK(ranked, rel, 2)).toBe(0.5);
    expect(precisionAtK(ranked, rel, 10)).toBe(0.2);
  });

  it('hit rate and reciprocal rank', () => {
    expect(hitRateAtK(ranked, rel, 5)).toBe(1);
    expect(hitRateAtK(ranked, rel, 1)).toBe(0);
    expect(reciprocalRankAtK(ranked, rel, 5)).toBe(0.5);
    expect(reciprocalRankAtK(ranked, rel, 1)).toBe(0);
  });

  it('average precision with both normalisers', () => {
    expect(averagePrecisionAtK(ranked, rel, 5)).toBeCloseTo(7 / 18, 15);
    expect(averagePrecisionAtK(ranked, rel, 5, 'relevant')).toBeCloseTo(7 / 18, 15);
    expect(averagePrecisionAtK(ranked, rel, 2)).toBe(0.25);
    expect(averagePrecisionAtK(ranked, rel, 2, 'relevant')).toBeCloseTo(1 / 6, 15);
    expect(mapMetric(2).compute(ranked, rel)).toBe(0.25);
    expect(mapMetric(2, { normalizer: 'relevant' }).compute(ranked, rel)).toBeCloseTo(1 / 6, 15);
  });

  it('NDCG binary and graded', () => {
    expect(ndcgAtK(ranked, rel, 5)).toBeCloseTo(0.5307212739772434, 12);
    const graded = relevance([1, 3, 9], [3, 1, 2]);
    expect(ndcgAtK(ranked, graded, 5, 'exponential')).toBeCloseTo(0.5234343216411389, 12);
    expect(ndcgMetric(5, { gains: 'exponential' }).compute(ranked, graded)).toBeCloseTo(0.5234343216411389, 12);
    // Binary gains ignore grades.
    expect(ndcgAtK(ranked, graded, 5)).toBeCloseTo(0.5307212739772434, 12);
  });

  it('AUC counts ordered (relevant, non-relevant) pairs, ties ½, excluded items ignored', () => {
    const scores = Float32Array.of(0.1, 0.9, 0.5, 0.3, 0.7, 0.2);
    expect(aucFromScores(scores, relevance([1, 3]))).toBe(0.75);
    expect(aucMetric().compute(new Int32Array(0), relevance([1, 3]), { scores })).toBe(0.75);
    // Excluding item 0 (which item 3 beat) leaves 5 of 6 pairs... item 3 now beats only item 5: (3 + 1) / 6.
    const exclude = Uint8Array.of(1, 0, 0, 0, 0, 0);
    expect(aucFromScores(scores, relevance([1, 3]), exclude)).toBeCloseTo(4 / 6, 15);
    // A tie between relevant item 1 and non-relevant item 0 counts half.
    expect(aucFromScores(Float32Array.of(1, 1, 0), relevance([1]))).toBe(0.75);
    expect(() => aucMetric().compute(ranked, rel)).toThrow(InvalidParameterError);
  });
});

describe('ranking metrics: invariants', () => {
  const rng = new Rng(5);
  const nItems = 50;

  it('a perfect ranking scores 1 on NDCG, recall (k ≥ |rel|), MAP, MRR, hit rate and AUC', () => {
    for (let trial = 0; trial < 20; trial++) {
      const nRel = 1 + rng.int(8);
      const items = rng.permutation(nItems).subarray(0, nRel);
      const r = relevance(
        items,
        Array.from(items, () => 1 + rng.int(5)),
      );
      // Relevant items first, in decreasing grade, then the rest.
      const order = Array.from(r.items).sort((a, b) => r.grades![r.items.indexOf(b)] - r.grades![r.items.indexOf(a)]);
      for (let i = 0; i < nItems; i++) if (!order.includes(i)) order.push(i);
      const list = Int32Array.from(order);
      expect(ndcgAtK(list, r, 10)).toBeCloseTo(1, 12);
      expect(ndcgAtK(list, r, 10, 'exponential')).toBeCloseTo(1, 12);
      expect(recallAtK(list, r, 10)).toBe(1);
      expect(averagePrecisionAtK(list, r, 10)).toBeCloseTo(1, 12);
      expect(averagePrecisionAtK(list, r, 3)).toBeCloseTo(1, 12); // min(k, |rel|) normaliser
      expect(reciprocalRankAtK(list, r, 10)).toBe(1);
      expect(hitRateAtK(list, r, 1)).toBe(1);
      const scores = new Float64Array(nItems);
      list.forEach((item, pos) => (scores[item] = nItems - pos));
      expect(aucFromScores(scores, r)).toBe(1);
      // Reversed scores order every pair wrongly.
      const reversed = scores.map((s) => -s);
      expect(aucFromScores(reversed, r)).toBe(0);
    }
  });

  it('values stay in [0, 1] on random lists', () => {
    for (let trial = 0; trial < 200; trial++) {
      const r = relevance(rng.permutation(nItems).subarray(0, 1 + rng.int(15)));
      const list = rng.permutation(nItems).subarray(0, rng.int(20));
      const k = 1 + rng.int(20);
      for (const v of [
        precisionAtK(list, r, k),
        recallAtK(list, r, k),
        ndcgAtK(list, r, k),
        averagePrecisionAtK(list, r, k),
        averagePrecisionAtK(list, r, k, 'relevant'),
        reciprocalRankAtK(list, r, k),
      ]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1 + 1e-12);
      }
      // MAP normalised by |relevant| never exceeds MAP normalised by min(k, |relevant|).
      expect(averagePrecisionAtK(list, r, k, 'relevant')).toBeLessThanOrEqual(averagePrecisionAtK(list, r, k) + 1e-15);
    }
  });

  it('users without relevant items score 0', () => {
    const empty = relevance([]);
    expect(recallAtK(ranked, empty, 5)).toBe(0);
    expect(ndcgAtK(ranked, empty, 5)).toBe(0);
    expect(averagePrecisionAtK(ranked, empty, 5)).toBe(0);
  });
});

describe('metricByName', () => {
  it('parses names, applies the default k, and knows directions', () => {
    expect(metricByName('ndcg@10').name).toBe('ndcg@10');
    expect(metricByName('NDCG', 5).name).toBe('ndcg@5');
    const mapRel = metricByName('map-relevant@3');
    expect(mapRel.kind).toBe('ranking');
    if (mapRel.kind === 'ranking') expect(mapRel.compute(ranked, rel)).toBeCloseTo((1 / 2 + 2 / 3) / 3, 15);
    expect(metricByName('hitrate@1').name).toBe('hit@1');
    expect(metricByName('auc').name).toBe('auc');
    expect(metricByName('rmse').higherIsBetter).toBe(false);
    expect(metricByName('gini@10').higherIsBetter).toBe(false);
    expect(metricByName('coverage@10').kind).toBe('beyond');
    expect(resolveMetrics(['precision', 'recall@20'], 7).map((m) => m.name)).toEqual(['precision@7', 'recall@20']);
  });

  it('rejects unknown names, bad k and duplicates', () => {
    expect(() => metricByName('ndgc@10')).toThrow(/known metrics are/);
    expect(() => metricByName('ndcg@0')).toThrow(InvalidParameterError);
    expect(() => metricByName('ndcg@x')).toThrow(InvalidParameterError);
    expect(() => metricByName('rmse@10')).toThrow(InvalidParameterError);
    expect(() => resolveMetrics(['ndcg', 'ndcg@10'], 10)).toThrow(/twice/);
  });
});
