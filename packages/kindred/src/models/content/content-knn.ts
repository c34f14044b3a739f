import { ModelFormatError } from '../../errors.js';
import type { Interactions } from '../../data/interactions.js';
import { topK } from '../../math/top-k.js';
import type { ParamDoc } from '../params.js';
import type { ModelState } from '../recommender.js';
import type { ModelEntry } from '../registry.js';
import {
  ContentRecommender,
  WEIGHTING_DOC,
  accumulateCosines,
  transpose,
  type ContentExplanation,
  type ExplainOptions,
  type ExplainedItem,
} from './content-base.js';

export type ContentKnnOptions = { k: number; minSimilarity: number; weighting: string };

const DEFAULTS = { k: 50, minSimilarity: 0, weighting: 'auto' } as const satisfies ContentKnnOptions;
const DOCS: Partial<Record<keyof ContentKnnOptions, ParamDoc>> = {
  k: {
    description: 'Neighbours kept per item: the most similar items that have training rows.',
    min: 1,
    integer: true,
  },
  minSimilarity: { description: 'Neighbours need a cosine above this.', min: 0, max: 1 },
  weighting: WEIGHTING_DOC,
};

/**
 * Content-based item kNN: items are similar when their feature vectors are (cosine of l2-normalised rows, computed
 * sparsely through a feature → items index). Each item keeps its `k` most similar items among those with training
 * rows (an item nobody interacted with can never be in a user's history, so it would waste a neighbour slot), and
 * score(u, i) = Σ_{j ∈ N_k(i) ∩ I(u)} sim(i, j) · w(u, j), with w the row weight (`weighting`: mean-centred ratings
 * or 1 for implicit feedback). Unlike collaborative item kNN, the similarity needs no co-ratings, so items nobody
 * interacted with (cold items) get neighbours and scores (Lops, de Gemmis & Semeraro 2011, "Content-based
 * recommender systems: state of the art and trends").
 *
 * @example
 * const model = new ContentKnn({ k: 50 }).withItemFeatures(movieLensItemFeatures(items, data.itemIds)).fit(data);
 * model.recommend('196', { k: 10 });
 * model.explain('196', '1682').summary; // e.g. 'Drama, 1990s'
 */
export class ContentKnn extends ContentRecommender<ContentKnnOptions> {
  readonly name = 'content-knn';
  private nbrIndptr: Int32Array = new Int32Array(1);
  private nbrItems: Int32Array = new Int32Array(0);
  private nbrSims: Float32Array = new Float32Array(0);
  private userScratch = new Float64Array(0);

  constructor(opts: Partial<ContentKnnOptions> = {}) {
    super('content-knn', DEFAULTS, DOCS, opts);
  }

  protected fitContent(data: Interactions): void {
    const f = this.features!;
    const n = f.nRows;
    const counts = this.training.itemCounts;
    const trained = new Uint8Array(n);
    for (let i = 0; i < n; i++) trained[i] = counts[i] > 0 ? 1 : 0;
    const cols = transpose(f.indptr, f.indices, this.unitValues, f.nFeatures, trained);
    const { k, minSimilarity } = this.params;
    const acc = new Float64Array(n);
    const touched = new Int32Array(n);
    const mark = new Uint8Array(n);
    const lists: { indices: Int32Array; scores: Float32Array }[] = [];
    let total = 0;
    for (let i = 0; i < n; i++) {
      const top = neighboursOf(f.indptr, f.indices, this.unitValues, i, cols, acc, mark, touched, k, minSimilarity);
      lists.push(top);
      total += top.indices.length;
    }
    this.nbrIndptr = new Int32Array(n + 1);
    this.nbrItems = new Int32Array(total);
    this.nbrSims = new Float32Array(total);
    for (let i = 0; i < n; i++) {
      const at = this.nbrIndptr[i];
      this.nbrItems.set(lists[i].indices, at);
      this.nbrSims.set(lists[i].scores, at);
      this.nbrIndptr[i + 1] = at + lists[i].indices.length;
    }
    this.userScratch = new Float64Array(data.nItems);
  }

  score(u: number, i: number): number {
    this.checkScorable(u, i);
    const w = this.fillUser(u);
    let s = 0;
    for (let p = this.nbrIndptr[i]; p < this.nbrIndptr[i + 1]; p++) s += this.nbrSims[p] * w[this.nbrItems[p]];
    this.clearUser(u);
    return s;
  }

  override scoreItems(u: number, out: Float32Array): void {
    if (!this.knownUser(u)) {
      out.fill(-Infinity);
      return;
    }
    const w = this.fillUser(u);
    scoreAll(this.nbrIndptr, this.nbrItems, this.nbrSims, this.features!.indptr, w, out);
    this.clearUser(u);
  }

  explainIndex(u: number, i: number, opts: ExplainOptions = {}): ContentExplanation {
    this.checkScorable(u, i);
    const s = this.training;
    const f = this.features!;
    const w = this.fillUser(u);
    const items: ExplainedItem[] = [];
    const featureContrib = new Map<number, number>();
    let score = 0;
    for (let p = this.nbrIndptr[i]; p < this.nbrIndptr[i + 1]; p++) {
      const j = this.nbrItems[p];
      if (w[j] === 0) continue;
      const c = this.nbrSims[p] * w[j];
      score += c;
      items.push({ id: s.itemIds.id(j), index: j, similarity: this.nbrSims[p], weight: w[j], contribution: c });
      // sim(i, j) = Σ_f unit_i[f] · unit_j[f]: split each item's contribution over the features they share.
      let a = f.indptr[i],
        b = f.indptr[j];
      while (a < f.indptr[i + 1] && b < f.indptr[j + 1]) {
        const x = f.indices[a],
          y = f.indices[b];
        if (x === y) {
          featureContrib.set(x, (featureContrib.get(x) ?? 0) + this.unitValues[a] * this.unitValues[b] * w[j]);
          a++;
          b++;
        } else if (x < y) a++;
        else b++;
      }
    }
    this.clearUser(u);
    return this.explanation(u, i, score, featureContrib, items, opts);
  }

  protected saveContent(): ModelState {
    return { meta: {}, arrays: { nbrIndptr: this.nbrIndptr, nbrItems: this.nbrItems, nbrSims: this.nbrSims } };
  }

  protected loadContent(state: ModelState): void {
    const { nbrIndptr, nbrItems, nbrSims } = state.arrays;
    if (
      !(nbrIndptr instanceof Int32Array && nbrItems instanceof Int32Array && nbrSims instanceof Float32Array) ||
      nbrIndptr.length !== this.training.nItems + 1 ||
      nbrItems.length !== nbrSims.length
    )
      throw new ModelFormatError('content-knn: model file neighbour lists are missing or inconsistent');
    this.nbrIndptr = nbrIndptr;
    this.nbrItems = nbrItems;
    this.nbrSims = nbrSims;
    this.userScratch = new Float64Array(this.training.nItems);
  }

  /** Scatters user u's row weights into the dense scratch (duplicate rows add up). */
  private fillUser(u: number): Float64Array {
    const s = this.training;
    const w = this.userScratch;
    for (let p = s.seenIndptr[u]; p < s.seenIndptr[u + 1]; p++) w[s.seenIndices[p]] += this.weights[p];
    return w;
  }

  private clearUser(u: number): void {
    const s = this.training;
    for (let p = s.seenIndptr[u]; p < s.seenIndptr[u + 1]; p++) this.userScratch[s.seenIndices[p]] = 0;
  }
}

/** The k most similar trained items of item i (cosine > minSimilarity), best first. */
function neighboursOf(
  indptr: Int32Array,
  indices: Int32Array,
  unit: Float32Array,
  i: number,
  cols: { indptr: Int32Array; items: Int32Array; values: Float32Array },
  acc: Float64Array,
  mark: Uint8Array,
  touched: Int32Array,
  k: number,
  minSimilarity: number,
): { indices: Int32Array; scores: Float32Array } {
  accumulateCosines(indptr, indices, unit, i, cols.indptr, cols.items, cols.values, acc);
  // The items reached through a shared feature, each once, kept when similar enough.
  let nt = 0;
  for (let p = indptr[i]; p < indptr[i + 1]; p++) {
    const f = indices[p];
    for (let q = cols.indptr[f]; q < cols.indptr[f + 1]; q++) {
      const j = cols.items[q];
      if (mark[j]) continue;
      mark[j] = 1;
      if (j !== i && acc[j] > minSimilarity) touched[nt++] = j;
    }
  }
  const top = topK(acc, k, null, touched.subarray(0, nt));
  // Reset the accumulator and marks for the next item, touching only what this one reached.
  for (let p = indptr[i]; p < indptr[i + 1]; p++) {
    const f = indices[p];
    for (let q = cols.indptr[f]; q < cols.indptr[f + 1]; q++) {
      acc[cols.items[q]] = 0;
      mark[cols.items[q]] = 0;
    }
  }
  return top;
}

/** out[i] = Σ over i's neighbours of sim · w; items without features get -Infinity (cannot score). */
function scoreAll(
  nbrIndptr: Int32Array,
  nbrItems: Int32Array,
  nbrSims: Float32Array,
  featIndptr: Int32Array,
  w: Float64Array,
  out: Float32Array,
): void {
  for (let i = 0; i < out.length; i++) {
    if (featIndptr[i + 1] === featIndptr[i]) {
      out[i] = -Infinity;
      continue;
    }
    let s = 0;
    for (let p = nbrIndptr[i]; p < nbrIndptr[i + 1]; p++) s += nbrSims[p] * w[nbrItems[p]];
    out[i] = s;
  }
}

export const contentKnnEntry: ModelEntry<ContentKnnOptions> = {
  name: 'content-knn',
  description:
    'Content-based item kNN: cosine of item feature vectors, top-k neighbours; scores cold items. Attach features with withItemFeatures.',
  task: 'ranking',
  defaults: DEFAULTS,
  docs: DOCS,
  create: (p) => new ContentKnn(p),
};
