import type { Interactions } from '../../data/interactions.js';
import { ModelFormatError } from '../../errors.js';
import { Rng } from '../../math/rng.js';
import type { ModelEntry } from '../registry.js';
import { Recommender, type ModelState } from '../recommender.js';

const DEFAULTS = { seed: 0 } as const;
export type NormalPredictorOptions = { seed: number };
const DOCS = { seed: { description: 'Seed of the random draws.', integer: true } };

/**
 * NormalPredictor (Surprise `NormalPredictor`): predicts a random rating from N(μ, σ̂²), where μ and σ̂ are the
 * mean and the maximum-likelihood standard deviation of the training ratings. A floor every model must beat.
 *
 * @example
 * const model = new NormalPredictor({ seed: 1 }).fit(train);
 * model.predict('196', '242').value; // a random draw around the mean, clipped to the scale
 */
export class NormalPredictor extends Recommender<NormalPredictorOptions> {
  readonly name = 'normal';
  readonly task = 'rating' as const;
  private sigma = 0;
  private rng = new Rng(0);

  constructor(opts: Partial<NormalPredictorOptions> = {}) {
    super('normal', DEFAULTS, DOCS, opts);
  }

  protected fitModel(data: Interactions): void {
    const mu = this.training.globalMean;
    let ss = 0;
    for (let k = 0; k < data.length; k++) ss += (data.values[k] - mu) ** 2;
    this.sigma = data.length ? Math.sqrt(ss / data.length) : 0;
    this.rng = new Rng(this.params.seed);
  }

  score(): number {
    return this.rng.normal(this.training.globalMean, this.sigma);
  }

  protected saveState(): ModelState {
    return { meta: { sigma: this.sigma }, arrays: {} };
  }

  protected loadState(state: ModelState): void {
    const sigma = state.meta.sigma;
    // A missing or negative σ would make every prediction NaN or nonsense instead of failing at load.
    if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma < 0)
      throw new ModelFormatError('normal: model file lacks a valid sigma');
    this.sigma = sigma;
    this.rng = new Rng(this.params.seed);
  }
}

export const normalPredictorEntry: ModelEntry<NormalPredictorOptions> = {
  name: 'normal',
  description: 'Random ratings from a normal distribution fitted to the training ratings (Surprise NormalPredictor).',
  task: 'rating',
  defaults: DEFAULTS,
  docs: DOCS,
  create: (p) => new NormalPredictor(p),
};
