import {
  InvalidParameterError,
  ModelFitError,
  ModelFormatError,
  NotFittedError,
  UnknownIdError,
} from '../../errors.js';
import type { RawId } from '../../data/id-map.js';
import type { Interactions } from '../../data/interactions.js';
import { choleskySolveInPlace, gramPlusDiagonal } from '../../math/linalg-spd.js';
import { Rng } from '../../math/rng.js';
import { topK } from '../../math/top-k.js';
import type { ParamDoc } from '../params.js';
import type { KernelGroup, ParallelRunner } from '../parallel.js';
import {
  summarize,
  type FitOptions,
  type ModelState,
  type RecommendOptions,
  type Recommendations,
} from '../recommender.js';
import type { ModelEntry } from '../registry.js';
import { alsCgRange, alsCholeskyRange, alsLoss, alsScratch, alsSolveRow, type AlsScratch } from './als-solvers.js';
import {
  buildConfidence,
  userConfidence,
  type ConfidenceCsr,
  type ConfidenceScale,
  type ConfidenceScheme,
} from './confidence.js';
import { wasmAlsTrainer, type AlsTrainer } from './als-wasm.js';
import { FactorModel } from './factor-model.js';
import { allFinite } from './factor-rows.js';

/** Options of `Als`; see DOCS for each. */
export type AlsOptions = {
  factors: number;
  regularization: number;
  alpha: number;
  confidence: ConfidenceScheme;
  epsilon: number;
  bm25K1: number;
  bm25B: number;
  iterations: number;
  solver: 'cg' | 'cholesky';
  cgSteps: number;
  seed: number;
};

/** benfred/implicit's AlternatingLeastSquares defaults (factors=100, regularization=0.01, iterations=15, CG 3 steps). */
const DEFAULTS = {
  factors: 100,
  regularization: 0.01,
  alpha: 1,
  confidence: 'linear',
  epsilon: 1,
  bm25K1: 100,
  bm25B: 0.8,
  iterations: 15,
  solver: 'cg',
  cgSteps: 3,
  seed: 0,
} as const satisfies AlsOptions;

const DOCS: Record<keyof AlsOptions, ParamDoc> = {
  factors: { description: 'Number of latent factors.', integer: true, min: 1, max: 4096 },
  regularization: { description: 'L2 regularisation λ of user and item factors (not scaled by counts).', min: 0 },
  alpha: { description: 'Confidence scale: c = 1 + alpha·f(value).', min: 0 },
  confidence: {
    description: 'f(value): linear r, log log(1 + r/epsilon), binary 1, or bm25 (implicit bm25_weight).',
    choices: ['linear', 'log', 'binary', 'bm25'],
  },
  epsilon: { description: 'ε of the log confidence.', min: 1e-12 },
  bm25K1: { description: 'BM25 k1 of the bm25 confidence.', min: 0 },
  bm25B: { description: 'BM25 b of the bm25 confidence.', min: 0, max: 1 },
  iterations: { description: 'ALS sweeps (users then items).', integer: true, min: 0 },
  solver: { description: 'Per-row solver: conjugate gradient (fast) or exact Cholesky.', choices: ['cg', 'cholesky'] },
  cgSteps: { description: 'Conjugate-gradient steps per row and sweep (warm-started).', integer: true, min: 1 },
  seed: { description: 'Seed of the initial factors.', integer: true },
};

/** Options of `Als.fitAsync`: `fit`'s plus the threads to run on. */
export interface AlsFitOptions extends FitOptions {
  /** Threads for the CG sweeps (Node: `createWorkerRunner(n)` from kindred/node); the caller closes it. */
  runner?: ParallelRunner;
}

/** What one fit works on (built by `prepareFit`). */
interface AlsFitState {
  byUser: ConfidenceCsr;
  /** Null when the WebAssembly trainer holds the item side. */
  byItem: ConfidenceCsr | null;
  scale: ConfidenceScale;
  X: Float32Array;
  Y: Float32Array;
  G: Float64Array;
  scratch: AlsScratch;
  wasm: AlsTrainer | null;
  /** True when `wasm` runs on a shared memory (threads > 1). */
  shared: boolean;
}

/** One contribution of `explain`: a past item and its share of the score. */
export interface AlsExplanation {
  /** The score the exact solve gives (the sum of all contributions). */
  score: number;
  /** The user's past items that contributed most, best first. */
  contributions: Recommendations;
}

/**
 * Implicit-feedback ALS (Hu, Koren & Volinsky 2008, "Collaborative Filtering for Implicit Feedback Datasets"), as in
 * benfred/implicit: every (user, item) pair counts, observed ones with preference p = 1 and confidence
 * c = 1 + α·f(value), the rest with p = 0 and c = 1; users and items are solved in turn by weighted least squares
 * using the shared Gram matrix YᵀY. The default solver is implicit's conjugate gradient (3 warm-started steps per
 * row, Takács et al. 2011); `solver: 'cholesky'` solves each row exactly. Factors start as uniform [0, 0.01) noise
 * (implicit's CPU init); the score is x_uᵀy_i.
 *
 * Note on α: implicit uses the data as the confidence itself (c = α·value), ours is the paper's c = 1 + α·f(value);
 * on binary data implicit's α = a equals ours α = a − 1.
 *
 * @example
 * const model = new Als({ factors: 64, regularization: 0.05, alpha: 2, seed: 1 }).fit(train);
 * model.recommend('196', { k: 10 }).ids;
 * model.explain('196', '50').contributions.ids;          // past items behind the score
 * model.recommendForInteractions(new Int32Array([0, 5]), new Float32Array([1, 1]), { k: 5 }); // a new user
 */
export class Als extends FactorModel<AlsOptions> {
  readonly name = 'als';
  readonly task = 'ranking' as const;
  /** Training confidences by user (signed, see ConfidenceCsr): explain and fold-in of known users. */
  private confByUser: ConfidenceCsr = {
    indptr: new Int32Array(1),
    indices: new Int32Array(0),
    conf: new Float32Array(0),
  };
  private scale: ConfidenceScale | null = null;
  /** YᵀY + λI of the final item factors, computed on first use. */
  private gramCache: Float64Array | null = null;

  constructor(opts: Partial<AlsOptions> = {}) {
    super('als', DEFAULTS, DOCS, opts);
  }

  protected fitModel(data: Interactions, opts: FitOptions): void {
    this.runFit(this.prepareFit(data, 1), opts);
  }

  /** The single-threaded iterations (WebAssembly when available, else JS), then the fitted state. */
  private runFit(fit: AlsFitState, opts: FitOptions): void {
    const p = this.params;
    const wasm = fit.wasm;
    for (let it = 0; it < p.iterations; it++) {
      const started = performance.now();
      if (wasm) wasm.iteration(p.regularization, p.cgSteps);
      else this.jsIteration(fit, it);
      this.checkFinite(fit, it);
      if (opts.onEpoch) {
        const seconds = (performance.now() - started) / 1000;
        // The loss is a sweep over every user of its own: only when the caller shows it.
        if (opts.reportLoss === false) opts.onEpoch({ epoch: it + 1, epochs: p.iterations, seconds });
        else {
          const loss = wasm ? wasm.loss(p.regularization) : this.jsLoss(fit);
          opts.onEpoch({ epoch: it + 1, epochs: p.iterations, loss, seconds });
        }
      }
    }
    this.finishFit(fit);
  }

  /**
   * `fit` with the conjugate-gradient sweeps spread over the threads of `opts.runner` (each half-iteration's rows are
   * cut into calls that threads take in turn; factors, CSRs and Gram matrix sit in one shared WebAssembly memory, so
   * nothing is copied per iteration). The result equals `fit`'s: every row's solve reads only the other side's
   * factors, and the Gram matrix is summed from the same fixed parts in the same order whatever the thread count.
   * Without a runner (or with 1 thread, the Cholesky solver, or no shared WebAssembly memory) it is `fit`.
   *
   * `fit` stays synchronous and single-threaded: the core imports no worker API, and an async fit lets a worker's
   * crash reject the promise instead of blocking the caller forever (as an `Atomics.wait` coordination would).
   *
   * @example
   * import { createWorkerRunner } from 'kindred/node';
   * const runner = createWorkerRunner(2);
   * try {
   *   await new Als({ factors: 64, iterations: 15 }).fitAsync(train, { runner });
   * } finally {
   *   await runner.close();
   * }
   */
  async fitAsync(data: Interactions, opts: AlsFitOptions = {}): Promise<this> {
    const runner = opts.runner;
    if (!runner || runner.threads <= 1 || this.params.solver !== 'cg') return this.fit(data, opts);
    this.summary = summarize(data);
    const fit = this.prepareFit(data, runner.threads);
    const wasm = fit.wasm;
    if (!wasm || !fit.shared) {
      // No shared WebAssembly memory here: the single-threaded trainer prepareFit fell back to.
      this.runFit(fit, opts);
      return this;
    }
    const p = this.params;
    let group: KernelGroup | null = null;
    try {
      group = await runner.load(wasm.module, wasm.memory);
      for (let it = 0; it < p.iterations; it++) {
        const started = performance.now();
        await wasm.iterationAsync(p.regularization, p.cgSteps, group);
        this.checkFinite(fit, it);
        if (opts.onEpoch) {
          const seconds = (performance.now() - started) / 1000;
          if (opts.reportLoss === false) opts.onEpoch({ epoch: it + 1, epochs: p.iterations, seconds });
          else {
            const loss = await wasm.lossAsync(p.regularization, group);
            opts.onEpoch({ epoch: it + 1, epochs: p.iterations, loss, seconds });
          }
        }
      }
    } catch (e) {
      this.summary = null;
      throw e;
    } finally {
      await group?.release();
    }
    this.finishFit(fit);
    return this;
  }

  /** Confidences, initial factors and (for CG) the WebAssembly trainer sized for `threads`. */
  private prepareFit(data: Interactions, threads: number): AlsFitState {
    const p = this.params;
    const F = p.factors;
    const { byUser, byItem, scale } = buildConfidence(data, {
      scheme: p.confidence,
      alpha: p.alpha,
      epsilon: p.epsilon,
      k1: p.bm25K1,
      b: p.bm25B,
    });
    // implicit (CPU): random_state.rand(users, factors) * 0.01, then the items.
    const rng = new Rng(p.seed);
    const X = new Float32Array(data.nUsers * F);
    const Y = new Float32Array(data.nItems * F);
    for (let k = 0; k < X.length; k++) X[k] = rng.next() * 0.01;
    for (let k = 0; k < Y.length; k++) Y[k] = rng.next() * 0.01;
    // The WebAssembly SIMD kernel runs the CG sweeps when it can (about 10× the JS loops); Cholesky stays in JS.
    let wasm: AlsTrainer | null = null;
    let shared = false;
    if (p.solver === 'cg') {
      const problem = { factors: F, byUser, byItem, userFactors: X, itemFactors: Y };
      if (threads > 1) {
        wasm = wasmAlsTrainer(problem, { threads, cgSteps: p.cgSteps });
        shared = wasm !== null;
      }
      wasm ??= wasmAlsTrainer(problem, { threads: 1, cgSteps: p.cgSteps });
    }
    return {
      byUser,
      // The trainer holds its own copy of the item-side CSR; drop ours so it can be collected during the fit.
      byItem: wasm ? null : byItem,
      scale,
      X,
      Y,
      G: new Float64Array(F * F),
      scratch: alsScratch(F),
      wasm,
      shared,
    };
  }

  /** One JS iteration (no WebAssembly, or the Cholesky solver). */
  private jsIteration(s: AlsFitState, it: number): void {
    const p = this.params;
    const nUsers = s.byUser.indptr.length - 1,
      nItems = s.byItem!.indptr.length - 1;
    gramPlusDiagonal(s.Y, nItems, p.factors, p.regularization, s.G);
    this.solveSide(s.byUser, s.X, s.Y, s.G, 0, nUsers, s.scratch, it);
    gramPlusDiagonal(s.X, nUsers, p.factors, p.regularization, s.G);
    this.solveSide(s.byItem!, s.Y, s.X, s.G, 0, nItems, s.scratch, it);
  }

  private jsLoss(s: AlsFitState): number {
    const p = this.params;
    const nItems = s.Y.length / p.factors;
    gramPlusDiagonal(s.Y, nItems, p.factors, 0, s.G);
    return alsLoss(s.byUser, s.X, s.Y, s.G, p.factors, nItems, p.regularization, s.scratch);
  }

  private checkFinite(s: AlsFitState, it: number): void {
    if (s.wasm ? s.wasm.finite() : allFinite(s.X) && allFinite(s.Y)) return;
    this.summary = null;
    // Usually the data: a huge or non-finite interaction value (one 1e308 rating overflows every confidence it
    // touches), which no regularization fixes; a too small regularization is the other cause.
    throw new ModelFitError(
      `als: non-finite factors after iteration ${it + 1}; check the data for huge or non-finite values ` +
        '(an interaction value so large that its confidence overflows), else raise regularization',
      { iteration: it + 1 },
    );
  }

  private finishFit(s: AlsFitState): void {
    s.wasm?.read();
    this.confByUser = s.byUser;
    this.scale = s.scale;
    this.setFactors({
      factors: this.params.factors,
      userFactors: s.X,
      itemFactors: s.Y,
      userBias: null,
      itemBias: null,
      offset: 0,
    });
    this.gramCache = null;
  }

  /** Solves rows [start, end) of one side with the configured solver (the unit a worker would take). */
  private solveSide(
    m: ConfidenceCsr,
    X: Float32Array,
    Y: Float32Array,
    G: Float64Array,
    start: number,
    end: number,
    s: AlsScratch,
    it: number,
  ): void {
    const F = this.params.factors;
    if (this.params.solver === 'cg') {
      alsCgRange(m, X, Y, G, F, this.params.cgSteps, start, end, s);
      return;
    }
    const bad = alsCholeskyRange(m, X, Y, G, F, start, end, s);
    if (bad >= 0) {
      this.summary = null;
      throw new ModelFitError(
        `als: row ${bad} is not positive definite at iteration ${it + 1}; check its interaction values for huge or ` +
          'non-finite ones, else raise regularization',
        {
          iteration: it + 1,
          row: bad,
        },
      );
    }
  }

  /** YᵀY + λI of the item factors. */
  private gram(): Float64Array {
    if (!this.gramCache) {
      const F = this.nFactors;
      this.gramCache = new Float64Array(F * F);
      gramPlusDiagonal(this.itemFactors, this.training.nItems, F, this.params.regularization, this.gramCache);
    }
    return this.gramCache;
  }

  private requireScale(): ConfidenceScale {
    if (!this.scale) throw new NotFittedError(this.name);
    return this.scale;
  }

  /**
   * Fold-in: the user vector that the exact ALS solve gives for someone with these interactions (item indices and
   * raw values, converted to confidences as at training), with the item factors held fixed (implicit's
   * `recalculate_user`). Unknown item indices are ignored.
   *
   * @example
   * const x = model.recalculateUser(new Int32Array([3, 17]), new Float32Array([1, 1]));
   */
  recalculateUser(items: Int32Array, values: Float32Array): Float32Array {
    if (items.length !== values.length)
      throw new InvalidParameterError(`als: ${items.length} items but ${values.length} values`);
    const { nItems } = this.training;
    const keep: number[] = [];
    for (let k = 0; k < items.length; k++) if (items[k] >= 0 && items[k] < nItems) keep.push(k);
    const { indices, conf } = userConfidence(
      this.requireScale(),
      Int32Array.from(keep, (k) => items[k]),
      Float32Array.from(keep, (k) => values[k]),
    );
    return this.solveUser(indices, conf, 0, indices.length).x;
  }

  private solveUser(
    indices: Int32Array,
    conf: Float32Array,
    k0: number,
    k1: number,
  ): { x: Float32Array; s: AlsScratch } {
    const F = this.nFactors;
    const s = alsScratch(F);
    const out = new Float64Array(F);
    if (!alsSolveRow(indices, conf, k0, k1, this.itemFactors, this.gram(), F, s, out))
      throw new ModelFitError(
        "als: the user system is not positive definite; check the user's values for huge or non-finite ones, else " +
          'raise regularization',
      );
    return { x: Float32Array.from(out), s };
  }

  /**
   * Top-k items for a user known only by these interactions (fold-in with `recalculateUser`, then one pass over the
   * item factors). With `excludeSeen` (default) the given items are left out.
   *
   * @example
   * model.recommendForInteractions(new Int32Array([3, 17]), new Float32Array([1, 1]), { k: 5 }).ids;
   */
  recommendForInteractions(items: Int32Array, values: Float32Array, opts: RecommendOptions = {}): Recommendations {
    const s = this.training;
    const x = this.recalculateUser(items, values);
    const F = this.nFactors,
      Y = this.itemFactors;
    const scores = new Float32Array(s.nItems);
    for (let i = 0; i < s.nItems; i++) {
      if (s.itemCounts[i] === 0) {
        scores[i] = -Infinity;
        continue;
      }
      let d = 0;
      for (let a = 0, o = i * F; a < F; a++) d += x[a] * Y[o + a];
      scores[i] = d;
    }
    const seen = new Uint8Array(s.nItems);
    if (opts.excludeSeen ?? true) for (const i of items) if (i >= 0 && i < s.nItems) seen[i] = 1;
    const filter = opts.filter;
    const r = topK(scores, opts.k ?? 10, (i) => seen[i] === 1 || (filter ? !filter(i) : false), opts.candidates);
    return { ids: Array.from(r.indices, (i) => s.itemIds.id(i)), indices: r.indices, scores: r.scores };
  }

  /**
   * Why `item` is recommended to `user` (Hu et al. 2008, §5; implicit's `explain`): with W_u = (YᵀC_uY + λI)⁻¹, the
   * exact score is Σ_j c_uj·(y_iᵀW_u y_j) over the user's past items j; returns the total and the `k` items with the
   * largest terms.
   *
   * @example
   * const { score, contributions } = model.explain('196', '50', 5);
   */
  explain(user: RawId, item: RawId, k = 10): AlsExplanation {
    const s = this.training;
    const u = s.userIds.get(user);
    const i = s.itemIds.get(item);
    if (u < 0 || u >= s.nUsers) throw new UnknownIdError('user', user);
    if (i < 0 || i >= s.nItems) throw new UnknownIdError('item', item);
    return this.explainIndex(u, i, k);
  }

  /** `explain` on indices. */
  explainIndex(u: number, i: number, k = 10): AlsExplanation {
    const s = this.training;
    const { indptr, indices, conf } = this.confByUser;
    const k0 = indptr[u],
      k1 = indptr[u + 1];
    const F = this.nFactors,
      Y = this.itemFactors;
    const { s: scratch } = this.solveUser(indices, conf, k0, k1);
    // weighted = W_u y_i, with the Cholesky factor of W_u⁻¹ left in scratch.a by the solve.
    const weighted = scratch.r;
    for (let a = 0; a < F; a++) weighted[a] = Y[i * F + a];
    choleskySolveInPlace(scratch.a, F, weighted);
    const n = k1 - k0;
    const terms = new Float32Array(n);
    let total = 0;
    for (let q = 0; q < n; q++) {
      const c = conf[k0 + q];
      if (c <= 0) {
        terms[q] = -Infinity;
        continue;
      }
      const yo = indices[k0 + q] * F;
      let d = 0;
      for (let a = 0; a < F; a++) d += weighted[a] * Y[yo + a];
      terms[q] = c * d;
      total += c * d;
    }
    const top = topK(terms, k);
    const idx = Int32Array.from(top.indices, (q) => indices[k0 + q]);
    return {
      score: total,
      contributions: { ids: Array.from(idx, (j) => s.itemIds.id(j)), indices: idx, scores: top.scores },
    };
  }

  /**
   * `explainIndex` for many items of one known user: the user's system is solved once, then each item costs one
   * triangular solve (F²) and one dot product per past item. The returned function gives, for item i, the user's
   * past item with the largest (positive) contribution c_uj·y_iᵀW_u y_j, or -1 when none contributes positively.
   *
   * @example
   * const best = model.explainer(0);
   * best(241); // { item: 17, contribution: 0.31 }
   */
  explainer(u: number): (i: number) => { item: number; contribution: number } {
    const none = { item: -1, contribution: 0 };
    if (!this.knownUser(u)) return () => none;
    const { indptr, indices, conf } = this.confByUser;
    const k0 = indptr[u],
      k1 = indptr[u + 1];
    const F = this.nFactors,
      Y = this.itemFactors;
    const { s: scratch } = this.solveUser(indices, conf, k0, k1);
    const chol = scratch.a.slice();
    const weighted = new Float64Array(F);
    return (i) => {
      if (!(i >= 0 && i < this.training.nItems)) return none;
      for (let a = 0; a < F; a++) weighted[a] = Y[i * F + a];
      choleskySolveInPlace(chol, F, weighted);
      let best = none;
      for (let q = k0; q < k1; q++) {
        const c = conf[q];
        if (c <= 0 || indices[q] === i) continue;
        const yo = indices[q] * F;
        let d = 0;
        for (let a = 0; a < F; a++) d += weighted[a] * Y[yo + a];
        if (c * d > best.contribution) best = { item: indices[q], contribution: c * d };
      }
      return best;
    };
  }

  protected override saveState(): ModelState {
    const base = super.saveState();
    const sc = this.requireScale();
    return {
      meta: {
        ...base.meta,
        confidence: {
          scheme: sc.scheme,
          alpha: sc.alpha,
          epsilon: sc.epsilon,
          k1: sc.k1,
          b: sc.b,
          avgLength: sc.avgLength,
        },
      },
      arrays: {
        ...base.arrays,
        confIndptr: this.confByUser.indptr,
        confIndices: this.confByUser.indices,
        conf: this.confByUser.conf,
        idf: sc.idf,
      },
    };
  }

  protected override loadState(state: ModelState): void {
    super.loadState(state);
    const { arrays, meta } = state;
    const c = meta.confidence as Record<string, unknown> | undefined;
    const indptr = arrays.confIndptr,
      indices = arrays.confIndices,
      conf = arrays.conf,
      idf = arrays.idf;
    if (
      !c ||
      !(indptr instanceof Int32Array) ||
      !(indices instanceof Int32Array) ||
      !(conf instanceof Float32Array) ||
      !(idf instanceof Float32Array) ||
      indptr.length !== this.training.nUsers + 1 ||
      // BM25 weighs each item by its idf (a short table would silently weigh the rest 0); other schemes keep none.
      idf.length !== (c.scheme === 'bm25' ? this.training.nItems : 0) ||
      indices.length !== conf.length ||
      indptr[indptr.length - 1] !== indices.length
    )
      throw new ModelFormatError('als: saved state lacks consistent confidences');
    this.confByUser = { indptr, indices, conf };
    this.scale = {
      scheme: c.scheme as ConfidenceScheme,
      alpha: Number(c.alpha),
      epsilon: Number(c.epsilon),
      k1: Number(c.k1),
      b: Number(c.b),
      avgLength: Number(c.avgLength),
      idf,
    };
    this.gramCache = null;
  }
}

export const alsEntry: ModelEntry<AlsOptions> = {
  name: 'als',
  description:
    'Implicit-feedback ALS (Hu, Koren & Volinsky 2008; benfred/implicit): confidence-weighted least squares, CG or Cholesky.',
  task: 'ranking',
  defaults: DEFAULTS,
  docs: DOCS,
  create: (p) => new Als(p),
};
