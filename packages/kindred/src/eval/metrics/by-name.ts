import { InvalidParameterError } from '../../errors.js';
import { coverageMetric, diversityMetric, giniMetric, noveltyMetric } from './beyond.js';
import type { Metric } from './metric.js';
import {
  aucMetric,
  hitRateMetric,
  mapMetric,
  mrrMetric,
  ndcgMetric,
  precisionMetric,
  recallMetric,
} from './ranking.js';
import { MAE, RMSE } from './rating.js';

type Factory = (k: number) => Metric;

const FACTORIES: Record<string, { kind: Metric['kind']; create: Factory }> = {
  rmse: { kind: 'rating', create: () => RMSE },
  mae: { kind: 'rating', create: () => MAE },
  precision: { kind: 'ranking', create: (k) => precisionMetric(k) },
  recall: { kind: 'ranking', create: (k) => recallMetric(k) },
  ndcg: { kind: 'ranking', create: (k) => ndcgMetric(k) },
  'ndcg-graded': { kind: 'ranking', create: (k) => ndcgMetric(k, { gains: 'exponential' }) },
  map: { kind: 'ranking', create: (k) => mapMetric(k) },
  'map-relevant': { kind: 'ranking', create: (k) => mapMetric(k, { normalizer: 'relevant' }) },
  hit: { kind: 'ranking', create: (k) => hitRateMetric(k) },
  mrr: { kind: 'ranking', create: (k) => mrrMetric(k) },
  auc: { kind: 'ranking', create: (k) => aucMetric(k) },
  coverage: { kind: 'beyond', create: (k) => coverageMetric(k) },
  novelty: { kind: 'beyond', create: (k) => noveltyMetric(k) },
  diversity: { kind: 'beyond', create: (k) => diversityMetric(k) },
  gini: { kind: 'beyond', create: (k) => giniMetric(k) },
};

const ALIASES: Record<string, string> = { hitrate: 'hit', 'hit-rate': 'hit', prec: 'precision' };

/**
 * Names `metricByName` understands (without `@k`): rating `rmse`, `mae`; ranking `precision`, `recall`, `ndcg`,
 * `ndcg-graded`, `map`, `map-relevant`, `hit`, `mrr`, `auc`; beyond accuracy `coverage`, `novelty`, `diversity`,
 * `gini`.
 *
 * @example
 * METRIC_NAMES.includes('ndcg'); // true
 */
export const METRIC_NAMES: readonly string[] = Object.freeze(Object.keys(FACTORIES));

/**
 * The metric called `name`: `'rmse'`, `'ndcg@10'`, or a ranking/beyond name without `@k`, which gets `defaultK`.
 * Case-insensitive. Unknown names fail, listing the known ones.
 *
 * @example
 * metricByName('ndcg@10').higherIsBetter; // true
 * metricByName('recall', 20).name;        // 'recall@20'
 * metricByName('rmse').kind;              // 'rating'
 */
export function metricByName(name: string, defaultK = 10): Metric {
  const text = name.trim().toLowerCase();
  const at = text.indexOf('@');
  const rawBase = at >= 0 ? text.slice(0, at) : text;
  const base = ALIASES[rawBase] ?? rawBase;
  const entry = FACTORIES[base];
  if (!entry)
    throw new InvalidParameterError(`unknown metric "${name}"; known metrics are ${METRIC_NAMES.join(', ')}`, {
      metric: name,
    });
  let k = defaultK;
  if (at >= 0) {
    if (entry.kind === 'rating' || base === 'auc')
      throw new InvalidParameterError(`metric "${base}" takes no @k cut-off, got "${name}"`, { metric: name });
    const kText = text.slice(at + 1);
    k = Number(kText);
    if (!/^\d+$/.test(kText) || k < 1)
      throw new InvalidParameterError(`metric "${name}": k must be a positive integer`, { metric: name });
  }
  return entry.create(k);
}

/**
 * Resolves a mix of names and metric values, failing on duplicate names.
 *
 * @example
 * resolveMetrics(['precision', 'ndcg@5', RMSE], 10).map((m) => m.name); // ['precision@10', 'ndcg@5', 'rmse']
 */
export function resolveMetrics(metrics: readonly (string | Metric)[], defaultK = 10): Metric[] {
  const out: Metric[] = [];
  const seen = new Set<string>();
  for (const m of metrics) {
    const metric = typeof m === 'string' ? metricByName(m, defaultK) : m;
    if (seen.has(metric.name)) throw new InvalidParameterError(`metric "${metric.name}" is listed twice`);
    seen.add(metric.name);
    out.push(metric);
  }
  return out;
}
