// The one training loop every neural model runs: epochs, a divergence check, early stopping on a validation metric with
// patience (the best epoch's weights are kept, as RecBole's trainer and Keras' restore_best_weights do), and the
// per-epoch report the CLI turns into a progress bar. A model supplies only what differs: one epoch of steps, how to
// measure the validation metric, and how to copy its weights.
import type { ModelFitError } from '../../errors.js';
import type { FitOptions } from '../recommender.js';

/** What a model plugs into `runEpochs`. `W` is its weights (whatever `snapshot` copies). */
export interface EpochLoopModel<W> {
  /** Runs one epoch of training steps; returns the mean loss per step (NaN/∞ when training diverged). */
  trainEpoch(epoch: number): number;
  /** Whether every weight is finite (checked after each epoch). */
  weightsFinite(): boolean;
  /** The validation metric (higher is better), or null when there is no validation data to measure. */
  validate(): number | null;
  /** A copy of the current weights (kept when an epoch is the best so far). */
  snapshot(): W;
  /** Builds the error thrown when training diverges (Recommender.diverged). */
  diverged(epoch: number): ModelFitError;
}

/** What `runEpochs` did: the epochs run, the one whose weights were kept, and the mean time of an epoch. */
export interface EpochLoopResult<W> {
  epochs: number;
  bestEpoch: number;
  secondsPerEpoch: number;
  /** The validation metric of the kept epoch (null without validation). */
  bestValidation: number | null;
  /** The kept weights: the best epoch's copy, or the last epoch's when nothing was validated. */
  weights: W;
}

/**
 * Trains for up to `epochs` epochs; with validation data, stops after `patience` epochs without a better metric and
 * returns the best epoch's weights. Reports every epoch through `fit.onEpoch` (loss, seconds, validation metric).
 *
 * @example
 * const r = runEpochs({ epochs: 100, patience: 10, metric: 'ndcg@10' }, opts, {
 *   trainEpoch: () => oneEpoch(), weightsFinite: () => true, validate: () => ndcg(), snapshot: () => copy(),
 *   diverged: (e) => this.diverged(e, 'lower learningRate'),
 * });
 * this.setWeights(r.weights);
 */
export function runEpochs<W>(
  cfg: { epochs: number; patience: number; metric: string },
  fit: FitOptions,
  model: EpochLoopModel<W>,
): EpochLoopResult<W> {
  let best = -Infinity;
  let bestEpoch = 0;
  let kept: W | null = null;
  let stale = 0;
  let seconds = 0;
  let ran = 0;
  for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
    const started = performance.now();
    const loss = model.trainEpoch(epoch);
    if (!Number.isFinite(loss) || !model.weightsFinite()) throw model.diverged(epoch);
    const trained = (performance.now() - started) / 1000;
    seconds += trained;
    ran = epoch;
    const value = model.validate();
    if (value === null) bestEpoch = epoch;
    else if (value > best) {
      best = value;
      bestEpoch = epoch;
      stale = 0;
      kept = model.snapshot();
    } else stale++;
    fit.onEpoch?.({
      epoch,
      epochs: cfg.epochs,
      loss,
      seconds: trained,
      ...(value === null ? {} : { validation: { metric: cfg.metric, value, best: bestEpoch === epoch } }),
    });
    if (value !== null && stale >= cfg.patience) break;
  }
  // A validation metric that was never a number (NaN every epoch) kept nothing: the last epoch's weights are returned.
  if (kept === null) bestEpoch = ran;
  return {
    epochs: ran,
    bestEpoch,
    secondsPerEpoch: ran > 0 ? seconds / ran : 0,
    bestValidation: kept === null ? null : best,
    weights: kept ?? model.snapshot(),
  };
}
