import { describe, expect, it } from 'vitest';
import { bm25Weights, idf, rowNorms, tfidfWeights, weightRows, type SparseRows } from './weighting.js';

// Four documents over three terms: d0 = {t0: 1, t1: 4}, d1 = {t0: 1}, d2 = {t2: 9}, d3 = {} (empty, still counted).
const rows: SparseRows = {
  indptr: new Int32Array([0, 2, 3, 4, 4]),
  indices: new Int32Array([0, 1, 0, 2]),
  values: new Float32Array([1, 4, 1, 9]),
};
// N = 4 documents; df = [2, 1, 1] → idf = log 4 − log(1 + df).
const IDF = [Math.log(4 / 3), Math.log(2), Math.log(2)];

describe('implicit weightings, by hand', () => {
  it('idf = log N − log(1 + df), N counting empty documents', () => {
    const w = idf(rows, 3);
    for (let t = 0; t < 3; t++) expect(w[t]).toBeCloseTo(IDF[t], 12);
  });

  it('tf-idf = √x · idf', () => {
    const w = tfidfWeights(rows, 3);
    expect(Array.from(w)).toEqual([1 * IDF[0], 2 * IDF[1], 1 * IDF[0], 3 * IDF[2]].map((v) => expect.closeTo(v, 12)));
  });

  it('bm25 = x(k1+1)/(k1·L(d) + x) · idf with L(d) = 1 − b + b·|d|/avg|d|', () => {
    // |d| = [5, 1, 9, 0], avg = 15/4; L = [1.25, 0.45, 2.05]; k1 = 1.2, b = 0.75.
    const w = bm25Weights(rows, 3, 1.2, 0.75);
    const expected = [
      ((1 * 2.2) / (1.2 * 1.25 + 1)) * IDF[0],
      ((4 * 2.2) / (1.2 * 1.25 + 4)) * IDF[1],
      ((1 * 2.2) / (1.2 * 0.45 + 1)) * IDF[0],
      ((9 * 2.2) / (1.2 * 2.05 + 9)) * IDF[2],
    ];
    for (let p = 0; p < 4; p++) expect(w[p]).toBeCloseTo(expected[p], 12);
    // b = 0: no length normalisation, every document as if of average length.
    expect(bm25Weights(rows, 3, 1.2, 0)[1]).toBeCloseTo(((4 * 2.2) / (1.2 + 4)) * IDF[1], 12);
  });

  it('cosine and tfidf normalise rows; bm25 does not', () => {
    const cos = weightRows('cosine', rows, 3);
    expect(cos.weights[0]).toBeCloseTo(1 / Math.sqrt(17), 12);
    expect(cos.weights[1]).toBeCloseTo(4 / Math.sqrt(17), 12);
    expect(cos.weights[3]).toBeCloseTo(1, 12);
    expect(cos.norms![0]).toBeCloseTo(Math.sqrt(17), 12);
    const tfidf = weightRows('tfidf', rows, 3);
    expect(rowNorms(rows.indptr, tfidf.weights)[0]).toBeCloseTo(1, 12);
    const raw = weightRows('tfidf', rows, 3, { normalize: false });
    expect(raw.weights[1]).toBeCloseTo(2 * IDF[1], 12);
    const bm25 = weightRows('bm25', rows, 3, { k1: 1.2, b: 0.75 });
    expect(bm25.norms).toBeNull();
    expect(bm25.weights[1]).toBeCloseTo(((4 * 2.2) / 5.5) * IDF[1], 12);
  });
});
