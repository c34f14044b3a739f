import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { extname } from 'node:path';
import { Option, type Command } from 'commander';
import {
  binarize,
  foldsFromAssignment,
  leaveLastOut,
  stratifiedSplit,
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
  protocol?: string;
  test?: string;
  implicit?: boolean;
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
    .addOption(
      new Option('--kind <kind>', 'synthetic: rating or implicit').choices(['rating', 'implicit']).default('rating'),
    )
    .option('--seed <n>', 'seed for synthetic data and random splits', '0');
}

export function addProtocolOptions(cmd: Command): Command {
  return cmd
    .option('--folds-file <file>', 'a TSV of ratings with a `fold` column (exact folds, e.g. Surprise’s)')
    .option('--folds <n>', 'k-fold cross-validation over ratings (seeded by --seed)')
    .option('--split <name>', `a canonical MovieLens 100K split: ${MOVIELENS_100K_SPLITS.join(', ')}`)
    .option('--holdout <ratio>', 'one random holdout with this test ratio (seeded by --seed)')
    .addOption(
      new Option(
        '--protocol <name>',
        'msr: Microsoft Recommenders ML-100K (per-item stratified 75/25, seed 42); leave-last-out; ' +
          'ratio: random holdout of --test (default 0.2); stratified: per-user stratified holdout of --test; ' +
          'cold-items: rank held-out items nobody interacted with (--test-items); cold-users: held-out users with ' +
          '--known interactions (--test-users, --onboard)',
      ).choices(['msr', 'leave-last-out', 'ratio', 'stratified', 'cold-items', 'cold-users']),
    )
    .option('--test-items <ratio>', 'cold-items: share of items held out', '0.2')
    .option('--test-users <ratio>', 'cold-users: share of users held out', '0.2')
    .option('--known <n>', 'cold-users: interactions of each cold user given to the model (by time)', '5')
    .option('--onboard', 'cold-users: train without the cold users and onboard each from their known items')
    .option('--test <ratio>', 'test share for --protocol ratio|stratified', '0.2')
    .option('--implicit', 'treat every interaction as a positive with value 1 (train and test)');
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

const ROLE_NAMES: Record<string, string[]> = {
  user: ['user', 'userid', 'user_id', 'visitor', 'visitorid', 'customer', 'customer_id'],
  item: ['item', 'itemid', 'item_id', 'movieid', 'movie_id', 'product', 'product_id', 'sku'],
  value: ['rating', 'value', 'score', 'weight', 'count'],
  timestamp: ['timestamp', 'time', 'ts', 'date', 'datetime', 'created_at'],
};

/** Format of a ratings file by its extension; columns from `--columns`, else guessed from the header's names. */
function fileFormat(path: string, columns: string | undefined): TableFormat {
  const ext = extname(path).toLowerCase();
  const kind = ext === '.jsonl' || ext === '.ndjson' ? 'jsonl' : ext === '.tsv' ? 'tsv' : 'csv';
  const mapping: Record<string, string> = {};
  if (columns) {
    for (const part of columns.split(',')) {
      const [k, v] = part.split('=');
      if (!(k in ROLE_NAMES) || !v)
        throw new UsageError(`--columns expects user=COL,item=COL[,value=COL][,timestamp=COL], got "${part}"`);
      mapping[k] = v;
    }
  } else {
    const names = headerNames(path, kind);
    for (const [role, candidates] of Object.entries(ROLE_NAMES)) {
      const found = names.find((n) => candidates.includes(n.toLowerCase()));
      if (found !== undefined) mapping[role] = found;
    }
  }
  if (!mapping.user || !mapping.item)
    throw new UsageError(
      `${path}: cannot tell which columns hold users and items; pass --columns user=COL,item=COL[,value=COL][,timestamp=COL]`,
    );
  return { kind, header: kind !== 'jsonl', columns: mapping as unknown as TableFormat['columns'] };
}

/** The column names of a file's first line (CSV/TSV header, or the keys of the first JSON object). */
function headerNames(path: string, kind: 'csv' | 'tsv' | 'jsonl'): string[] {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(65536);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const first = buf.toString('utf8', 0, n).split(/\r?\n/)[0] ?? '';
    if (kind === 'jsonl') {
      try {
        return Object.keys(JSON.parse(first));
      } catch {
        return [];
      }
    }
    return first.split(kind === 'tsv' ? '\t' : ',').map((c) => c.trim().replace(/^"|"$/g, ''));
  } finally {
    closeSync(fd);
  }
}

/** Resolves the protocol flags into splits and a description (default: 5-fold CV seeded by --seed). */
export async function protocolSplits(
  f: DatasetFlags & ProtocolFlags,
): Promise<{ protocol: string; splits: Split[]; data?: Interactions }> {
  const res = await chooseSplits(f);
  if (!f.implicit) return res;
  // Confidence 1 on every interaction: the implicit-feedback view of a rating dataset (e.g. implicit's u1 protocol).
  const ones = (d: Interactions) => binarize(d, { threshold: -Infinity });
  return {
    protocol: `${res.protocol} implicit`,
    splits: res.splits.map((s) => ({ name: s.name, train: ones(s.train), test: ones(s.test) })),
    data: res.data ? ones(res.data) : undefined,
  };
}

async function chooseSplits(
  f: DatasetFlags & ProtocolFlags,
): Promise<{ protocol: string; splits: Split[]; data?: Interactions }> {
  const chosen = [f.foldsFile, f.folds, f.split, f.holdout, f.protocol].filter((x) => x !== undefined).length;
  if (chosen > 1) throw new UsageError('choose one of --folds-file, --folds, --split, --holdout, --protocol');
  const seed = int('--seed', f.seed ?? '0', 0);
  if (f.foldsFile) {
    if (!existsSync(f.foldsFile)) throw new UsageError(`--folds-file ${f.foldsFile}: no such file`);
    const { data, foldOfRow, folds } = await readFoldsFile(f.foldsFile);
    return {
      protocol: `folds-file:${f.foldsFile} (${folds} folds)`,
      splits: foldsFromAssignment(foldOfRow)(data),
      data,
    };
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
  if (f.protocol) {
    const test = Number(f.test ?? '0.2');
    if (!(test > 0 && test < 1)) throw new UsageError(`--test must be a ratio in (0, 1), got "${f.test}"`);
    const splitter =
      f.protocol === 'msr'
        ? stratifiedSplit({ ratio: 0.75, by: 'item', seed: 42 })
        : f.protocol === 'leave-last-out'
          ? leaveLastOut()
          : f.protocol === 'ratio'
            ? randomHoldout(test, seed)
            : stratifiedSplit({ ratio: 1 - test, by: 'user', seed });
    return {
      protocol: f.protocol === 'msr' ? 'msr (stratified by item 0.75, seed 42)' : f.protocol,
      splits: splitter(ds.data),
      data: ds.data,
    };
  }
  if (f.holdout) {
    const ratio = Number(f.holdout);
    if (!(ratio > 0 && ratio < 1)) throw new UsageError(`--holdout must be a ratio in (0, 1), got "${f.holdout}"`);
    return { protocol: `holdout:${ratio} seed ${seed}`, splits: randomHoldout(ratio, seed)(ds.data), data: ds.data };
  }
  const k = int('--folds', f.folds ?? '5', 2);
  return { protocol: `kfold:${k} seed ${seed}`, splits: kFold(k, seed)(ds.data), data: ds.data };
}
