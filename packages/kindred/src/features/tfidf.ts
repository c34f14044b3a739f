import { InvalidParameterError } from '../errors.js';

/** Vocabulary limits and weighting of `Tfidf.fit`. */
export interface TfidfOptions {
  /**
   * Drop terms in fewer documents than this: a count when ≥ 1, a share of the documents when in (0, 1) (default 1).
   */
  minDf?: number;
  /** Drop terms in more documents than this: a share when ≤ 1, a count when > 1 (default 1: keep all). */
  maxDf?: number;
  /** Keep at most this many terms, those in most documents first, ties alphabetically (default: no limit). */
  maxFeatures?: number;
  /** tf = 1 + ln(count) instead of count (default true). */
  sublinearTf?: boolean;
  /** idf = ln((1 + n) / (1 + df)) + 1, as if one extra document held every term; false: ln(n / df) + 1 (default true). */
  smoothIdf?: boolean;
  /** Scale each document's vector to unit length (default 'l2'). */
  norm?: 'l2' | 'none';
}

/** One document's sparse TF-IDF vector: term indices ascending, weights alongside. */
export interface SparseVector {
  indices: Int32Array;
  values: Float64Array;
}

/**
 * TF-IDF weighting with scikit-learn's `TfidfVectorizer` semantics: weight(t, d) = tf(t, d) · idf(t), with
 * sublinear tf 1 + ln(count), smooth idf ln((1 + n) / (1 + df(t))) + 1, then l2 normalisation of each document.
 * The vocabulary is sorted alphabetically (code-unit order, locale-independent), so term indices are deterministic.
 * One difference: `maxFeatures` ranks terms by document frequency (scikit-learn: total count), ties alphabetically.
 *
 * @example
 * const docs = [['star', 'wars'], ['star', 'trek'], ['wars', 'wars']];
 * const tfidf = Tfidf.fit(docs);
 * tfidf.vocabulary;         // ['star', 'trek', 'wars']
 * tfidf.transform(docs[1]); // { indices: [0, 1], values: [0.605, 0.796] } (rounded)
 */
export class Tfidf {
  private readonly index: Map<string, number>;

  private constructor(
    /** Terms, alphabetically; a term's position is its feature index. */
    readonly vocabulary: readonly string[],
    /** Inverse document frequency of each term. */
    readonly idf: Float64Array,
    /** Documents containing each term, in the fitted corpus. */
    readonly df: Int32Array,
    private readonly opts: Required<Pick<TfidfOptions, 'sublinearTf' | 'norm'>>,
  ) {
    this.index = new Map(vocabulary.map((t, k) => [t, k]));
  }

  /** Learns the vocabulary and idf from tokenised documents. */
  static fit(docs: readonly (readonly string[])[], opts: TfidfOptions = {}): Tfidf {
    const n = docs.length;
    const minDf = threshold('minDf', opts.minDf ?? 1, n, 'min');
    const maxDf = threshold('maxDf', opts.maxDf ?? 1, n, 'max');
    const maxFeatures = opts.maxFeatures ?? Infinity;
    if (!(maxFeatures >= 1) || (Number.isFinite(maxFeatures) && !Number.isInteger(maxFeatures)))
      throw new InvalidParameterError(`Tfidf: maxFeatures must be an integer ≥ 1, got ${maxFeatures}`);
    const dfMap = new Map<string, number>();
    for (const doc of docs) for (const t of new Set(doc)) dfMap.set(t, (dfMap.get(t) ?? 0) + 1);
    let terms = [...dfMap.keys()].filter((t) => {
      const d = dfMap.get(t)!;
      return d >= minDf && d <= maxDf;
    });
    if (terms.length > maxFeatures) {
      terms.sort((a, b) => dfMap.get(b)! - dfMap.get(a)! || compare(a, b));
      terms = terms.slice(0, maxFeatures);
    }
    terms.sort(compare);
    const smooth = opts.smoothIdf ?? true;
    const df = Int32Array.from(terms, (t) => dfMap.get(t)!);
    const idf = Float64Array.from(df, (d) => (smooth ? Math.log((1 + n) / (1 + d)) : Math.log(n / d)) + 1);
    return new Tfidf(terms, idf, df, { sublinearTf: opts.sublinearTf ?? true, norm: opts.norm ?? 'l2' });
  }

  /** The TF-IDF vector of one tokenised document; terms outside the vocabulary are ignored. */
  transform(tokens: readonly string[]): SparseVector {
    const counts = new Map<number, number>();
    for (const t of tokens) {
      const k = this.index.get(t);
      if (k !== undefined) counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const indices = Int32Array.from(counts.keys()).sort();
    const values = new Float64Array(indices.length);
    let ss = 0;
    for (let p = 0; p < indices.length; p++) {
      const c = counts.get(indices[p])!;
      const w = (this.opts.sublinearTf ? 1 + Math.log(c) : c) * this.idf[indices[p]];
      values[p] = w;
      ss += w * w;
    }
    if (this.opts.norm === 'l2' && ss > 0) {
      const inv = 1 / Math.sqrt(ss);
      for (let p = 0; p < values.length; p++) values[p] *= inv;
    }
    return { indices, values };
  }
}

/** Plain code-unit order: the same on every machine and locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A document-frequency bound as a count: shares are turned into counts of the n documents. */
function threshold(name: string, v: number, n: number, kind: 'min' | 'max'): number {
  if (!(v > 0) || !Number.isFinite(v)) throw new InvalidParameterError(`Tfidf: ${name} must be positive, got ${v}`);
  const isShare = kind === 'min' ? v < 1 : v <= 1;
  if (isShare) return kind === 'min' ? Math.ceil(v * n) : Math.floor(v * n);
  if (!Number.isInteger(v)) throw new InvalidParameterError(`Tfidf: ${name} as a count must be an integer, got ${v}`);
  return v;
}
