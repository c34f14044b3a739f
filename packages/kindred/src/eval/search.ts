import { InvalidParameterError } from '../errors.js';
import type { Split } from '../data/split.js';
import { Rng } from '../math/rng.js';
import type { ParamValue, Params } from '../models/params.js';
import type { Recommender } from '../models/recommender.js';
import type { MetricInfo } from './metrics/metric.js';
import { metricByName } from './metrics/by-name.js';
import { crossValidate, type CrossValidateOptions, type CrossValidationResult } from './cross-validate.js';

/** Grid search space: every parameter with the values to try (Surprise `GridSearchCV(param_grid=...)`). */
export type ParamGrid = Record<string, readonly ParamValue[]>;

/** A numeric range for random search: uniform on [low, high], or log-uniform with `log`; `integer` draws integers. */
export interface ParamRange {
  low: number;
  high: number;
  log?: boolean;
  integer?: boolean;
}

/** Random search space: a range per numeric parameter, or a list of values to choose from uniformly. */
export type ParamSpace = Record<string, ParamRange | readonly ParamValue[]>;

/** Options of the searches: cross-validation options plus ranking and progress. */
export interface SearchOptions extends CrossValidateOptions {
  /** Metric to rank configurations by (its `higherIsBetter` decides the direction). Default: the first metric. */
  rankBy?: string;
  /** Called after each configuration has been cross-validated. */
  onConfig?: (progress: { index: number; total: number; params: Params; result: CrossValidationResult }) => void;
}

/** One configuration's cross-validation summary. */
export interface SearchEntry {
  /** 1 = best. Ties keep the order in which configurations were tried. */
  rank: number;
  params: Params;
  /** Mean of the ranking metric over folds: on the validation part when the splits have one, else on test. */
  score: number;
  /** The validation part's metrics, when the splits have one (three-way protocols). */
  validation?: Record<string, number>;
  mean: Record<string, number>;
  std: Record<string, number>;
  perFold: Record<string, number[]>;
  fitSeconds: number[];
  testSeconds: number[];
}

/** Every configuration tried, best first, and the best one. */
export interface SearchResult {
  rankBy: string;
  higherIsBetter: boolean;
  /**
   * Which part the ranking used: `'validation'` when every split has a validation part (model selection never looks
   * at the test part, as RecBole selects on its valid metric), else `'test'`.
   */
  rankedOn: 'validation' | 'test';
  results: SearchEntry[];
  best: SearchEntry;
}

/**
 * Every combination of a grid, in `itertools.product` order (the last parameter varies fastest), as Surprise's
 * `GridSearchCV` enumerates them.
 *
 * @example
 * gridCombinations({ factors: [10, 20], reg: [0.1, 1] });
 * // [{factors: 10, reg: 0.1}, {factors: 10, reg: 1}, {factors: 20, reg: 0.1}, {factors: 20, reg: 1}]
 */
export function gridCombinations(grid: ParamGrid): Params[] {
  let combos: Params[] = [{}];
  for (const [key, values] of Object.entries(grid)) {
    if (!Array.isArray(values) || values.length === 0)
      throw new InvalidParameterError(`grid: parameter "${key}" needs at least one value`, { key });
    const next: Params[] = [];
    for (const c of combos) for (const v of values) next.push({ ...c, [key]: v });
    combos = next;
  }
  return combos;
}

/**
 * `n` seeded draws from a random-search space. Keys are drawn in the space's order with one `Rng(seed)`, so the same
 * space and seed always give the same configurations. Ranges: uniform on [low, high) (log-uniform with `log`,
 * which needs low > 0); with `integer`, a uniform integer in [low, high] (log-uniform over [low, high + 1) then
 * floored, when `log`). Lists: a uniformly chosen element. Draws are independent (duplicates are possible).
 *
 * @example
 * sampleConfigurations({ factors: { low: 8, high: 128, log: true, integer: true }, lr: [0.005, 0.01] }, 2, 42);
 * // [{ factors: 23, lr: 0.01 }, { factors: 90, lr: 0.005 }]  (values depend only on the seed)
 */
export function sampleConfigurations(space: ParamSpace, n: number, seed: number): Params[] {
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidParameterError(`random search: n must be a positive integer, got ${n}`);
  const entries = Object.entries(space);
  for (const [key, spec] of entries) checkSpec(key, spec);
  const rng = new Rng(seed);
  const out: Params[] = [];
  for (let c = 0; c < n; c++) {
    const params: Params = {};
    for (const [key, spec] of entries) params[key] = draw(spec, rng);
    out.push(params);
  }
  return out;
}

function checkSpec(key: string, spec: ParamRange | readonly ParamValue[]): void {
  if (Array.isArray(spec)) {
    if (spec.length === 0) throw new InvalidParameterError(`random search: "${key}" needs at least one value`, { key });
    return;
  }
  const r = spec as ParamRange;
  if (!Number.isFinite(r.low) || !Number.isFinite(r.high) || r.low > r.high)
    throw new InvalidParameterError(`random search: "${key}" needs finite low ≤ high, got ${r.low}..${r.high}`, {
      key,
    });
  if (r.log && !(r.low > 0))
    throw new InvalidParameterError(`random search: "${key}" is log-scaled, so low must be > 0`, { key });
  if (r.integer && (!Number.isInteger(r.low) || !Number.isInteger(r.high)))
    throw new InvalidParameterError(`random search: "${key}" is an integer range, so low and high must be integers`, {
      key,
    });
}

function draw(spec: ParamRange | readonly ParamValue[], rng: Rng): ParamValue {
  if (Array.isArray(spec)) return spec[rng.int(spec.length)];
  const { low, high, log, integer } = spec as ParamRange;
  const u = rng.next();
  if (integer) {
    const x = log ? Math.exp(Math.log(low) + u * (Math.log(high + 1) - Math.log(low))) : low + u * (high - low + 1);
    return Math.min(high, Math.max(low, Math.floor(x)));
  }
  return log ? Math.exp(Math.log(low) + u * (Math.log(high) - Math.log(low))) : low + u * (high - low);
}

/**
 * Exhaustive search (Surprise `GridSearchCV`): cross-validates `createModel(params)` for every combination of `grid`
 * on the same splits and ranks the configurations by `rankBy` (mean over folds, respecting the metric's direction).
 *
 * @example
 * const search = gridSearch((p) => createModel('svd', p), { factors: [20, 50], reg: [0.02, 0.1] }, splits, {
 *   metrics: ['rmse', 'mae'],
 * });
 * search.best.params; // { factors: 50, reg: 0.1 }
 */
export function gridSearch(
  createModel: (params: Params) => Recommender,
  grid: ParamGrid,
  splits: readonly Split[],
  opts: SearchOptions = {},
): SearchResult {
  return runSearch(createModel, gridCombinations(grid), splits, opts);
}

/**
 * Random search (Surprise `RandomizedSearchCV`): cross-validates `n` configurations drawn from `space` with `seed`
 * (see `sampleConfigurations`) and ranks them like `gridSearch`. Seeded and deterministic.
 *
 * @example
 * const search = randomSearch((p) => createModel('svd', p), { lr: { low: 1e-3, high: 1e-1, log: true } }, 20, 7, splits);
 * search.results.length; // 20
 */
export function randomSearch(
  createModel: (params: Params) => Recommender,
  space: ParamSpace,
  n: number,
  seed: number,
  splits: readonly Split[],
  opts: SearchOptions = {},
): SearchResult {
  return runSearch(createModel, sampleConfigurations(space, n, seed), splits, opts);
}

function runSearch(
  createModel: (params: Params) => Recommender,
  configs: Params[],
  splits: readonly Split[],
  opts: SearchOptions,
): SearchResult {
  const { rankBy, onConfig, ...cvOpts } = opts;
  const tried: { params: Params; cv: CrossValidationResult }[] = [];
  for (let c = 0; c < configs.length; c++) {
    const cv = crossValidate(createModel(configs[c]), splits, cvOpts);
    tried.push({ params: configs[c], cv });
    onConfig?.({ index: c, total: configs.length, params: configs[c], result: cv });
  }
  const metrics = tried[0].cv.metrics;
  const metric = rankBy === undefined ? metrics[0] : findMetric(metrics, rankBy, opts.k ?? 10);
  if (!metric)
    throw new InvalidParameterError(
      `search: rankBy "${rankBy}" is not one of the evaluated metrics ${metrics.map((m) => m.name).join(', ')}`,
    );
  const sign = metric.higherIsBetter ? -1 : 1;
  const rankedOn = tried.every((t) => t.cv.validation !== undefined) ? 'validation' : 'test';
  const entries = tried.map((t, order) => ({
    order,
    score: rankedOn === 'validation' ? t.cv.validation![metric.name] : t.cv.mean[metric.name],
    t,
  }));
  // Stable sort; NaN scores go last.
  entries.sort((a, b) => {
    const an = Number.isNaN(a.score),
      bn = Number.isNaN(b.score);
    if (an || bn) return an === bn ? a.order - b.order : an ? 1 : -1;
    return sign * (a.score - b.score) || a.order - b.order;
  });
  const results: SearchEntry[] = entries.map((e, r) => ({
    rank: r + 1,
    params: e.t.params,
    score: e.score,
    mean: e.t.cv.mean,
    std: e.t.cv.std,
    perFold: e.t.cv.perFold,
    fitSeconds: e.t.cv.fitSeconds,
    testSeconds: e.t.cv.testSeconds,
    ...(e.t.cv.validation ? { validation: e.t.cv.validation } : {}),
  }));
  return { rankBy: metric.name, higherIsBetter: metric.higherIsBetter, rankedOn, results, best: results[0] };
}

/** The evaluated metric called `name`, also when the name omits the default `@k` ('ndcg' for 'ndcg@10'). */
function findMetric(metrics: MetricInfo[], name: string, k: number): MetricInfo | undefined {
  const exact = metrics.find((m) => m.name === name);
  if (exact) return exact;
  let resolved: string;
  try {
    resolved = metricByName(name, k).name;
  } catch {
    return undefined;
  }
  return metrics.find((m) => m.name === resolved);
}
