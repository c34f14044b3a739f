/**
 * Node-only helpers of Kindred (files, dataset downloads, worker threads). The rest of the library never imports
 * node:* modules, so it runs in browsers too.
 *
 * @example
 * import { loadDataset, readFoldsFile } from 'kindred/node';
 * import { foldsFromAssignment } from 'kindred';
 * const { ratings } = await loadDataset('ml-100k', { dataDir: '../shared/data' });
 * const { data, foldOfRow } = await readFoldsFile('../shared/data/ml-100k-folds/kfold5_seed0.tsv');
 * const splits = foldsFromAssignment(foldOfRow)(data);
 */
export { forEachLine, readLineBatches, type TextEncoding } from './read-lines.js';
export {
  MOVIELENS_100K_SPLITS,
  readFoldsFile,
  readMovieItems,
  readMovieLens100k,
  readMovieLensSplit,
  readMovieUsers,
  readRatingsFile,
  tableFor,
  type FoldsFile,
  type MovieLens100kSplitName,
  type MovieLensData,
  type ReadOptions,
} from './readers.js';
export { listZip, readZipEntry, unzipToDir, type ZipEntry } from './zip.js';
export {
  DATASETS,
  fetchDataset,
  findDataset,
  loadDataset,
  resolveCacheDir,
  resolveDataDir,
  type DataEnv,
  type DatasetName,
  type DatasetSource,
  type FetchOptions,
  type LoadedDataset,
  type LocateOptions,
} from './datasets.js';
export { createWorkerRunner, type WorkerRunner } from './worker-runner.js';
