import { createModel, getModelEntry, type EpochInfo, type Interactions, type Params, type Recommender } from 'kindred';
import { latestRatioHoldout } from './evaluate.js';

/** Progress of a running training run, reported per epoch by the worker (shown by `GET /api/models`). */
export interface TrainProgress {
  /** `holdout`: the fit measured on the holdout; `final`: the served model's fit on all the data. */
  phase: 'holdout' | 'final';
  epoch: number;
  /** Epochs planned for this fit (early stopping may end it sooner). */
  epochs: number;
  loss?: number;
  /** The validation metric after this epoch (holdout fit of a model that stops early). */
  validation?: { metric: string; value: number };
  /** The epoch with the best validation metric so far. */
  bestEpoch?: number;
}

/** What the two fits of a run report beyond the models: the epoch counts, for the version's metrics. */
export interface FitReport {
  /** Epochs the served model was trained for (absent for models without epochs). */
  epochs?: number;
  /** The holdout fit's best validation epoch (models that stop early). */
  bestEpoch?: number;
  /** The validation metric at that epoch, e.g. `{ 'validation.ndcg@10': 0.31 }`. */
  validation?: Record<string, number>;
  secondsPerEpoch?: number;
}

/**
 * Whether `algorithm` stops early on a validation split: the models whose options include `patience` (the neural
 * models' epoch loop, models/neural/epoch-loop.ts). Others ignore validation data, so none is carved out for them.
 *
 * @example
 * stopsEarly('mult-vae'); // true
 * stopsEarly('als'); // false
 */
export function stopsEarly(algorithm: string): boolean {
  const d = getModelEntry(algorithm).defaults as Record<string, unknown>;
  return Object.hasOwn(d, 'patience') && Object.hasOwn(d, 'epochs');
}

/**
 * The holdout fit of a run, on the training part of the holdout split. A model that stops early gets a validation
 * slice cut from that training part — each user's latest positives by the same ratio rule as the holdout — so
 * neither training nor early stopping ever sees the holdout the activation guard compares versions on. It is fitted
 * on the rest; its epoch reports reach `onProgress`.
 *
 * @example
 * const { model, report } = holdoutFit('mult-vae', { epochs: 50 }, split.train, 0.1, (p) => console.log(p.epoch));
 */
export function holdoutFit(
  algorithm: string,
  params: Params,
  train: Interactions,
  ratio: number,
  onProgress: (p: TrainProgress) => void,
): { model: Recommender; report: FitReport } {
  const track = epochTracker('holdout', onProgress);
  if (!stopsEarly(algorithm)) {
    const model = createModel(algorithm, params).fit(train, { onEpoch: track.onEpoch, reportLoss: false });
    return { model, report: track.report() };
  }
  const [inner] = latestRatioHoldout(ratio)(train);
  // An empty validation set is no validation at all (a metric over no users would read as 0 and stop training).
  const validation = inner.test.length > 0 ? inner.test : undefined;
  const model = createModel(algorithm, params).fit(validation ? inner.train : train, {
    onEpoch: track.onEpoch,
    reportLoss: false,
    ...(validation ? { validation } : {}),
  });
  return { model, report: track.report() };
}

/**
 * The served model's fit on all the data. A model that stopped early in the holdout fit is trained for that fit's
 * best epoch count without validation (the latest events, the most predictive ones, are not held back from the
 * served model to stop it early; the holdout fit has already chosen when to stop).
 *
 * @example
 * const { model } = finalFit('mult-vae', { epochs: 50 }, data, holdout.report, onProgress);
 */
export function finalFit(
  algorithm: string,
  params: Params,
  data: Interactions,
  holdout: FitReport,
  onProgress: (p: TrainProgress) => void,
): { model: Recommender; report: FitReport } {
  const track = epochTracker('final', onProgress);
  const chosen = stopsEarly(algorithm) && holdout.bestEpoch !== undefined && holdout.bestEpoch > 0;
  const model = createModel(algorithm, chosen ? { ...params, epochs: holdout.bestEpoch! } : params).fit(data, {
    onEpoch: track.onEpoch,
    reportLoss: false,
  });
  return { model, report: track.report() };
}

/**
 * Turns a fit's `onEpoch` reports into progress messages and a summary (`reportLoss: false` is passed to the fits:
 * a model whose loss costs a pass of its own, ALS, does not pay for progress; the neural models report theirs).
 */
function epochTracker(phase: TrainProgress['phase'], onProgress: (p: TrainProgress) => void) {
  let epochs = 0,
    seconds = 0,
    bestEpoch = 0,
    best: { metric: string; value: number } | null = null;
  return {
    onEpoch(info: EpochInfo): void {
      epochs = info.epoch;
      seconds += info.seconds;
      if (info.validation?.best) {
        bestEpoch = info.epoch;
        best = { metric: info.validation.metric, value: info.validation.value };
      }
      const p: TrainProgress = { phase, epoch: info.epoch, epochs: info.epochs };
      if (info.loss !== undefined && Number.isFinite(info.loss)) p.loss = info.loss;
      if (info.validation) p.validation = { metric: info.validation.metric, value: info.validation.value };
      if (bestEpoch > 0) p.bestEpoch = bestEpoch;
      onProgress(p);
    },
    report(): FitReport {
      const r: FitReport = {};
      if (epochs > 0) {
        r.epochs = epochs;
        r.secondsPerEpoch = seconds / epochs;
      }
      if (best) {
        const b = best as { metric: string; value: number };
        r.bestEpoch = bestEpoch;
        r.validation = { [`validation.${b.metric}`]: b.value };
      }
      return r;
    },
  };
}
