import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../errors.js';
import { IdMap } from '../data/id-map.js';
import type { MovieInfo, MovieUserInfo } from '../data/movielens.js';
import { binLabel, binOf, decadeBins } from './bins.js';
import { FeatureBuilder } from './feature-builder.js';
import { movieLensItemFeatures, movieLensUserFeatures } from './movielens-features.js';
import { Tfidf } from './tfidf.js';
import { tokenize } from './tokenize.js';

/** Row r of a matrix as {name: value}. */
function row(
  m: { names: readonly string[]; indptr: Int32Array; indices: Int32Array; values: Float32Array },
  r: number,
) {
  const out: Record<string, number> = {};
  for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) out[m.names[m.indices[p]]] = m.values[p];
  return out;
}

describe('tokenize', () => {
  it('lower-cases, splits on anything but letters and digits, drops stop words and 1-letter terms', () => {
    expect(tokenize('The Usual Suspects (1995)')).toEqual(['usual', 'suspects', '1995']);
    expect(tokenize("Schindler's List")).toEqual(['schindler', 'list']);
    expect(tokenize('Star Wars: Episode IV – A New Hope')).toEqual(['star', 'wars', 'episode', 'iv', 'new', 'hope']);
  });

  it('keeps Unicode letters (composed or not) and honours the options', () => {
    expect(tokenize('Amélie, CAFÉ au lait')).toEqual(['amélie', 'café', 'au', 'lait']);
    // "é" written as e + combining acute is normalised (NFKC) to the same term.
    expect(tokenize('Ame\u0301lie')).toEqual(['amélie']);
    expect(tokenize('Город Грехов 東京')).toEqual(['город', 'грехов', '東京']);
    expect(tokenize('The a I', { stopWords: null, minLength: 1 })).toEqual(['the', 'a', 'i']);
    expect(tokenize('Big Fish', { lowercase: false, stopWords: ['Fish'] })).toEqual(['Big']);
    expect(() => tokenize('x', { minLength: 0 })).toThrow(InvalidParameterError);
  });
});

describe('Tfidf', () => {
  // n = 3 documents; df(star) = 2, df(trek) = 1, df(wars) = 2.
  // Smooth idf: ln(4/3) + 1 = 1.287682072 for star and wars, ln(4/2) + 1 = 1.693147181 for trek.
  const docs = [['star', 'wars', 'star'], ['star', 'trek'], ['wars']];

  it('hand-computed weights: sublinear tf, smooth idf, l2 rows', () => {
    const t = Tfidf.fit(docs);
    expect(t.vocabulary).toEqual(['star', 'trek', 'wars']);
    expect(Array.from(t.df)).toEqual([2, 1, 2]);
    expect(t.idf[0]).toBeCloseTo(1.287682072451781, 14);
    expect(t.idf[1]).toBeCloseTo(1.693147180559945, 14);
    // Doc 0: star tf 2 → (1 + ln 2)·1.28768 = 2.18019, wars 1·1.28768; l2 → 0.86104, 0.50854.
    const d0 = t.transform(docs[0]);
    expect(Array.from(d0.indices)).toEqual([0, 2]);
    expect(d0.values[0]).toBeCloseTo(0.8610369959439765, 12);
    expect(d0.values[1]).toBeCloseTo(0.5085423203783268, 12);
    // Doc 1: star 1.28768, trek 1.69315 → 0.60535, 0.79596.
    const d1 = t.transform(docs[1]);
    expect(Array.from(d1.indices)).toEqual([0, 1]);
    expect(d1.values[0]).toBeCloseTo(0.6053485081062916, 12);
    expect(d1.values[1]).toBeCloseTo(0.7959605415681652, 12);
    // Doc 2 has one term: unit weight.
    expect(Array.from(t.transform(docs[2]).values)).toEqual([1]);
    // Unknown terms are ignored.
    expect(t.transform(['klingon']).indices.length).toBe(0);
  });

  it('raw tf, plain idf and no norm when asked', () => {
    const t = Tfidf.fit(docs, { sublinearTf: false, smoothIdf: false, norm: 'none' });
    const d0 = t.transform(docs[0]);
    expect(d0.values[0]).toBeCloseTo(2 * (Math.log(3 / 2) + 1), 14);
    expect(d0.values[1]).toBeCloseTo(Math.log(3 / 2) + 1, 14);
  });

  it('vocabulary limits: minDf, maxDf (count or share), maxFeatures by df then alphabetically', () => {
    expect(Tfidf.fit(docs, { minDf: 2 }).vocabulary).toEqual(['star', 'wars']);
    expect(Tfidf.fit(docs, { maxDf: 1 / 3 }).vocabulary).toEqual(['trek']);
    expect(Tfidf.fit(docs, { maxDf: 0.5 }).vocabulary).toEqual(['trek']);
    expect(Tfidf.fit(docs, { minDf: 0.5 }).vocabulary).toEqual(['star', 'wars']);
    expect(Tfidf.fit(docs, { maxFeatures: 2 }).vocabulary).toEqual(['star', 'wars']);
    // star and wars tie on df 2: alphabetical order decides.
    expect(Tfidf.fit(docs, { maxFeatures: 1 }).vocabulary).toEqual(['star']);
    expect(() => Tfidf.fit(docs, { minDf: 0 })).toThrow(InvalidParameterError);
    expect(() => Tfidf.fit(docs, { maxFeatures: 1.5 })).toThrow(InvalidParameterError);
  });
});

describe('bins', () => {
  it('edges: [lo, hi) bins, labels, outside values dropped or clamped', () => {
    const bins = { edges: [0, 18, 25, 35], labels: ['young', 'twenties-a', 'twenties-b'] };
    expect([binOf(bins, 0), binOf(bins, 17.9), binOf(bins, 18), binOf(bins, 34.99)]).toEqual([0, 0, 1, 2]);
    expect(binOf(bins, 35)).toBeNull();
    expect(binOf(bins, -1)).toBeNull();
    expect(binOf({ ...bins, outside: 'clamp' }, 99)).toBe(2);
    expect(binOf({ ...bins, outside: 'clamp' }, -5)).toBe(0);
    expect(binLabel(bins, 20)).toBe('twenties-a');
    expect(binLabel({ edges: [0, 10, Infinity] }, 12)).toBe('[10,Infinity)');
    expect(binOf(bins, NaN)).toBeNull();
  });

  it('width bins: decades', () => {
    expect(binLabel(decadeBins(), 1995)).toBe('1990s');
    expect(binLabel(decadeBins(), 1990)).toBe('1990s');
    expect(binLabel(decadeBins(), 1989)).toBe('1980s');
    expect(binLabel({ width: 5, origin: 1 }, 7)).toBe('[6,11)');
  });
});

describe('FeatureBuilder', () => {
  const ids = IdMap.from(['a', 'b', 'c']);
  const meta: Record<string, { genres: string[]; year: number | null; tags: Record<string, string>; price?: number }> =
    {
      a: { genres: ['Drama', 'Comedy'], year: 1995, tags: { lang: 'en' }, price: 10 },
      b: { genres: ['Comedy'], year: 1987, tags: { lang: 'fr', color: 'bw' }, price: 30 },
      c: { genres: [], year: null, tags: {} },
    };
  const build = () =>
    new FeatureBuilder(ids)
      .categorical('genre', (id) => meta[id].genres)
      .binned('decade', (id) => meta[id].year, decadeBins())
      .labels('tags', (id) => meta[id].tags)
      .numeric('price', (id) => meta[id].price)
      .build();

  it('lays blocks side by side with alphabetical / bin-ordered columns', () => {
    const m = build();
    expect(m.names).toEqual([
      'genre=Comedy',
      'genre=Drama',
      'decade=1980s',
      'decade=1990s',
      'color=bw',
      'lang=en',
      'lang=fr',
      'price',
    ]);
    expect(row(m, 0)).toEqual({ 'genre=Comedy': 1, 'genre=Drama': 1, 'decade=1990s': 1, 'lang=en': 1 });
    // Min-max: price 10 → 0 (not stored), 30 → 1.
    expect(row(m, 1)).toEqual({ 'genre=Comedy': 1, 'decade=1980s': 1, 'color=bw': 1, 'lang=fr': 1, price: 1 });
    expect(m.rowNnz(2)).toBe(0);
  });

  it('is deterministic: the same input gives byte-identical matrices whatever the order values arrive in', () => {
    const a = build();
    const b = build();
    expect(a.names).toEqual(b.names);
    expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    const reversed = new FeatureBuilder(ids).categorical('genre', (id) => [...meta[id].genres].reverse()).build();
    const plain = new FeatureBuilder(ids).categorical('genre', (id) => meta[id].genres).build();
    expect(Array.from(reversed.indices)).toEqual(Array.from(plain.indices));
    // Indices ascend within every row (the models merge rows).
    for (let r = 0; r < a.nRows; r++)
      for (let p = a.indptr[r] + 1; p < a.indptr[r + 1]; p++) expect(a.indices[p]).toBeGreaterThan(a.indices[p - 1]);
  });

  it('block weights, block normalisation and row normalisation', () => {
    const m = new FeatureBuilder(ids)
      .categorical('genre', (id) => meta[id].genres, { normalize: true, weight: 2 })
      .binned('decade', (id) => meta[id].year, decadeBins(), { weight: 0.5 })
      .build();
    expect(row(m, 0)['genre=Drama']).toBeCloseTo(2 / Math.SQRT2, 6);
    expect(row(m, 0)['decade=1990s']).toBe(0.5);
    const n = new FeatureBuilder(ids).categorical('genre', (id) => meta[id].genres).build({ normalizeRows: true });
    expect(row(n, 0)['genre=Comedy']).toBeCloseTo(Math.SQRT1_2, 6);
    expect(row(n, 1)['genre=Comedy']).toBe(1);
  });

  it('text blocks are TF-IDF rows; every row is a document', () => {
    const titles: Record<string, string | undefined> = { a: 'Star Wars', b: 'Star Trek', c: undefined };
    const m = new FeatureBuilder(ids).text('title', (id) => titles[id]).build();
    expect(m.names).toEqual(['title=star', 'title=trek', 'title=wars']);
    // n = 3: idf(star) = ln(4/3) + 1, idf(wars) = idf(trek) = ln(4/2) + 1.
    const s = Math.log(4 / 3) + 1,
      w = Math.log(2) + 1;
    expect(row(m, 0)['title=star']).toBeCloseTo(s / Math.hypot(s, w), 6);
    expect(m.rowNnz(2)).toBe(0);
  });

  it('rejects bad blocks', () => {
    expect(() => new FeatureBuilder(ids).categorical('a=b', () => 'x')).toThrow(InvalidParameterError);
    expect(() => new FeatureBuilder(ids).categorical('g', () => 'x').categorical('g', () => 'y')).toThrow(
      InvalidParameterError,
    );
    expect(() => new FeatureBuilder(ids).categorical('g', () => 'x', { weight: -1 })).toThrow(InvalidParameterError);
    expect(() => new FeatureBuilder(ids).binned('y', () => 1, { edges: [2, 1] })).toThrow(InvalidParameterError);
    // Two blocks producing the same feature name.
    expect(() =>
      new FeatureBuilder(ids)
        .categorical('lang', () => 'en')
        .labels('tags', () => ({ lang: 'en' }))
        .build(),
    ).toThrow(InvalidParameterError);
  });
});

describe('MovieLens features', () => {
  const movie = (id: number, title: string, year: number | null, genres: string[]): MovieInfo => ({
    id,
    title,
    year,
    genres,
  });
  const items = new Map<number, MovieInfo>([
    [1, movie(1, 'Toy Story (1995)', 1995, ['Animation', "Children's", 'Comedy'])],
    [2, movie(2, 'Toy Soldiers (1991)', 1991, ['Action'])],
    [3, movie(3, 'Casablanca (1942)', 1942, ['Drama', 'Romance', 'War'])],
  ]);

  it('genres (unit block), decade and title words without the year', () => {
    const m = movieLensItemFeatures(items, IdMap.from([3, 1, 2, 99]));
    expect(m.nRows).toBe(4);
    const r1 = row(m, 1);
    expect(r1['genre=Comedy']).toBeCloseTo(1 / Math.sqrt(3), 6);
    expect(r1['decade=1990s']).toBe(0.5);
    // "toy" is the only title word in two titles (minDf 2); years are not words.
    expect(m.names.filter((f) => f.startsWith('title='))).toEqual(['title=toy']);
    expect(r1['title=toy']).toBe(0.5);
    expect(row(m, 0)['decade=1940s']).toBe(0.5);
    expect(m.rowNnz(3)).toBe(0);
  });

  it('user features: age band, gender, occupation', () => {
    const user = (id: number, age: number, gender: string, occupation: string): MovieUserInfo => ({
      id,
      age,
      gender,
      occupation,
      zip: '00000',
    });
    const users = new Map([
      [1, user(1, 24, 'M', 'technician')],
      [2, user(2, 53, 'F', 'other')],
      [3, user(3, 17, 'M', 'student')],
    ]);
    const m = movieLensUserFeatures(users, IdMap.from([1, 2, 3]));
    expect(row(m, 0)).toEqual({ 'age=18-24': 1, 'gender=M': 1, 'occupation=technician': 1 });
    expect(row(m, 1)).toEqual({ 'age=50-55': 1, 'gender=F': 1, 'occupation=other': 1 });
    expect(row(m, 2)['age=under 18']).toBe(1);
    expect(m.names.slice(0, 7)).toEqual([
      'age=under 18',
      'age=18-24',
      'age=25-34',
      'age=35-44',
      'age=45-49',
      'age=50-55',
      'age=56+',
    ]);
  });
});
