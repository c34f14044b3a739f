// The public surface of the recommendation pipeline (candidates → ranking → re-ranking → explanations).
export { Catalog, type CatalogItem, type CatalogChange } from './catalog.js';
export { TagSets } from './tag-sets.js';
export { TopList } from './top-list.js';
export { RankedIndex, PopularityIndex, LatestIndex } from './ranked-index.js';
export { RequestState, recencyWeight, type UserContext } from './request-state.js';
export type { Candidate, CandidateGenerator, CandidateSource } from './candidate.js';
export { ModelCandidates } from './candidates/model.js';
export { ItemToItemCandidates } from './candidates/item-to-item.js';
export { PopularCandidates } from './candidates/popular.js';
export { LatestCandidates } from './candidates/latest.js';
export { CategoryCandidates } from './candidates/category.js';
export { mergeCandidates, type MergedCandidate, type Reason, type SourceList } from './candidates/merge.js';
export { modelNeighbours, cachedNeighbours, NeighbourIndex, type NeighbourFn } from './neighbours.js';
export { rankCandidates, topRanked, byScore, type RankedItem } from './rank.js';
export { removeDisallowed, filterByCategory } from './rerank/filters.js';
export { mmr, categoryJaccard, vectorCosine, type ItemSimilarity } from './rerank/mmr.js';
export { applyFreshness } from './rerank/freshness.js';
export { applyBoosts, applyPins, resolvePins, paginate } from './rerank/rules.js';
export { explainItem, isGenericExplanation, type Explained, type RecommendationReason } from './explain.js';
export { becauseContext, type BecauseContext } from './because.js';
export { finalizeScores } from './final-score.js';
export {
  DEFAULT_PIPELINE_CONFIG,
  resolvePipelineConfig,
  type PipelineConfig,
  type PipelineConfigInput,
  type PinRule,
  type BoostRule,
  type ExplanationTemplates,
} from './config.js';
export {
  Pipeline,
  recommend,
  sessionRecommend,
  type PipelineOptions,
  type RecommendRequest,
  type RecommendResult,
  type RecommendedItem,
  type ExtraGenerator,
} from './pipeline.js';
