import { saveModel, type Params } from 'kindred';
import { reduceEvents, type EventLog } from './dataset.js';
import { assertFiniteScores, holdoutMetrics, interactionsOf, latestRatioHoldout } from './evaluate.js';
import { finalFit, holdoutFit, type FitReport, type TrainProgress } from './train-fits.js';

/** The failure code of a run whose feedback holds no positive pair (the manager reports it as skipped). */
export const NO_POSITIVES = 'NO_POSITIVES';

/** What the training worker is asked to do (posted to it; the event log's buffers are transferred). */
export interface TrainJob {
  algorithm: string;
  params: Params;
  holdoutRatio: number;
  events: EventLog;
}

/** A finished run: the serialized model (refit on all data) and its holdout metrics. */
export interface TrainSuccess {
  ok: true;
  bytes: Uint8Array;
  /** The model's resolved parameters (defaults filled in), as the model file stores them. */
  params: Record<string, unknown>;
  /**
   * Holdout NDCG/precision/recall@10 and `holdoutUsers`, plus the data's shape: `trainUsers`, `trainItems`,
   * `trainPairs` (positive pairs) and `negativePairs` (pairs left out because dislikes outweigh likes); for epoch-based
   * models `epochs` (of the served model's fit) and `secondsPerEpoch`, and for models that stop early `bestEpoch` and
   * the validation metric there (`validation.ndcg@10`).
   */
  metrics: Record<string, number>;
  /** Seconds of the final fit (on all data): what a retrain of the served model costs. */
  fitSeconds: number;
  /** Seconds of the whole run: holdout fit + evaluation + final fit + serialization. */
  runSeconds: number;
}

/** A run that could not produce a usable model (bad params, divergence, non-finite scores, crash). */
export interface TrainFailure {
  ok: false;
  error: string;
  /** The library error code when the failure was a KindredError (e.g. INVALID_PARAMETER, MODEL_FIT). */
  code?: string;
}

export type TrainResult = TrainSuccess | TrainFailure;

/** Posted by the worker after every epoch of a fit, before its one `TrainResult`. */
export interface TrainProgressMessage {
  type: 'progress';
  progress: TrainProgress;
}

export type { TrainProgress } from './train-fits.js';

/**
 * One training run, the body of the worker (a plain function, so it is testable without a thread):
 * 0. aggregate the event log into positive (user, item) weights (`reduceEvents`);
 * 1. hold out each user's latest positives (`holdoutRatio`), fit on the rest and measure NDCG/precision/recall@10
 *    (a model that stops early validates on a slice of that rest, never on the holdout: train-fits.ts);
 * 2. refit a fresh model on all the data (for the epochs early stopping chose) and serialize that one.
 * `onProgress` receives every epoch of both fits (the worker posts them to the manager).
 *
 * Why refit: the held-out events are each user's most recent, the most predictive of what they do next; a served
 * model without them would be stale on exactly the signal that matters. The holdout numbers estimate the quality of
 * the procedure (same algorithm, params and data up to the last events), which is what version comparison needs.
 * It costs a second fit; the run happens in a worker, so only freshness pays for it. Both fits and the served
 * model's scores are checked for non-finite values.
 *
 * @example
 * const result = runTraining({ algorithm: 'als', params: { factors: 16 }, holdoutRatio: 0.1, events: log });
 * if (result.ok) loadModel(result.bytes);
 */
export function runTraining(job: TrainJob, onProgress: (p: TrainProgress) => void = () => {}): TrainResult {
  const started = performance.now();
  try {
    const { set, negativePairs } = reduceEvents(job.events);
    const data = interactionsOf(set);
    if (data.length === 0) return { ok: false, error: 'no positive feedback to train on', code: NO_POSITIVES };
    const [split] = latestRatioHoldout(job.holdoutRatio)(data);
    const probe = holdoutFit(job.algorithm, job.params, split.train, job.holdoutRatio, onProgress);
    const metrics: Record<string, number> = {
      ...holdoutMetrics(probe.model, split),
      trainUsers: data.nUsers,
      trainItems: data.nItems,
      trainPairs: data.length,
      negativePairs,
    };
    const fitStart = performance.now();
    const final = finalFit(job.algorithm, job.params, data, probe.report, onProgress);
    const model = final.model;
    const fitSeconds = (performance.now() - fitStart) / 1000;
    Object.assign(metrics, epochMetrics(probe.report, final.report));
    assertFiniteScores(model);
    const bytes = saveModel(model);
    return {
      ok: true,
      bytes,
      params: { ...model.getParams() },
      metrics,
      fitSeconds,
      runSeconds: (performance.now() - started) / 1000,
    };
  } catch (e) {
    const err = e as Error & { code?: unknown };
    return {
      ok: false,
      error: `${err.name ?? 'Error'}: ${err.message ?? String(e)}`,
      ...(typeof err.code === 'string' ? { code: err.code } : {}),
    };
  }
}

/** The version's epoch metrics: the served fit's epochs and pace, the holdout fit's best epoch and its validation. */
function epochMetrics(holdout: FitReport, final: FitReport): Record<string, number> {
  const out: Record<string, number> = {};
  if (final.epochs !== undefined) out.epochs = final.epochs;
  if (final.secondsPerEpoch !== undefined) out.secondsPerEpoch = final.secondsPerEpoch;
  if (holdout.bestEpoch !== undefined) out.bestEpoch = holdout.bestEpoch;
  for (const [k, v] of Object.entries(holdout.validation ?? {})) if (Number.isFinite(v)) out[k] = v;
  return out;
}
