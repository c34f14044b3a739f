import { InvalidParameterError, ModelFormatError, ScoreImpossibleError } from '../../errors.js';
import { FeatureMatrix } from '../../data/features.js';
import type { IdMap, RawId } from '../../data/id-map.js';
import type { Interactions } from '../../data/interactions.js';
import { topK } from '../../math/top-k.js';
import type { ParamDoc, Params } from '../params.js';
import { Recommender, type FitOptions, type ModelState } from '../recommender.js';

/**
 * How a user's training rows weigh in a content model:
 * - `centered`: value minus the user's mean (liked items pull towards their features, disliked ones push away); a
 *   user whose values are all equal is centred on the global mean instead, or they would carry no signal at all;
 * - `value`: the value as is; `binary`: 1 for every row;
 * - `auto` (default): `binary` when every training value is the same (implicit feedback), else `centered`.
 */
export type ContentWeighting = 'auto' | 'centered' | 'value' | 'binary';

export const WEIGHTING_DOC: ParamDoc = {
  description:
    "Weight of a user's rows: 'centered' (value − user mean), 'value', 'binary' (1), or 'auto' (binary for implicit data, else centered).",
  choices: ['auto', 'centered', 'value', 'binary'],
};

/** A model that reads item features: attach them before `fit` (see `ContentRecommender.withItemFeatures`). */
export interface ItemFeatureConsumer {
  withItemFeatures(features: FeatureMatrix, ids?: IdMap): this;
  readonly itemFeatures: FeatureMatrix | null;
}

/**
 * True when `model` takes item features, so the CLI or the engine knows to build and attach them before `fit`.
 *
 * @example
 * const model = createModel('content-knn');
 * if (usesItemFeatures(model)) model.withItemFeatures(movieLensItemFeatures(items, data.itemIds));
 */
export function usesItemFeatures(model: Recommender): model is Recommender & ItemFeatureConsumer {
  return typeof (model as Partial<ItemFeatureConsumer>).withItemFeatures === 'function';
}

/** One feature behind a content score. */
export interface ExplainedFeature {
  /** Full feature name, e.g. 'genre=Comedy'. */
  name: string;
  /** The value part, for people: 'Comedy'. */
  label: string;
  /** Share of the score this feature carries. */
  contribution: number;
}

/** One of the user's training items behind a content score. */
export interface ExplainedItem {
  id: RawId;
  index: number;
  /** Cosine similarity between this item and the explained one. */
  similarity: number;
  /** The row's weight (see `ContentWeighting`). */
  weight: number;
  /** Share of the score this item carries. */
  contribution: number;
}

/** Why a content model scored an item for a user: the matched features and the user's items, largest first. */
export interface ContentExplanation {
  user: RawId;
  item: RawId;
  score: number;
  /** Features with a positive contribution, largest first. */
  features: ExplainedFeature[];
  /** The user's items with a positive contribution, largest first. */
  items: ExplainedItem[];
  /** The top feature labels joined, e.g. 'Comedy, 1990s'. */
  summary: string;
}

/** Options of `explain`: how many features and items to list (default 5 each). */
export interface ExplainOptions {
  features?: number;
  items?: number;
}

/**
 * The base of content-based models: holds the item feature matrix (rows aligned with the training item indices),
 * its l2-normalised copy, and each training row's weight. Features are not a parameter (parameters are flat JSON for
 * the CLI and saved files), so they are attached with `withItemFeatures` before `fit`; `clone` passes them on
 * (cross-validation fits clones), and `save` stores the aligned matrix, so a loaded model needs nothing attached.
 * Content models score every item that has features, including items nobody interacted with (cold items).
 *
 * @example
 * const model = new Profile().withItemFeatures(features, itemIds).fit(train);
 * model.explain('196', '242').summary; // 'Comedy, 1990s'
 */
export abstract class ContentRecommender<P extends Params & { weighting: string }>
  extends Recommender<P>
  implements ItemFeatureConsumer
{
  readonly task = 'ranking' as const;
  private source: { features: FeatureMatrix; ids: IdMap | undefined } | null = null;
  /** Item features aligned with training item indices (set by fit/load). */
  protected features: FeatureMatrix | null = null;
  /** The same rows scaled to unit length (cosine = dot product). */
  protected unitValues: Float32Array = new Float32Array(0);
  /** Weight of each training row, aligned with `training.seenIndices`. */
  protected weights: Float32Array = new Float32Array(0);
  private itemColumns: { indptr: Int32Array; items: Int32Array; values: Float32Array } | null = null;

  constructor(name: string, defaults: P, docs: Partial<Record<keyof P, ParamDoc>>, opts: Partial<P> = {}) {
    super(name, defaults, docs, opts);
  }

  /**
   * Attaches item features for the next `fit`. Without `ids`, row r must describe the training data's item index r
   * (build the matrix over `data.itemIds`); with `ids`, rows are matched by raw id, so the matrix may come from
   * another id map (items it lacks get no features and cannot be scored). Returns this model.
   */
  withItemFeatures(features: FeatureMatrix, ids?: IdMap): this {
    this.source = { features, ids };
    return this;
  }

  /** The features in use: aligned with training items once fitted, else the attached matrix, or null. */
  get itemFeatures(): FeatureMatrix | null {
    return this.features ?? this.source?.features ?? null;
  }

  override clone(overrides: Partial<P> = {}): this {
    const c = super.clone(overrides);
    if (this.source) c.withItemFeatures(this.source.features, this.source.ids);
    else if (this.features) c.withItemFeatures(this.features, this.training.itemIds);
    return c;
  }

  protected fitModel(data: Interactions, opts: FitOptions): void {
    if (!this.source)
      throw new InvalidParameterError(
        `${this.name}: no item features; call withItemFeatures(features) before fit (see movieLensItemFeatures, FeatureBuilder)`,
      );
    this.setFeatures(alignRows(this.source.features, this.source.ids, data.itemIds, data.nItems));
    this.weights = rowWeights(data, this.params.weighting as ContentWeighting);
    this.fitContent(data, opts);
  }

  /** The model's own training, after features and weights are set. */
  protected abstract fitContent(data: Interactions, opts: FitOptions): void;

  /** Model-specific arrays and metadata to save besides the features and weights. */
  protected abstract saveContent(): ModelState;
  protected abstract loadContent(state: ModelState): void;

  /** Index-level explanation; `explain` wraps it with raw ids. */
  abstract explainIndex(u: number, i: number, opts?: ExplainOptions): ContentExplanation;

  /**
   * Why `item` scores as it does for `user`: matched features (labels such as 'Comedy', '1990s') and the user's items
   * that matched, largest contribution first. Throws UnknownIdError for unknown ids.
   */
  explain(user: RawId, item: RawId, opts: ExplainOptions = {}): ContentExplanation {
    const s = this.training;
    return this.explainIndex(s.userIds.index(user, 'user'), s.itemIds.index(item, 'item'), opts);
  }

  protected saveState(): ModelState {
    const f = this.features!;
    const own = this.saveContent();
    return {
      meta: { ...own.meta, featureNames: f.names },
      arrays: {
        ...own.arrays,
        'features.indptr': f.indptr,
        'features.indices': f.indices,
        'features.values': f.values,
        weights: this.weights,
      },
    };
  }

  protected loadState(state: ModelState): void {
    const a = state.arrays;
    const names = state.meta.featureNames;
    if (!Array.isArray(names)) throw new ModelFormatError(`${this.name}: model file lacks the feature names`);
    const indptr = a['features.indptr'],
      indices = a['features.indices'],
      values = a['features.values'],
      weights = a.weights;
    if (!(indptr instanceof Int32Array && indices instanceof Int32Array && values instanceof Float32Array))
      throw new ModelFormatError(`${this.name}: model file lacks the feature matrix`);
    if (!(weights instanceof Float32Array) || weights.length !== this.training.seenIndices.length)
      throw new ModelFormatError(`${this.name}: model file row weights are missing or inconsistent`);
    if (indptr.length !== this.training.nItems + 1)
      throw new ModelFormatError(`${this.name}: feature matrix rows do not match the items`);
    this.setFeatures(new FeatureMatrix(this.training.nItems, names.map(String), indptr, indices, values));
    this.weights = weights;
    this.loadContent(state);
  }

  /** True when item index `i` has at least one feature. */
  protected hasFeatures(i: number): boolean {
    const f = this.features!;
    return i >= 0 && i < f.nRows && f.indptr[i + 1] > f.indptr[i];
  }

  /** Cosine between the unit rows of items a and b (merge of two sorted rows). */
  protected itemCosine(a: number, b: number): number {
    const f = this.features!;
    return sparseDot(
      f.indices,
      this.unitValues,
      f.indptr[a],
      f.indptr[a + 1],
      f.indices,
      this.unitValues,
      f.indptr[b],
      f.indptr[b + 1],
    );
  }

  /** Throws ScoreImpossibleError unless user u has training rows and item i has features. */
  protected checkScorable(u: number, i: number): void {
    if (!this.knownUser(u)) throw new ScoreImpossibleError('unknown user');
    if (!this.hasFeatures(i)) throw new ScoreImpossibleError('item has no features');
  }

  /** Items with the most similar feature vectors (cosine), cold items included. */
  protected override similarItemsIndex(i: number, k: number): { indices: Int32Array; scores: Float32Array } {
    const f = this.features!;
    const cols = (this.itemColumns ??= transpose(f.indptr, f.indices, this.unitValues, f.nFeatures));
    const acc = new Float64Array(f.nRows);
    accumulateCosines(f.indptr, f.indices, this.unitValues, i, cols.indptr, cols.items, cols.values, acc);
    acc[i] = -Infinity;
    for (let j = 0; j < acc.length; j++) if (acc[j] === 0) acc[j] = -Infinity;
    return topK(acc, k);
  }

  /** The 'Comedy' of 'genre=Comedy'. */
  protected featureLabel(f: number): string {
    const name = this.features!.names[f];
    const eq = name.indexOf('=');
    return eq >= 0 ? name.slice(eq + 1) : name;
  }

  /** Wraps sorted contributions into an explanation. */
  protected explanation(
    u: number,
    i: number,
    score: number,
    featureContrib: Map<number, number>,
    items: ExplainedItem[],
    opts: ExplainOptions,
  ): ContentExplanation {
    const s = this.training;
    const features = [...featureContrib]
      .filter(([, c]) => c > 0)
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, opts.features ?? 5)
      .map(([f, c]) => ({ name: this.features!.names[f], label: this.featureLabel(f), contribution: c }));
    const shown = items
      .filter((x) => x.contribution > 0)
      .sort((a, b) => b.contribution - a.contribution || a.index - b.index)
      .slice(0, opts.items ?? 5);
    return {
      user: s.userIds.id(u),
      item: s.itemIds.id(i),
      score,
      features,
      items: shown,
      summary: features.map((x) => x.label).join(', '),
    };
  }

  private setFeatures(f: FeatureMatrix): void {
    this.features = f;
    this.itemColumns = null;
    this.unitValues = unitRows(f.indptr, f.values);
  }
}

/** Rows of `features` re-ordered to the training item indices (by raw id when `ids` is given). */
function alignRows(features: FeatureMatrix, ids: IdMap | undefined, itemIds: IdMap, nItems: number): FeatureMatrix {
  if (!ids || ids === itemIds) {
    if (features.nRows === nItems) return features;
    if (features.nRows > nItems)
      throw new InvalidParameterError(
        `item features have ${features.nRows} rows but the data has ${nItems} items; pass the features' IdMap to withItemFeatures`,
      );
  }
  const src = new Int32Array(nItems);
  let nnz = 0;
  for (let i = 0; i < nItems; i++) {
    const r = ids && ids !== itemIds ? ids.get(itemIds.id(i)) : i < features.nRows ? i : -1;
    src[i] = r >= 0 && r < features.nRows ? r : -1;
    if (src[i] >= 0) nnz += features.rowNnz(src[i]);
  }
  const indptr = new Int32Array(nItems + 1);
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let k = 0;
  for (let i = 0; i < nItems; i++) {
    const r = src[i];
    if (r >= 0)
      for (let p = features.indptr[r]; p < features.indptr[r + 1]; p++) {
        indices[k] = features.indices[p];
        values[k++] = features.values[p];
      }
    indptr[i + 1] = k;
  }
  return new FeatureMatrix(nItems, features.names, indptr, indices, values);
}

/** Each CSR row divided by its l2 norm (rows of zeros stay zero). */
function unitRows(indptr: Int32Array, values: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < indptr.length - 1; r++) {
    let ss = 0;
    for (let p = indptr[r]; p < indptr[r + 1]; p++) ss += values[p] * values[p];
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let p = indptr[r]; p < indptr[r + 1]; p++) out[p] = values[p] * inv;
  }
  return out;
}

/** The weight of every training row, in `data.byUser()` order (see `ContentWeighting`). */
export function rowWeights(data: Interactions, weighting: ContentWeighting): Float32Array {
  const { indptr, values } = data.byUser();
  const out = new Float32Array(values.length);
  let mode = weighting;
  if (mode === 'auto') {
    const { min, max } = data.length ? data.valueRange() : { min: 0, max: 0 };
    mode = min === max ? 'binary' : 'centered';
  }
  if (mode === 'binary') return out.fill(1);
  if (mode === 'value') {
    out.set(values);
    return out;
  }
  const mu = data.mean();
  for (let u = 0; u < indptr.length - 1; u++) {
    const a = indptr[u],
      b = indptr[u + 1];
    if (a === b) continue;
    let s = 0,
      lo = Infinity,
      hi = -Infinity;
    for (let p = a; p < b; p++) {
      s += values[p];
      if (values[p] < lo) lo = values[p];
      if (values[p] > hi) hi = values[p];
    }
    const centre = lo === hi ? mu : s / (b - a);
    for (let p = a; p < b; p++) out[p] = values[p] - centre;
  }
  return out;
}

/** Dot product of two sparse rows whose indices ascend. */
export function sparseDot(
  ia: Int32Array,
  va: Float32Array,
  a0: number,
  a1: number,
  ib: Int32Array,
  vb: Float32Array,
  b0: number,
  b1: number,
): number {
  let s = 0;
  while (a0 < a1 && b0 < b1) {
    const x = ia[a0],
      y = ib[b0];
    if (x === y) s += va[a0++] * vb[b0++];
    else if (x < y) a0++;
    else b0++;
  }
  return s;
}

/** Feature → items (CSC) of the unit rows, optionally only for items where `keep[i] = 1`. */
export function transpose(
  indptr: Int32Array,
  indices: Int32Array,
  values: Float32Array,
  nFeatures: number,
  keep: Uint8Array | null = null,
): { indptr: Int32Array; items: Int32Array; values: Float32Array } {
  const nRows = indptr.length - 1;
  const colPtr = new Int32Array(nFeatures + 1);
  for (let r = 0; r < nRows; r++) {
    if (keep && !keep[r]) continue;
    for (let p = indptr[r]; p < indptr[r + 1]; p++) colPtr[indices[p] + 1]++;
  }
  for (let f = 0; f < nFeatures; f++) colPtr[f + 1] += colPtr[f];
  const next = colPtr.slice(0, nFeatures);
  const items = new Int32Array(colPtr[nFeatures]);
  const vals = new Float32Array(colPtr[nFeatures]);
  for (let r = 0; r < nRows; r++) {
    if (keep && !keep[r]) continue;
    for (let p = indptr[r]; p < indptr[r + 1]; p++) {
      const q = next[indices[p]]++;
      items[q] = r;
      vals[q] = values[p];
    }
  }
  return { indptr: colPtr, items, values: vals };
}

/** acc[j] += unit(i) · unit(j) for every item j sharing a feature with i (through the feature → items index). */
export function accumulateCosines(
  indptr: Int32Array,
  indices: Int32Array,
  unit: Float32Array,
  i: number,
  colPtr: Int32Array,
  colItems: Int32Array,
  colValues: Float32Array,
  acc: Float64Array,
): void {
  for (let p = indptr[i]; p < indptr[i + 1]; p++) {
    const f = indices[p],
      x = unit[p];
    for (let q = colPtr[f]; q < colPtr[f + 1]; q++) acc[colItems[q]] += x * colValues[q];
  }
}
