import { join } from 'node:path';
import { movieLensItemFeatures, usesItemFeatures, type IdMap, type Recommender } from 'kindred';
import { findDataset, readMovieItems } from 'kindred/node';
import type { DatasetFlags } from './dataset.js';

/**
 * Attaches item features to a model that reads them (content models, lightfm, blenders with such members): for
 * MovieLens 100K, genres, release decade and title words from `u.item`. Other datasets have no item metadata here,
 * so such models fail with their own clear error at fit.
 */
export async function attachItemFeatures(model: Recommender, flags: DatasetFlags, itemIds: IdMap): Promise<boolean> {
  if (!usesItemFeatures(model) || flags.dataset !== 'ml-100k') return false;
  const dir = findDataset('ml-100k', { dataDir: flags.dataDir, cacheDir: flags.cacheDir });
  const items = await readMovieItems(join(dir, 'u.item'), 'ml-100k');
  model.withItemFeatures(movieLensItemFeatures(items.records, itemIds));
  return true;
}
