// Public exports of the evaluation module; the package index re-exports this file.
export type {
  BeyondContext,
  BeyondMetric,
  FullScores,
  Metric,
  MetricInfo,
  MetricKind,
  RankingMetric,
  RatingMetric,
  RecommendationLists,
  Relevance,
} from './metrics/metric.js';
export { relevance, relevantPosition } from './metrics/metric.js';
export { MAE, RMSE, mae, rmse } from './metrics/rating.js';
export {
  aucFromScores,
  aucMetric,
  averagePrecisionAtK,
  hitRateAtK,
  hitRateMetric,
  mapMetric,
  mrrMetric,
  ndcgAtK,
  ndcgMetric,
  precisionAtK,
  precisionMetric,
  recallAtK,
  recallMetric,
  reciprocalRankAtK,
  type ApNormalizer,
  type NdcgGains,
} from './metrics/ranking.js';
export {
  catalogCoverage,
  cosineDistance,
  coverageMetric,
  diversityMetric,
  giniIndex,
  giniMetric,
  incidenceCosineDistance,
  intraListDiversity,
  novelty,
  noveltyMetric,
} from './metrics/beyond.js';
export { METRIC_NAMES, metricByName, resolveMetrics } from './metrics/by-name.js';
export { meanOf, populationStd } from './stats.js';
export { evaluateRatings, type EvaluateRatingsOptions, type RatingEvaluation } from './evaluate-ratings.js';
export {
  DEFAULT_RANKING_METRICS,
  evaluateRanking,
  type EvaluateRankingOptions,
  type RankingEvaluation,
} from './evaluate-ranking.js';
export { NegativeSampler } from './sampled-negatives.js';
export {
  crossValidate,
  type CrossValidateOptions,
  type CrossValidationResult,
  type FoldResult,
} from './cross-validate.js';
export {
  gridCombinations,
  gridSearch,
  randomSearch,
  sampleConfigurations,
  type ParamGrid,
  type ParamRange,
  type ParamSpace,
  type SearchEntry,
  type SearchOptions,
  type SearchResult,
} from './search.js';
export {
  DEFAULT_COLD_START_METRICS,
  evaluateColdItems,
  evaluateColdUsers,
  type ColdStartEvaluation,
} from './cold-start.js';
