import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { Option, type Command } from 'commander';
import {
  foldsFromAssignment,
  kFold,
  randomHoldout,
  synthetic,
  type Interactions,
  type MovieInfo,
  type Split,
  type TableFormat,
} from 'kindred';
import {
  DATASETS,
  findDataset,
  loadDataset,
  readFoldsFile,
  readMovieLensSplit,
  readRatingsFile,
  MOVIELENS_100K_SPLITS,
  type DatasetName,
  type MovieLens100kSplitName,
} from 'kindred/node';
import { UsageError } from './usage-error.js';

/** Flags shared by every command that reads a dataset. */
export interface DatasetFlags {
  dataset: string;
  dataDir?: string;
  cacheDir?: string;
  download?: boolean;
  skipBad?: boolean;
  users?: string;
  items?: string;
  interactions?: string;
  kind?: 'rating' | 'implicit';
  seed?: string;
  /** For a path: a column mapping "user=COL,item=COL[,value=COL][,timestamp=COL]". */
  columns?: string;
}

/** Flags that choose the evaluation protocol. */
export interface ProtocolFlags {
  foldsFile?: string;
  folds?: string;
  split?: string;
  holdout?: string;
  seed?: string;
}

export function addDatasetOptions(cmd: Command): Command {
  return cmd
    .option(
      '-d, --dataset <name|path>',
      `ml-100k | ml-latest-small | ml-1m | synthetic | a ratings file (.csv/.tsv/.jsonl)`,
      'synthetic',
    )
    .option('--data-dir <dir>', 'where local dataset copies live (default $KINDRED_DATA_DIR or ../shared/data)')
    .option('--cache-dir <dir>', 'download cache (default $KINDRED_CACHE_DIR or ~/.cache/kindred)')
    .option('--download', 'fetch the dataset into the cache when it is not found')
    .option('--skip-bad', 'skip and count malformed lines instead of failing')
    .option('--columns <mapping>', 'for a file: user=COL,item=COL[,value=COL][,timestamp=COL]')
    .option('--users <n>', 'synthetic: users', '2000')
    .option('--items <n>', 'synthetic: items', '1000')
    .option('--interactions <n>', 'synthetic: interactions', '100000')
    .addOption(new Option('--kind <kind>', 'synthetic: rating or implicit').choices(['rating', 'implicit']).default('rating'))
    .option('--seed <n>', 'seed for synthetic data and random splits', '0');
}

export function addProtocolOptions(cmd: Command): Command {
  return cmd
    .option('--folds-file <file>', 'a TSV of ratings with a `fold` column (exact folds, e.g. Surprise’s)')
    .option('--folds <n>', 'k-fold cross-validation over ratings (seeded by --seed)')
    .option('--split <name>', `a canonical MovieLens 100K split: ${MOVIELENS_100K_SPLITS.join(', ')}`)
    .option('--holdout <ratio>', 'one random holdout with this test ratio (seeded by --seed)');
}

export interface CliDataset {
  name: string;
  data: Interactions;
  /** Movie metadata by raw item id, when the dataset has it (titles for the demo and `recommend`). */
  items?: Map<number | string, MovieInfo>;
}

function int(flag: string, v: string | undefined, min = 1): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be an integer ≥ ${min}, got "${v}"`);
  return n;
}

/** Loads `--dataset`: a known dataset by name, the synthetic generator, or a ratings file by path. */
export async function loadCliDataset(f: DatasetFlags): Promise<CliDataset> {
  const name = f.dataset;
  if (name === 'synthetic') {
    const data = synthetic({
      users: int('--users', f.users),
      items: int('--items', f.items),
      interactions: int('--interactions', f.interactions),
      kind: f.kind ?? 'rating',
      seed: int('--seed', f.seed ?? '0', 0),
    });
    return { name: 'synthetic', data };
  }
  if (name in DATASETS) {
    const ds = await loadDataset(name as DatasetName, {
      dataDir: f.dataDir,
      cacheDir: f.cacheDir,
      download: f.download,
      skipBad: f.skipBad,
    });
    return { name, data: ds.ratings, items: ds.items as Map<number | string, MovieInfo> | undefined };
  }
  if (existsSync(name)) {
    const res = await readRatingsFile(name, fileFormat(name, f.columns), { skipBad: f.skipBad });
    if (res.skipped > 0) process.stderr.write(`kindred: skipped ${res.skipped} malformed lines of ${name}\n`);
    return { name, data: res.data };
  }
  throw new UsageError(
    `unknown dataset "${name}": use ${Object.keys(DATASETS).join(', ')}, synthetic, or the path of a ratings file`,
  );
}

function fileFormat(path: string, columns: string | undefined): TableFormat {
  const ext = extname(path).toLowerCase();
  const kind = ext === '.jsonl' || ext === '.ndjson' ? 'jsonl' : ext === '.tsv' ? 'tsv' : 'csv';
  const mapping: Record<string, string> = { user: 'user', item: 'item', value: 'rating', timestamp: 'timestamp' };
  if (columns) {
    delete mapping.value;
    delete mapping.timestamp;
    for (const part of columns.split(',')) {
      const [k, v] = part.split('=');
      if (!['user', 'item', 'value', 'timestamp'].includes(k) || !v)
        throw new UsageError(`--columns expects user=COL,item=COL[,value=COL][,timestamp=COL], got "${part}"`);
      mapping[k] = v;
    }
  }
  return { kind, header: true, columns: mapping as unknown as TableFormat['columns'] };
}

/** Resolves the protocol flags into splits and a description (default: 5-fold CV seeded by --seed). */
export async function protocolSplits(
  f: DatasetFlags & ProtocolFlags,
): Promise<{ protocol: string; splits: Split[]; data?: Interactions }> {
  const chosen = [f.foldsFile, f.folds, f.split, f.holdout].filter((x) => x !== undefined).length;
  if (chosen > 1) throw new UsageError('choose one of --folds-file, --folds, --split, --holdout');
  const seed = int('--seed', f.seed ?? '0', 0);
  if (f.foldsFile) {
    if (!existsSync(f.foldsFile)) throw new UsageError(`--folds-file ${f.foldsFile}: no such file`);
    const { data, foldOfRow, folds } = await readFoldsFile(f.foldsFile);
    return { protocol: `folds-file:${f.foldsFile} (${folds} folds)`, splits: foldsFromAssignment(foldOfRow)(data), data };
  }
  if (f.split) {
    if (f.dataset !== 'ml-100k') throw new UsageError('--split needs --dataset ml-100k');
    if (!(MOVIELENS_100K_SPLITS as readonly string[]).includes(f.split))
      throw new UsageError(`--split must be one of ${MOVIELENS_100K_SPLITS.join(', ')}`);
    const dir = findDataset('ml-100k', { dataDir: f.dataDir, cacheDir: f.cacheDir });
    const split = await readMovieLensSplit(dir, f.split as MovieLens100kSplitName);
    return { protocol: `split:${f.split}`, splits: [split] };
  }
  const ds = await loadCliDataset(f);
  if (f.holdout) {
    const ratio = Number(f.holdout);
    if (!(ratio > 0 && ratio < 1)) throw new UsageError(`--holdout must be a ratio in (0, 1), got "${f.holdout}"`);
    return { protocol: `holdout:${ratio} seed ${seed}`, splits: randomHoldout(ratio, seed)(ds.data), data: ds.data };
  }
  const k = int('--folds', f.folds ?? '5', 2);
  return { protocol: `kfold:${k} seed ${seed}`, splits: kFold(k, seed)(ds.data), data: ds.data };
}
