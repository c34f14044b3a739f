/**
 * Kindred: recommender systems in TypeScript. This is the library's curated public entry (convention 12); file
 * system helpers live in `kindred/node`. It exports what users build with (data, models, evaluation, the serving
 * pipeline) and not the numerical kernels behind the models (dense/Cholesky kernels, similarity row ranges, cost
 * splits, bias solvers, all-pairs top-k): those change with the implementation, and `index.test.ts` keeps them out.
 * `FactorScorer` stays: the engine scores pooled neighbours with it, and it is a stable, documented tool.
 *
 * @example
 * import { synthetic, createModel } from 'kindred';
 * const data = synthetic({ users: 500, items: 300, seed: 1 });
 * const model = createModel('svd').fit(data);
 * model.recommend('u1', { k: 5 });
 */
export * from './errors.js';
export { IdMap, type RawId } from './data/id-map.js';
export {
  Interactions,
  InteractionsBuilder,
  type Csr,
  type DuplicatePolicy,
  type InteractionRecord,
} from './data/interactions.js';
export { synthetic, type SyntheticOptions } from './data/synthetic.js';
export type { Split, Splitter } from './data/split.js';
export {
  foldsFromAssignment,
  globalTimeCut,
  kFold,
  leaveLastOut,
  perUserHoldout,
  perUserLastN,
  randomHoldout,
  stratifiedSplit,
} from './data/splitters.js';
export {
  leaveLastOutValidTest,
  perUserRatioSplit,
  recboleSplitSizes,
  type PerUserRatioSplitOptions,
} from './data/validation-splits.js';
export {
  binarize,
  compactIds,
  dedupe,
  filterByValue,
  filterMinCounts,
  kCore,
  type MinCountOptions,
} from './data/cleaning.js';
export {
  RATINGS_FORMATS,
  RatingsParser,
  parseIsoSeconds,
  parseRatings,
  type Column,
  type ColumnMapping,
  type ExtraColumn,
  type IdKind,
  type ParseOptions,
  type ParseResult,
  type RatingsFormatName,
  type TableFormat,
} from './data/parsers.js';
export { splitQuoted, type QuotedSplit } from './data/delimited.js';
export {
  ML100K_GENRES,
  MetadataParser,
  movieItemsParser,
  movieUsersParser,
  type MetadataResult,
  type MovieInfo,
  type MovieUserInfo,
  type MovieUsersFormat,
} from './data/movielens.js';
export * from './eval/index.js';
export * from './pipeline/index.js';
export { Rng } from './math/rng.js';
export { topK, type TopK } from './math/top-k.js';
export { FactorScorer } from './math/factor-scorer.js';
export { crc32 } from './math/crc32.js';
export {
  Recommender,
  type EpochInfo,
  type FitOptions,
  type ModelState,
  type ModelTask,
  type Prediction,
  type RecommendOptions,
  type Recommendations,
  type TrainingSummary,
} from './models/recommender.js';
export { isHistoryScorer, type HistoryScorer } from './models/history-scorer.js';
export { parseParamAssignment, resolveParams, type ParamDoc, type Params, type ParamValue } from './models/params.js';
export {
  createModel,
  getModelEntry,
  listModels,
  loadModel,
  registerModel,
  saveModel,
  type ModelEntry,
} from './models/registry.js';
export { NormalPredictor, type NormalPredictorOptions } from './models/baseline/normal-predictor.js';
export { KnnBase, KNN_DEFAULTS, KNN_DOCS, type KnnOptions, type KnnFitOptions } from './models/knn/knn-base.js';
export { KnnBasic, knnBasicEntry } from './models/knn/knn-basic.js';
export { KnnWithMeans, knnWithMeansEntry } from './models/knn/knn-with-means.js';
export { KnnWithZScore, knnWithZScoreEntry } from './models/knn/knn-with-zscore.js';
export { KnnBaseline, knnBaselineEntry } from './models/knn/knn-baseline.js';
export {
  similarityMatrix,
  SIMILARITIES,
  type SimilarityName,
  type SimilarityInput,
  type SimilarityOptions,
} from './models/knn/similarity.js';
export { Svdpp, svdppEntry, type SvdppOptions, type SvdppRates } from './models/factorization/svdpp.js';
export { Nmf, nmfEntry, type NmfOptions } from './models/factorization/nmf.js';
export { SlopeOne, slopeOneEntry, type SlopeOneOptions } from './models/slope-one/slope-one.js';
export { CoClustering, coClusteringEntry, type CoClusteringOptions } from './models/co-clustering/co-clustering.js';
export { BaselineOnly, baselineOnlyEntry, type BaselineOnlyOptions } from './models/baseline/baseline-only.js';
export { Svd, svdEntry, type SvdOptions } from './models/factorization/svd.js';
export { FactorModel, type FactorState } from './models/factorization/factor-model.js';
export { FeatureMatrix } from './data/features.js';
export { Als, alsEntry, type AlsOptions, type AlsExplanation, type AlsFitOptions } from './models/factorization/als.js';
export type { ParallelRunner, KernelGroup } from './models/parallel.js';
export { Bpr, bprEntry, type BprOptions } from './models/factorization/bpr.js';
export type { ConfidenceScheme } from './models/factorization/confidence.js';
export { tokenize, type TokenizerOptions } from './features/tokenize.js';
export { ENGLISH_STOP_WORDS } from './features/stop-words.js';
export { Tfidf, type TfidfOptions, type SparseVector } from './features/tfidf.js';
export { binLabel, binOf, decadeBins, type Bins } from './features/bins.js';
export {
  FeatureBuilder,
  type BlockOptions,
  type CategoryValue,
  type FeatureBlockInfo,
  type FeatureGetter,
} from './features/feature-builder.js';
export {
  MOVIELENS_AGE_BANDS,
  movieLensItemFeatures,
  movieLensUserFeatures,
  type MovieLensItemFeatureOptions,
} from './features/movielens-features.js';
export {
  ContentRecommender,
  usesItemFeatures,
  type ContentExplanation,
  type ContentWeighting,
  type ExplainOptions,
  type ExplainedFeature,
  type ExplainedItem,
  type ItemFeatureConsumer,
} from './models/content/content-base.js';
export { ContentKnn, contentKnnEntry, type ContentKnnOptions } from './models/content/content-knn.js';
export { Profile, profileEntry, type ProfileOptions } from './models/content/profile.js';
export { coldItems, type ColdItemSplit, type ColdItemsOptions } from './data/cold-items.js';
export { coldUsers, type ColdUserSplit, type ColdUsersOptions } from './data/cold-users.js';
export { Popular, popularEntry, itemPopularity, type PopularOptions } from './models/baseline/popular.js';
export { ItemKnn, itemKnnEntry, type ItemKnnOptions } from './models/knn/item-knn.js';
export { UserKnn, userKnnEntry, type UserKnnOptions } from './models/knn/user-knn.js';
export { KnnRankingBase, KNN_RANKING_DOCS, type KnnRankingOptions } from './models/knn/knn-ranking-base.js';
export { WEIGHTINGS, type WeightingName } from './models/knn/weighting.js';
export { Ease, easeEntry, type EaseOptions } from './models/linear/ease.js';
export { LightFm, lightFmEntry, type LightFmOptions, type FoldInOptions } from './models/hybrid/lightfm.js';
export { onboard, type OnboardOptions, type OnboardMethod } from './models/hybrid/onboard.js';
export {
  Blender,
  parseMembers,
  provideModelCatalog,
  zScores,
  type MemberSpec,
  type ModelCatalog,
} from './models/hybrid/blender.js';
export { Weighted, simplexGrid } from './models/hybrid/weighted.js';
export { Switching } from './models/hybrid/switching.js';
export { Cascade } from './models/hybrid/cascade.js';
export { Augmented } from './models/hybrid/augmented.js';
export { weightedEntry, switchingEntry, cascadeEntry, augmentedEntry } from './models/hybrid/blenders.js';
export type {
  BlendMemberOptions,
  WeightedOptions,
  SwitchingOptions,
  CascadeOptions,
  AugmentedOptions,
} from './models/hybrid/blend-params.js';
export {
  ItemExposure,
  betaSample,
  thompsonExploration,
  epsilonGreedyExploration,
  type ThompsonOptions,
  type EpsilonGreedyOptions,
} from './pipeline/rerank/exploration.js';
