import { InvalidParameterError } from '../errors.js';
import type { Interactions } from '../data/interactions.js';
import type { Recommender } from '../models/recommender.js';
import { resolveMetrics } from './metrics/by-name.js';
import type { Metric, RatingMetric } from './metrics/metric.js';

/** Options of `evaluateRatings`. */
export interface EvaluateRatingsOptions {
  /** Rating metrics by name or value (default `['rmse', 'mae']`). */
  metrics?: readonly (string | Metric)[];
  /**
   * Count the predictions the model could not make (cold start; Surprise's `was_impossible`). Default true. The
   * base class only reports this through `predictIndexDetailed`, which returns a small object per row; with false,
   * the loop uses the allocation-free `predictIndex` and `impossible` is -1.
   */
  countImpossible?: boolean;
}

/** Result of scoring one test set on ratings. */
export interface RatingEvaluation {
  /** Metric name → value, in the order asked for. */
  metrics: Record<string, number>;
  /** Number of test rows predicted. */
  count: number;
  /** Rows the model could not score, answered by the fallback (-1 when not counted). */
  impossible: number;
  /** Prediction of every test row, in test row order (clipped to the training scale, fallback included). */
  predicted: Float64Array;
  /** The true rating of every test row. */
  actual: Float64Array;
}

/**
 * Predicts every test row with a fitted model and computes rating metrics (Surprise `algo.test(testset)` followed by
 * `accuracy.rmse` / `accuracy.mae`). Test and training data must share id maps (as splits do); indices beyond the
 * model's training id space count as impossible and get the global mean.
 *
 * @example
 * const model = new NormalPredictor({ seed: 1 }).fit(split.train);
 * evaluateRatings(model, split.test).metrics; // { rmse: 1.5, mae: 1.2 }
 */
export function evaluateRatings(
  model: Recommender,
  test: Interactions,
  opts: EvaluateRatingsOptions = {},
): RatingEvaluation {
  const metrics = resolveMetrics(opts.metrics ?? ['rmse', 'mae']);
  for (const m of metrics)
    if (m.kind !== 'rating')
      throw new InvalidParameterError(`evaluateRatings: "${m.name}" is a ${m.kind} metric, not a rating metric`);
  const countImpossible = opts.countImpossible ?? true;
  const n = test.length;
  const predicted = new Float64Array(n);
  const actual = new Float64Array(n);
  for (let r = 0; r < n; r++) actual[r] = test.values[r];
  const impossible = countImpossible
    ? predictDetailed(model, test.users, test.items, predicted)
    : predictFast(model, test.users, test.items, predicted);
  const values: Record<string, number> = {};
  for (const m of metrics as RatingMetric[]) values[m.name] = m.compute(predicted, actual);
  return { metrics: values, count: n, impossible: countImpossible ? impossible : -1, predicted, actual };
}

/** Predictions beyond the training id space (a user or item first seen in the test set) use the global mean. */
function outOfRange(model: Recommender, u: number, i: number): boolean {
  const s = model.training;
  return u >= s.nUsers || i >= s.nItems;
}

function predictFast(model: Recommender, users: Int32Array, items: Int32Array, out: Float64Array): number {
  const s = model.training;
  const fallback = Math.min(s.ratingMax, Math.max(s.ratingMin, s.globalMean));
  for (let r = 0; r < users.length; r++) {
    const u = users[r],
      i = items[r];
    out[r] = outOfRange(model, u, i) ? fallback : model.predictIndex(u, i);
  }
  return 0;
}

function predictDetailed(model: Recommender, users: Int32Array, items: Int32Array, out: Float64Array): number {
  const s = model.training;
  const fallback = Math.min(s.ratingMax, Math.max(s.ratingMin, s.globalMean));
  let impossible = 0;
  for (let r = 0; r < users.length; r++) {
    const u = users[r],
      i = items[r];
    if (outOfRange(model, u, i)) {
      out[r] = fallback;
      impossible++;
      continue;
    }
    const p = model.predictIndexDetailed(u, i);
    out[r] = p.value;
    if (p.impossible) impossible++;
  }
  return impossible;
}
