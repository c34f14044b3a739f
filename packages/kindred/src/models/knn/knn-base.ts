import { InvalidParameterError, ModelFormatError, NotSupportedError, ScoreImpossibleError } from '../../errors.js';
import type { Csr, Interactions } from '../../data/interactions.js';
import { topK } from '../../math/top-k.js';
import {
  BASELINE_ALS_DEFAULTS,
  BASELINE_SGD_DEFAULTS,
  baselinesAls,
  baselinesSgd,
  type Baselines,
} from '../baseline/baselines.js';
import type { TypedArray } from '../model-file.js';
import type { ParamDoc } from '../params.js';
import type { ParallelRunner } from '../parallel.js';
import { Recommender, summarize, type FitOptions, type ModelState } from '../recommender.js';
import type { ModelEntry } from '../registry.js';
import { NeighbourBuffer } from './neighbour-select.js';
import { similarityMatrixAsync } from './similarity-parallel.js';
import {
  SIMILARITIES,
  similarityMatrix,
  type SimilarityInput,
  type SimilarityName,
  type SimilarityOptions,
} from './similarity.js';

/**
 * Options shared by the kNN rating models (Surprise's `k`, `min_k`, `sim_options` and `bsl_options`, flattened).
 *
 * @example
 * const opts: Partial<KnnOptions> = { k: 40, userBased: false, similarity: 'pearson_baseline', shrinkage: 100 };
 */
export type KnnOptions = {
  k: number;
  minK: number;
  userBased: boolean;
  similarity: string;
  shrinkage: number;
  minSupport: number;
  baselineMethod: string;
  baselineEpochs: number;
  baselineRegUser: number;
  baselineRegItem: number;
  baselineLearningRate: number;
  baselineReg: number;
};

/**
 * Surprise's defaults: k=40, min_k=1, user-based MSD, min_support 1, shrinkage 100, ALS baselines.
 *
 * @example
 * KNN_DEFAULTS.similarity; // 'msd'
 */
export const KNN_DEFAULTS = {
  k: 40,
  minK: 1,
  userBased: true,
  similarity: 'msd',
  shrinkage: 100,
  minSupport: 1,
  baselineMethod: 'als',
  baselineEpochs: 0,
  baselineRegUser: BASELINE_ALS_DEFAULTS.regUser,
  baselineRegItem: BASELINE_ALS_DEFAULTS.regItem,
  baselineLearningRate: BASELINE_SGD_DEFAULTS.learningRate,
  baselineReg: BASELINE_SGD_DEFAULTS.reg,
} as const satisfies KnnOptions;

/**
 * What each kNN option means (shown by `kindred models`).
 *
 * @example
 * KNN_DOCS.similarity.choices; // ['cosine', 'msd', 'pearson', 'pearson_baseline']
 */
export const KNN_DOCS: Record<keyof KnnOptions, ParamDoc> = {
  k: { description: 'Most neighbours aggregated per prediction.', integer: true, min: 1 },
  minK: {
    description: 'Fewest neighbours (with positive similarity) needed; below it the neighbour term is dropped.',
    integer: true,
    min: 1,
  },
  userBased: { description: 'Compare users (true) or items (false).' },
  similarity: { description: 'Similarity measure over co-rated pairs.', choices: SIMILARITIES },
  shrinkage: { description: 'pearson_baseline shrinkage: ρ·(f−1)/(f−1+shrinkage), f = common ratings.', min: 0 },
  minSupport: { description: 'Pairs with fewer common ratings get similarity 0.', integer: true, min: 1 },
  baselineMethod: { description: 'How baselines are fitted (KNNBaseline, pearson_baseline).', choices: ['als', 'sgd'] },
  baselineEpochs: {
    description: 'Baseline epochs; 0 means the method default (10 for als, 20 for sgd, as Surprise).',
    integer: true,
    min: 0,
  },
  baselineRegUser: { description: 'ALS baseline regularisation of user biases (Surprise reg_u).', min: 0 },
  baselineRegItem: { description: 'ALS baseline regularisation of item biases (Surprise reg_i).', min: 0 },
  baselineLearningRate: { description: 'SGD baseline learning rate.', min: 0 },
  baselineReg: { description: 'SGD baseline regularisation.', min: 0 },
};

/**
 * Options of `fitAsync` on the kNN rating models: `fit`'s plus the threads to compute the similarity matrix on.
 *
 * @example
 * await new KnnBasic({ userBased: false }).fitAsync(train, { runner: createWorkerRunner(2) });
 */
export interface KnnFitOptions extends FitOptions {
  /** Threads for the similarity matrix (Node: `createWorkerRunner(n)` from kindred/node); the caller closes it. */
  runner?: ParallelRunner;
  /** Work (co-rated pair updates + n² cells) from which the runner is used; default `PARALLEL_SIMILARITY_WORK`. */
  minParallelWork?: number;
}

/** What `fit` computes the similarity matrix from. */
interface SimilaritySpec {
  name: SimilarityName;
  input: SimilarityInput;
  options: SimilarityOptions;
}

/** Beyond this many matrix cells (2 GiB of Float64) the dense similarity matrix is refused with a clear message. */
const MAX_CELLS = 2 ** 28;

/**
 * The family base of Surprise's kNN rating models (convention 6). It owns the dense similarity matrix, the training
 * ratings grouped by the "other" side (y: items for user-based), neighbour selection and save/load. A variant writes
 * only `estimate` (and `fitVariant`/`saveVariant`/`loadVariant` for its own statistics).
 *
 * Neighbour semantics follow Surprise's `knns.py`: the candidates for (x, y) are the xs that rated y; Surprise takes
 * the k largest similarities (`heapq.nlargest`) and then counts only those with sim > 0. Keeping the k largest
 * among the positive ones is the same set, so non-positive candidates are dropped before selection.
 *
 * @example
 * class MyKnn extends KnnBase { ... protected estimate(x, y, count) { ... } }
 */
export abstract class KnnBase extends Recommender<KnnOptions> {
  readonly task = 'rating' as const;
  /** Dense symmetric nX×nX similarities, diagonal 1. */
  protected sim: Float64Array = new Float64Array(0);
  protected nX = 0;
  /** Training ratings by y (users of each item when user-based): neighbour candidates and their ratings. */
  protected yIndptr: Int32Array = new Int32Array(1);
  protected yIndices: Int32Array = new Int32Array(0);
  protected yValues: Float32Array = new Float32Array(0);
  /** Baselines when the model or its similarity uses them, else null. */
  protected baselines: Baselines | null = null;
  /** The selected neighbours of the current prediction: `count` similarities and positions into yIndices/yValues. */
  protected neighbours = new NeighbourBuffer(0);

  constructor(name: string, opts: Partial<KnnOptions> = {}) {
    super(name, KNN_DEFAULTS, KNN_DOCS, opts);
  }

  protected get userBased(): boolean {
    return this.params.userBased;
  }

  protected fitModel(data: Interactions): void {
    const job = this.prepareFit(data);
    this.finishFit(data, job, similarityMatrix(job.name, job.input, job.options));
  }

  /**
   * `fit` with the similarity matrix computed on the threads of `opts.runner` when it is large (see
   * `similarityMatrixAsync`: at least `PARALLEL_SIMILARITY_WORK` steps of work); the fitted model is bit-identical to
   * `fit`'s. Without a runner, or with one thread, this is `fit`. The caller owns the runner and closes it.
   *
   * `fit` stays synchronous and single-threaded: the core imports no worker API (the runner comes from the host).
   *
   * @example
   * import { createWorkerRunner } from 'kindred/node';
   * const runner = createWorkerRunner(2);
   * try {
   *   await new KnnBaseline({ userBased: false, similarity: 'pearson_baseline' }).fitAsync(train, { runner });
   * } finally {
   *   await runner.close();
   * }
   */
  async fitAsync(data: Interactions, opts: KnnFitOptions = {}): Promise<this> {
    const runner = opts.runner;
    if (!runner || runner.threads <= 1) return this.fit(data, opts);
    this.summary = summarize(data);
    try {
      const job = this.prepareFit(data);
      this.finishFit(
        data,
        job,
        await similarityMatrixAsync(job.name, job.input, job.options, runner, opts.minParallelWork),
      );
    } catch (e) {
      this.summary = null;
      throw e;
    }
    return this;
  }

  /** The similarity to compute (and the baselines, fitted here when needed). */
  private prepareFit(data: Interactions): SimilaritySpec {
    const ub = this.params.userBased;
    const xRows = ub ? data.byUser() : data.byItem();
    const yRows = ub ? data.byItem() : data.byUser();
    const n = xRows.indptr.length - 1;
    if (n * n > MAX_CELLS)
      throw new InvalidParameterError(
        `${this.name}: a dense ${n}×${n} similarity matrix is too large; use userBased=${!ub} or an item-kNN ranking model`,
      );
    this.baselines = this.needsBaselines() ? fitBaselines(data, this.params) : null;
    const b = this.baselines;
    return {
      name: this.params.similarity as SimilarityName,
      input: { xRows, yRows },
      options: {
        minSupport: this.params.minSupport,
        shrinkage: this.params.shrinkage,
        baselines: b ? { mu: b.mu, bx: ub ? b.bu : b.bi, by: ub ? b.bi : b.bu } : undefined,
      },
    };
  }

  private finishFit(data: Interactions, job: SimilaritySpec, sim: Float64Array): void {
    const { xRows, yRows } = job.input;
    this.sim = sim;
    this.nX = xRows.indptr.length - 1;
    this.yIndptr = yRows.indptr;
    this.yIndices = yRows.indices;
    this.yValues = yRows.values;
    this.neighbours = new NeighbourBuffer(this.longestRow());
    this.fitVariant(data, xRows);
  }

  /** Whether fit must compute baselines (Surprise computes them for pearson_baseline, and always in KNNBaseline). */
  protected needsBaselines(): boolean {
    return this.params.similarity === 'pearson_baseline';
  }

  /** The variant's own statistics (means, deviations), from the x-side rows. */
  protected fitVariant(_data: Interactions, _xRows: Csr): void {}

  score(u: number, i: number): number {
    // Surprise: "User and/or item is unknown." (KNNBaseline answers with the known baseline parts instead.)
    if (!this.knownUser(u) || !this.knownItem(i)) return this.scoreUnknown(u, i);
    const x = this.params.userBased ? u : i;
    const y = this.params.userBased ? i : u;
    return this.estimate(x, y, this.selectNeighbours(x, y));
  }

  /** Score of a pair whose user or item has no training ratings; Surprise's knns raise PredictionImpossible. */
  protected scoreUnknown(_u: number, _i: number): number {
    throw new ScoreImpossibleError('user and/or item is unknown');
  }

  /**
   * The variant's formula over the `count` selected neighbours: `this.neighbours.sims[k]` (all > 0) and
   * `this.neighbours.positions[k]`, a position p with neighbour `yIndices[p]` and its rating `yValues[p]` of y.
   */
  protected abstract estimate(x: number, y: number, count: number): number;

  /** Fills `this.neighbours` with the k most similar xs (sim > 0) that rated y; returns how many (Surprise's actual_k). */
  protected selectNeighbours(x: number, y: number): number {
    const nb = this.neighbours;
    nb.clear();
    const sim = this.sim,
      idx = this.yIndices,
      row = x * this.nX;
    for (let p = this.yIndptr[y], end = this.yIndptr[y + 1]; p < end; p++) {
      const s = sim[row + idx[p]];
      if (s > 0) nb.push(s, p);
    }
    return nb.keepLargest(this.params.k);
  }

  /** Item-based models: the items with the highest similarity to item i (itself excluded). */
  protected override similarItemsIndex(i: number, k: number): { indices: Int32Array; scores: Float32Array } {
    if (this.params.userBased)
      throw new NotSupportedError(`${this.name} with userBased=true compares users, not items`);
    const n = this.nX;
    return topK(this.sim.subarray(i * n, (i + 1) * n), k, (j) => j === i);
  }

  protected saveState(): ModelState {
    const extra = this.saveVariant();
    return {
      meta: { nX: this.nX, ...extra.meta },
      arrays: {
        sim: this.sim,
        yIndptr: this.yIndptr,
        yIndices: this.yIndices,
        yValues: this.yValues,
        ...extra.arrays,
      },
    };
  }

  protected loadState(state: ModelState): void {
    const n = Number(state.meta.nX);
    const s = this.training;
    const nY = this.params.userBased ? s.nItems : s.nUsers;
    if (!Number.isInteger(n) || n !== (this.params.userBased ? s.nUsers : s.nItems))
      throw new ModelFormatError(`${this.name}: saved nX ${String(state.meta.nX)} does not match the training summary`);
    const sim = stateArray(state, 'sim', Float64Array, n * n);
    const yIndptr = stateArray(state, 'yIndptr', Int32Array, nY + 1);
    const nnz = yIndptr[nY];
    this.yIndices = stateArray(state, 'yIndices', Int32Array, nnz);
    this.yValues = stateArray(state, 'yValues', Float32Array, nnz);
    this.sim = sim;
    this.nX = n;
    this.yIndptr = yIndptr;
    this.neighbours = new NeighbourBuffer(this.longestRow());
    this.loadVariant(state);
  }

  /** The variant's own state for `save` (meta keys and arrays must not clash with the base's). */
  protected saveVariant(): ModelState {
    return { meta: {}, arrays: {} };
  }

  protected loadVariant(_state: ModelState): void {}

  /** The most neighbour candidates a prediction can have. */
  private longestRow(): number {
    let longest = 0;
    const ip = this.yIndptr;
    for (let y = 0; y + 1 < ip.length; y++) longest = Math.max(longest, ip[y + 1] - ip[y]);
    return longest;
  }
}

/**
 * Baselines with the model's options (Surprise `compute_baselines` with `bsl_options`).
 *
 * @example
 * const { mu, bu, bi } = fitBaselines(train, { ...KNN_DEFAULTS, baselineMethod: 'sgd' });
 */
export function fitBaselines(data: Interactions, p: KnnOptions): Baselines {
  if (p.baselineMethod === 'sgd')
    return baselinesSgd(data, {
      epochs: p.baselineEpochs || BASELINE_SGD_DEFAULTS.epochs,
      learningRate: p.baselineLearningRate,
      reg: p.baselineReg,
    });
  return baselinesAls(data, {
    epochs: p.baselineEpochs || BASELINE_ALS_DEFAULTS.epochs,
    regUser: p.baselineRegUser,
    regItem: p.baselineRegItem,
  });
}

/**
 * A saved array of the expected type and length, or ModelFormatError.
 *
 * @example
 * this.means = stateArray(state, 'means', Float64Array, this.nX);
 */
export function stateArray<T extends TypedArray>(
  state: ModelState,
  name: string,
  Ctor: abstract new (...args: never[]) => T,
  length: number,
): T {
  const a = state.arrays[name];
  if (!(a instanceof Ctor) || a.length !== length)
    throw new ModelFormatError(`saved kNN model lacks array "${name}" of length ${length}`);
  return a;
}

/**
 * The registry entry of a kNN variant (all share the options and their docs).
 *
 * @example
 * export const knnBasicEntry = knnEntry('knn-basic', 'Weighted mean of neighbours', (p) => new KnnBasic(p));
 */
export function knnEntry(
  name: string,
  description: string,
  create: (p?: Partial<KnnOptions>) => KnnBase,
): ModelEntry<KnnOptions> {
  return { name, description, task: 'rating', defaults: KNN_DEFAULTS, docs: KNN_DOCS, create };
}
