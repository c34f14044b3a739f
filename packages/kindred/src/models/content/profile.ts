import { ModelFormatError, ScoreImpossibleError } from '../../errors.js';
import type { ParamDoc } from '../params.js';
import type { ModelState } from '../recommender.js';
import type { ModelEntry } from '../registry.js';
import {
  ContentRecommender,
  WEIGHTING_DOC,
  sparseDot,
  type ContentExplanation,
  type ExplainOptions,
  type ExplainedItem,
} from './content-base.js';

export type ProfileOptions = { weighting: string };

const DEFAULTS = { weighting: 'auto' } as const satisfies ProfileOptions;
const DOCS: Partial<Record<keyof ProfileOptions, ParamDoc>> = { weighting: WEIGHTING_DOC };

/**
 * Content-based user profiles (the classic vector-space recommender, Pazzani & Billsus 2007, "Content-based
 * recommendation systems"): a user's profile is the weighted mean of the l2-normalised feature vectors of their
 * training items, p(u) = Σ_j w(u, j) x̂_j / Σ_j |w(u, j)|, with w the mean-centred rating (disliked items push the
 * profile away from their features) or 1 for implicit feedback; score(u, i) = cos(p(u), x_i). Any item with
 * features can be scored, cold ones included. Profiles are stored sparse, unit length.
 *
 * @example
 * const model = new Profile().withItemFeatures(movieLensItemFeatures(items, data.itemIds)).fit(data);
 * model.recommend('196', { k: 10, candidates: newItems });
 * model.explain('196', '1682').features.map((f) => f.label); // e.g. ['Drama', '1990s']
 */
export class Profile extends ContentRecommender<ProfileOptions> {
  readonly name = 'profile';
  private profIndptr: Int32Array = new Int32Array(1);
  private profIndices: Int32Array = new Int32Array(0);
  private profValues: Float32Array = new Float32Array(0);
  /** Σ_j |w(u, j)| · ‖p(u)‖ per user: turns an item's term into its share of the cosine (explanations). */
  private profScale: Float64Array = new Float64Array(0);
  private dense: Float64Array = new Float64Array(0);

  constructor(opts: Partial<ProfileOptions> = {}) {
    super('profile', DEFAULTS, DOCS, opts);
  }

  protected fitContent(): void {
    const s = this.training;
    const f = this.features!;
    const built = buildProfiles(
      s.seenIndptr,
      s.seenIndices,
      this.weights,
      f.indptr,
      f.indices,
      this.unitValues,
      f.nFeatures,
    );
    this.profIndptr = built.indptr;
    this.profIndices = built.indices;
    this.profValues = built.values;
    this.profScale = built.scale;
    this.dense = new Float64Array(f.nFeatures);
  }

  score(u: number, i: number): number {
    this.checkScorable(u, i);
    const a = this.profIndptr[u],
      b = this.profIndptr[u + 1];
    if (a === b) throw new ScoreImpossibleError('empty profile');
    const f = this.features!;
    return sparseDot(this.profIndices, this.profValues, a, b, f.indices, this.unitValues, f.indptr[i], f.indptr[i + 1]);
  }

  override scoreItems(u: number, out: Float32Array): void {
    const a = this.profIndptr[u],
      b = this.profIndptr[u + 1];
    if (!this.knownUser(u) || a === b) {
      out.fill(-Infinity);
      return;
    }
    const f = this.features!;
    const d = this.dense;
    for (let p = a; p < b; p++) d[this.profIndices[p]] = this.profValues[p];
    scoreAll(f.indptr, f.indices, this.unitValues, d, out);
    for (let p = a; p < b; p++) d[this.profIndices[p]] = 0;
  }

  explainIndex(u: number, i: number, opts: ExplainOptions = {}): ContentExplanation {
    const score = this.score(u, i);
    const s = this.training;
    const f = this.features!;
    const featureContrib = new Map<number, number>();
    let a = this.profIndptr[u],
      b = f.indptr[i];
    while (a < this.profIndptr[u + 1] && b < f.indptr[i + 1]) {
      const x = this.profIndices[a],
        y = f.indices[b];
      if (x === y) featureContrib.set(x, this.profValues[a++] * this.unitValues[b++]);
      else if (x < y) a++;
      else b++;
    }
    // cos = Σ_j w_j (x̂_j · x̂_i) / (Σ|w| ‖p‖): item j's share of the score.
    const items: ExplainedItem[] = [];
    for (let p = s.seenIndptr[u]; p < s.seenIndptr[u + 1]; p++) {
      const j = s.seenIndices[p];
      const sim = this.itemCosine(j, i);
      const w = this.weights[p];
      items.push({
        id: s.itemIds.id(j),
        index: j,
        similarity: sim,
        weight: w,
        contribution: (w * sim) / this.profScale[u],
      });
    }
    return this.explanation(u, i, score, featureContrib, items, opts);
  }

  protected saveContent(): ModelState {
    return {
      meta: {},
      arrays: {
        profIndptr: this.profIndptr,
        profIndices: this.profIndices,
        profValues: this.profValues,
        profScale: this.profScale,
      },
    };
  }

  protected loadContent(state: ModelState): void {
    const { profIndptr, profIndices, profValues, profScale } = state.arrays;
    if (
      !(
        profIndptr instanceof Int32Array &&
        profIndices instanceof Int32Array &&
        profValues instanceof Float32Array &&
        profScale instanceof Float64Array
      ) ||
      profIndptr.length !== this.training.nUsers + 1 ||
      profIndices.length !== profValues.length ||
      profScale.length !== this.training.nUsers
    )
      throw new ModelFormatError('profile: model file profiles are missing or inconsistent');
    this.profIndptr = profIndptr;
    this.profIndices = profIndices;
    this.profValues = profValues;
    this.profScale = profScale;
    this.dense = new Float64Array(this.features!.nFeatures);
  }
}

/** Unit-length weighted-mean profiles of every user, as sparse rows with ascending feature indices. */
function buildProfiles(
  seenIndptr: Int32Array,
  seenIndices: Int32Array,
  weights: Float32Array,
  featIndptr: Int32Array,
  featIndices: Int32Array,
  unit: Float32Array,
  nFeatures: number,
): { indptr: Int32Array; indices: Int32Array; values: Float32Array; scale: Float64Array } {
  const nUsers = seenIndptr.length - 1;
  const acc = new Float64Array(nFeatures);
  const mark = new Uint8Array(nFeatures);
  const touched = new Int32Array(nFeatures);
  const indptr = new Int32Array(nUsers + 1);
  const scale = new Float64Array(nUsers);
  let indices = new Int32Array(1024);
  let values = new Float32Array(1024);
  let k = 0;
  for (let u = 0; u < nUsers; u++) {
    let nt = 0,
      wSum = 0;
    for (let p = seenIndptr[u]; p < seenIndptr[u + 1]; p++) {
      const j = seenIndices[p],
        w = weights[p];
      wSum += Math.abs(w);
      if (w === 0) continue;
      for (let q = featIndptr[j]; q < featIndptr[j + 1]; q++) {
        const f = featIndices[q];
        if (!mark[f]) {
          mark[f] = 1;
          touched[nt++] = f;
        }
        acc[f] += w * unit[q];
      }
    }
    const t = touched.subarray(0, nt).sort();
    let ss = 0;
    for (let q = 0; q < nt; q++) ss += acc[t[q]] * acc[t[q]];
    const norm = Math.sqrt(ss);
    // A profile of (numerically) nothing cannot rank anything: store it empty.
    const keep = wSum > 0 && norm > 1e-12 * wSum;
    if (keep) {
      if (k + nt > indices.length) {
        const cap = Math.max(indices.length * 2, k + nt);
        const gi = new Int32Array(cap),
          gv = new Float32Array(cap);
        gi.set(indices.subarray(0, k));
        gv.set(values.subarray(0, k));
        indices = gi;
        values = gv;
      }
      for (let q = 0; q < nt; q++) {
        const v = acc[t[q]] / norm;
        if (v === 0) continue;
        indices[k] = t[q];
        values[k++] = v;
      }
      scale[u] = norm;
    }
    for (let q = 0; q < nt; q++) {
      acc[t[q]] = 0;
      mark[t[q]] = 0;
    }
    indptr[u + 1] = k;
  }
  return { indptr, indices: indices.slice(0, k), values: values.slice(0, k), scale };
}

/** out[i] = x̂_i · profile (the profile scattered in `dense`); items without features get -Infinity. */
function scoreAll(
  indptr: Int32Array,
  indices: Int32Array,
  unit: Float32Array,
  dense: Float64Array,
  out: Float32Array,
): void {
  for (let i = 0; i < out.length; i++) {
    const a = indptr[i],
      b = indptr[i + 1];
    if (a === b) {
      out[i] = -Infinity;
      continue;
    }
    let s = 0;
    for (let p = a; p < b; p++) s += unit[p] * dense[indices[p]];
    out[i] = s;
  }
}

export const profileEntry: ModelEntry<ProfileOptions> = {
  name: 'profile',
  description:
    "Content-based user profiles: weighted mean of the user's item feature vectors, cosine to each item; scores cold items. Attach features with withItemFeatures.",
  task: 'ranking',
  defaults: DEFAULTS,
  docs: DOCS,
  create: (p) => new Profile(p),
};
