// The models that ship with Kindred. Add one line per model; the registry reads this list.
import { normalPredictorEntry } from './baseline/normal-predictor.js';
import { knnBaselineEntry } from './knn/knn-baseline.js';
import { knnBasicEntry } from './knn/knn-basic.js';
import { knnWithMeansEntry } from './knn/knn-with-means.js';
import { knnWithZScoreEntry } from './knn/knn-with-zscore.js';
import { baselineOnlyEntry } from './baseline/baseline-only.js';
import { coClusteringEntry } from './co-clustering/co-clustering.js';
import { contentKnnEntry } from './content/content-knn.js';
import { profileEntry } from './content/profile.js';
import { popularEntry } from './baseline/popular.js';
import { itemKnnEntry } from './knn/item-knn.js';
import { userKnnEntry } from './knn/user-knn.js';
import { easeEntry } from './linear/ease.js';
import { lightFmEntry } from './hybrid/lightfm.js';
import { augmentedEntry, cascadeEntry, switchingEntry, weightedEntry } from './hybrid/blenders.js';
import { alsEntry } from './factorization/als.js';
import { bprEntry } from './factorization/bpr.js';
import { nmfEntry } from './factorization/nmf.js';
import { svdEntry } from './factorization/svd.js';
import { svdppEntry } from './factorization/svdpp.js';
import { slopeOneEntry } from './slope-one/slope-one.js';
import { multDaeEntry, multVaeEntry } from './neural/mult-vae.js';
import { autoRecEntry } from './neural/autorec.js';
import { twoTowerEntry } from './neural/two-tower.js';
import { ncfEntry } from './neural/ncf.js';
import { sasrecEntry } from './sequential/sasrec.js';
import type { ModelEntry } from './registry.js';

export const BUILTIN_MODELS: readonly ModelEntry[] = [
  normalPredictorEntry,
  baselineOnlyEntry,
  svdEntry,
  knnBasicEntry,
  knnWithMeansEntry,
  knnWithZScoreEntry,
  knnBaselineEntry,
  svdppEntry,
  nmfEntry,
  slopeOneEntry,
  coClusteringEntry,
  popularEntry,
  itemKnnEntry,
  userKnnEntry,
  easeEntry,
  alsEntry,
  bprEntry,
  contentKnnEntry,
  profileEntry,
  lightFmEntry,
  weightedEntry,
  switchingEntry,
  cascadeEntry,
  augmentedEntry,
  multVaeEntry,
  multDaeEntry,
  autoRecEntry,
  twoTowerEntry,
  ncfEntry,
  sasrecEntry,
] as unknown as ModelEntry[];
