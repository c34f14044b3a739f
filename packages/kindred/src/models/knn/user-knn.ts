import { ScoreImpossibleError } from '../../errors.js';
import type { RawId } from '../../data/id-map.js';
import { topK } from '../../math/top-k.js';
import type { ParamDoc } from '../params.js';
import type { Recommendations } from '../recommender.js';
import type { ModelEntry } from '../registry.js';
import { KNN_RANKING_DOCS, KnnRankingBase, rowValue, type KnnRankingOptions } from './knn-ranking-base.js';

/**
 * Options of `UserKnn`.
 *
 * @example
 * const opts: Partial<UserKnnOptions> = { k: 50, weighting: 'cosine' };
 */
export type UserKnnOptions = KnnRankingOptions;

const DEFAULTS = {
  k: 50,
  weighting: 'cosine',
  k1: 1.2,
  b: 0.75,
  shrinkage: 0,
} as const satisfies UserKnnOptions;

const DOCS: Record<keyof UserKnnOptions, ParamDoc> = {
  ...KNN_RANKING_DOCS,
  k: { description: 'Most similar users kept per user.', integer: true, min: 1 },
};

/**
 * User-based kNN for implicit feedback, the counterpart of `ItemKnn`: weight the user × item matrix (cosine by
 * default; tfidf and bm25 treat users as documents and items as terms), keep each user's k most similar users
 * (itself excluded), and score score(u, j) = Σ_{v ∈ N_k(u)} sim(u, v) · x_vj, the similarity-weighted votes of the
 * neighbours (unnormalised, so items many close neighbours have rank first). A whole score vector costs Σ_v |I(v)|.
 *
 * @example
 * const model = new UserKnn({ k: 50 }).fit(train);
 * model.recommend('196', { k: 10 }).ids;
 * model.explain('196', '242').ids; // the neighbours who had item 242, strongest first
 */
export class UserKnn extends KnnRankingBase<UserKnnOptions> {
  readonly name = 'user-knn';
  protected readonly rowsAre = 'users' as const;

  constructor(opts: Partial<UserKnnOptions> = {}) {
    super('user-knn', DEFAULTS, DOCS, opts);
  }

  score(u: number, i: number): number {
    if (!this.knownUser(u)) throw new ScoreImpossibleError('user has no training interactions');
    if (!this.knownItem(i)) throw new ScoreImpossibleError('item has no training interactions');
    const { seenIndptr, seenIndices } = this.training;
    const { indptr, indices, values } = this.neighbours;
    let s = 0;
    for (let q = indptr[u]; q < indptr[u + 1]; q++)
      s += values[q] * rowValue(seenIndptr, seenIndices, this.userValues, indices[q], i);
    return s;
  }

  override scoreItems(u: number, out: Float32Array): void {
    if (!this.knownUser(u)) {
      this.scoreItemsForUnknownUser(out);
      return;
    }
    out.fill(0);
    const { seenIndptr, seenIndices } = this.training;
    const { indptr, indices, values } = this.neighbours;
    const x = this.userValues;
    for (let q = indptr[u]; q < indptr[u + 1]; q++) {
      const v = indices[q],
        s = values[q];
      for (let p = seenIndptr[v], end = seenIndptr[v + 1]; p < end; p++) out[seenIndices[p]] += s * x[p];
    }
    this.maskUnknownItems(out);
  }

  /**
   * Why item `i` scored as it did for user `u`: the neighbours v that have i, with their votes sim(u, v)·x_vi
   * (these sum to the score), largest first, at most `k`. Indices are user indices.
   *
   * @example
   * model.explainIndex(0, 241, 3); // { indices: [3 neighbour users], scores: [their votes] }
   */
  explainIndex(u: number, i: number, k = 10): { indices: Int32Array; scores: Float32Array } {
    if (!this.knownUser(u)) return { indices: new Int32Array(0), scores: new Float32Array(0) };
    const { seenIndptr, seenIndices } = this.training;
    const { indptr, indices, values } = this.neighbours;
    const start = indptr[u],
      n = indptr[u + 1] - start;
    const votes = new Float64Array(n);
    for (let c = 0; c < n; c++) {
      const x = rowValue(seenIndptr, seenIndices, this.userValues, indices[start + c], i);
      votes[c] = x !== 0 ? values[start + c] * x : NaN; // topK skips NaN: neighbours without i did not vote
    }
    const best = topK(votes, k);
    const users = new Int32Array(best.indices.length);
    for (let c = 0; c < users.length; c++) users[c] = indices[start + best.indices[c]];
    return { indices: users, scores: best.scores };
  }

  /**
   * `explainIndex` on raw ids: `ids` are the raw ids of the neighbour users.
   *
   * @example
   * model.explain('196', '242', 3).ids; // e.g. [ '305', '97', '18' ]
   */
  explain(user: RawId, item: RawId, k = 10): Recommendations {
    const s = this.training;
    const [u, i] = this.indexPair(user, item);
    const { indices, scores } = this.explainIndex(u, i, k);
    return { ids: Array.from(indices, (v) => s.userIds.id(v)), indices, scores };
  }
}

/**
 * Registry entry of UserKnn.
 *
 * @example
 * registerModel(userKnnEntry); // createModel('user-knn', { k: 100 }) then builds it
 */
export const userKnnEntry: ModelEntry<UserKnnOptions> = {
  name: 'user-knn',
  description: 'User-based kNN for implicit feedback: similarity-weighted votes of the k most similar users.',
  task: 'ranking',
  defaults: DEFAULTS,
  docs: DOCS,
  create: (p) => new UserKnn(p),
};
