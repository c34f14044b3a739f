import { ModelFormatError, NotFittedError } from '../../errors.js';
import type { Interactions } from '../../data/interactions.js';
import type { ParamDoc } from '../params.js';
import type { ModelEntry } from '../registry.js';
import { Recommender, type ModelState } from '../recommender.js';
import { BASELINE_ALS_DEFAULTS, BASELINE_SGD_DEFAULTS, baselinesAls, baselinesSgd } from './baselines.js';

/** Options of `BaselineOnly`. `epochs: 0` means the method's default (ALS 10, SGD 20, as Surprise's bsl_options). */
export type BaselineOnlyOptions = {
  method: 'als' | 'sgd';
  epochs: number;
  regUser: number;
  regItem: number;
  learningRate: number;
  reg: number;
};

const DEFAULTS = {
  method: 'als',
  epochs: 0,
  regUser: BASELINE_ALS_DEFAULTS.regUser,
  regItem: BASELINE_ALS_DEFAULTS.regItem,
  learningRate: BASELINE_SGD_DEFAULTS.learningRate,
  reg: BASELINE_SGD_DEFAULTS.reg,
} as const satisfies BaselineOnlyOptions;

const DOCS: Record<keyof BaselineOnlyOptions, ParamDoc> = {
  method: { description: 'How the biases are estimated (Surprise bsl_options method).', choices: ['als', 'sgd'] },
  epochs: {
    description: 'Passes over the data; 0 = the method default (als 10, sgd 20).',
    integer: true,
    min: 0,
  },
  regUser: { description: 'ALS: shrinkage of user biases (Surprise reg_u).', min: 0 },
  regItem: { description: 'ALS: shrinkage of item biases (Surprise reg_i).', min: 0 },
  learningRate: { description: 'SGD: learning rate.', min: 0 },
  reg: { description: 'SGD: L2 regularisation of the biases.', min: 0 },
};

/**
 * BaselineOnly (Surprise `BaselineOnly`; Koren 2010, §2.1): r̂ = μ + b_u + b_i, with b_u only when the user had
 * training rows and b_i only when the item had, so it can always answer (never impossible). Biases come from
 * `baselinesAls` or `baselinesSgd`, Surprise's two estimators.
 *
 * @example
 * const model = new BaselineOnly({ method: 'als' }).fit(train);
 * model.predict('196', '242').value; // μ + b_u + b_i, clipped to the rating scale
 */
export class BaselineOnly extends Recommender<BaselineOnlyOptions> {
  readonly name = 'baseline';
  readonly task = 'rating' as const;
  private mu = 0;
  private bu: Float64Array = new Float64Array(0);
  private bi: Float64Array = new Float64Array(0);

  constructor(opts: Partial<BaselineOnlyOptions> = {}) {
    super('baseline', DEFAULTS, DOCS, opts);
  }

  /** The learned global mean and biases (copies). */
  biases(): { mu: number; bu: Float64Array; bi: Float64Array } {
    if (!this.isFitted) throw new NotFittedError(this.name);
    return { mu: this.mu, bu: this.bu.slice(), bi: this.bi.slice() };
  }

  protected fitModel(data: Interactions): void {
    const p = this.params;
    const b =
      p.method === 'als'
        ? baselinesAls(data, {
            epochs: p.epochs || BASELINE_ALS_DEFAULTS.epochs,
            regUser: p.regUser,
            regItem: p.regItem,
          })
        : baselinesSgd(data, {
            epochs: p.epochs || BASELINE_SGD_DEFAULTS.epochs,
            learningRate: p.learningRate,
            reg: p.reg,
          });
    this.mu = b.mu;
    this.bu = b.bu;
    this.bi = b.bi;
  }

  score(u: number, i: number): number {
    let est = this.mu;
    if (this.knownUser(u)) est += this.bu[u];
    if (this.knownItem(i)) est += this.bi[i];
    return est;
  }

  override scoreItems(u: number, out: Float32Array): void {
    const base = this.mu + (this.knownUser(u) ? this.bu[u] : 0);
    const counts = this.training.itemCounts;
    for (let i = 0; i < out.length; i++) out[i] = base + (counts[i] > 0 ? this.bi[i] : 0);
  }

  protected saveState(): ModelState {
    return { meta: { mu: this.mu }, arrays: { bu: this.bu, bi: this.bi } };
  }

  protected loadState(state: ModelState): void {
    const { bu, bi } = state.arrays;
    const s = this.training;
    if (
      !(bu instanceof Float64Array) ||
      !(bi instanceof Float64Array) ||
      bu.length !== s.nUsers ||
      bi.length !== s.nItems
    )
      throw new ModelFormatError('baseline: saved biases are missing or of the wrong size');
    this.mu = Number(state.meta.mu);
    this.bu = bu;
    this.bi = bi;
  }
}

/**
 * Registry entry of `BaselineOnly` (name `baseline`).
 *
 * @example
 * registerModel(baselineOnlyEntry);
 * createModel('baseline', { method: 'sgd' });
 */
export const baselineOnlyEntry: ModelEntry<BaselineOnlyOptions> = {
  name: 'baseline',
  description: 'Global mean plus user and item biases, by ALS or SGD (Surprise BaselineOnly).',
  task: 'rating',
  defaults: DEFAULTS,
  docs: DOCS,
  create: (p) => new BaselineOnly(p),
};
