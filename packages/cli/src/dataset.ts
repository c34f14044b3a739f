import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import {
  binarize,
  foldsFromAssignment,
  leaveLastOut,
  leaveLastOutValidTest,
  perUserRatioSplit,
  stratifiedSplit,
  kFold,
  randomHoldout,
  synthetic,
  type Interactions,
  type MovieInfo,
  type Split,
  type Splitter,
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
import { fileFormat } from './ratings-format.js';
import { readSplitFiles } from './split-files.js';
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
  kind?: 'rating' | 'implicit' | 'sequential';
  seed?: string;
  /** For a path: a column mapping "user=COL,item=COL[,value=COL][,timestamp=COL]". */
  columns?: string;
}

/** Flags that choose the evaluation protocol. */
export interface ProtocolFlags {
  protocol?: string;
  /** A ratio for --protocol ratio|stratified, or with `train` the test split's file. */
  test?: string;
  /** A user-made split: the training file (then `test` is a file too). */
  train?: string;
  /** With `train`: a validation file (eval reports it as its own row). */
  validation?: string;
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
      new Option(
        '--kind <kind>',
        'synthetic: rating (stars), implicit (value 1), or sequential (value 1, each next item following a hidden ' +
          'item-to-item chain from the previous one, timestamps in order: data for sequential models)',
      )
        .choices(['rating', 'implicit', 'sequential'])
        .default('rating'),
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
        'msr: Microsoft Recommenders ML-100K (per-item stratified 75/25, seed 42); leave-last-out: RecBole’s LS ' +
          'valid_and_test by time (per user: last = test, second-to-last = validation, rest train); ' +
          'leave-last-out-test-only: last = test, rest train (Kindred’s leave-last-out before issue 14); ' +
          'ratio-811: RecBole’s RS 8:1:1 per user, random order seeded by --seed; ' +
          'ratio: random holdout of --test (default 0.2); stratified: per-user stratified holdout of --test; ' +
          'cold-items: rank held-out items nobody interacted with (--test-items); cold-users: held-out users with ' +
          '--known interactions (--test-users, --onboard)',
      ).choices([
        'msr',
        'leave-last-out',
        'leave-last-out-test-only',
        'ratio-811',
        'ratio',
        'stratified',
        'cold-items',
        'cold-users',
      ]),
    )
    .option('--test-items <ratio>', 'cold-items: share of items held out', '0.2')
    .option('--test-users <ratio>', 'cold-users: share of users held out', '0.2')
    .option('--known <n>', 'cold-users: interactions of each cold user given to the model (by time)', '5')
    .option('--onboard', 'cold-users: train without the cold users and onboard each from their known items')
    .option(
      '--test <ratio|file>',
      'test share for --protocol ratio|stratified (default 0.2); with --train, the test file',
    )
    .option(
      '--train <file>',
      'a user-made split: train on this file and test on --test FILE (u.data format, or CSV/TSV/JSONL with a header); ' +
        'the test file’s ids map through the train file’s',
    )
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

/** Resolves the protocol flags into splits and a description (default: 5-fold CV seeded by --seed). */
export async function protocolSplits(f: DatasetFlags & ProtocolFlags): Promise<ChosenSplits> {
  const res = await chooseSplits(f);
  if (!f.implicit) return res;
  // Confidence 1 on every interaction: the implicit-feedback view of a rating dataset (e.g. implicit's u1 protocol).
  const ones = (d: Interactions) => binarize(d, { threshold: -Infinity });
  return {
    protocol: `${res.protocol} implicit`,
    splits: res.splits.map((s) => ({
      name: s.name,
      train: ones(s.train),
      test: ones(s.test),
      ...(s.validation ? { validation: ones(s.validation) } : {}),
    })),
    data: res.data ? ones(res.data) : undefined,
    validation: res.validation ? { ...res.validation, test: ones(res.validation.test) } : undefined,
  };
}

/** What the protocol flags resolve to. */
export interface ChosenSplits {
  protocol: string;
  splits: Split[];
  data?: Interactions;
  /** `--train … --validation FILE`: the training file with the validation file as its test part. */
  validation?: Split;
}

async function chooseSplits(f: DatasetFlags & ProtocolFlags): Promise<ChosenSplits> {
  const chosen = [f.foldsFile, f.folds, f.split, f.holdout, f.protocol, f.train].filter((x) => x !== undefined).length;
  if (chosen > 1) throw new UsageError('choose one of --folds-file, --folds, --split, --holdout, --protocol, --train');
  if (f.validation !== undefined && f.train === undefined) throw new UsageError('--validation needs --train');
  if (f.train !== undefined) {
    if (f.test === undefined) throw new UsageError('--train needs --test FILE');
    const files = await readSplitFiles(
      { train: f.train, test: f.test, validation: f.validation },
      { columns: f.columns, skipBad: f.skipBad },
    );
    return {
      protocol: `files: train ${f.train}, test ${f.test}` + (f.validation ? `, validation ${f.validation}` : ''),
      splits: [{ name: 'test', train: files.train, test: files.test }],
      validation: files.validation && { name: 'validation', train: files.train, test: files.validation },
    };
  }
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
    const { splitter, protocol } = protocolSplitter(f.protocol, test, seed);
    return { protocol, splits: splitter(ds.data), data: ds.data };
  }
  if (f.holdout) {
    const ratio = Number(f.holdout);
    if (!(ratio > 0 && ratio < 1)) throw new UsageError(`--holdout must be a ratio in (0, 1), got "${f.holdout}"`);
    return { protocol: `holdout:${ratio} seed ${seed}`, splits: randomHoldout(ratio, seed)(ds.data), data: ds.data };
  }
  const k = int('--folds', f.folds ?? '5', 2);
  return { protocol: `kfold:${k} seed ${seed}`, splits: kFold(k, seed)(ds.data), data: ds.data };
}

/** The splitter of a `--protocol` that splits the dataset, with the description the report prints. */
function protocolSplitter(name: string, test: number, seed: number): { splitter: Splitter; protocol: string } {
  switch (name) {
    case 'msr':
      return {
        splitter: stratifiedSplit({ ratio: 0.75, by: 'item', seed: 42 }),
        protocol: 'msr (stratified by item 0.75, seed 42)',
      };
    case 'leave-last-out':
      return {
        splitter: leaveLastOutValidTest(),
        protocol: 'leave-last-out (RecBole LS valid_and_test, order TO: last = test, second-to-last = validation)',
      };
    case 'leave-last-out-test-only':
      return { splitter: leaveLastOut(), protocol: 'leave-last-out-test-only (last = test, the rest trains)' };
    case 'ratio-811':
      return {
        splitter: perUserRatioSplit({ ratios: [0.8, 0.1, 0.1], seed }),
        protocol: `ratio-811 (RecBole RS 8:1:1 per user, random order, seed ${seed})`,
      };
    case 'ratio':
      return { splitter: randomHoldout(test, seed), protocol: 'ratio' };
    case 'stratified':
      return { splitter: stratifiedSplit({ ratio: 1 - test, by: 'user', seed }), protocol: 'stratified' };
    default:
      throw new UsageError(`--protocol ${name} does not split a dataset here`);
  }
}

/**
 * RecBole's protocols (a validation part; top-k task and RecBole's metrics by default). `leave-last-out-test-only`
 * keeps the behaviour `leave-last-out` had before issue 14: the model's own task and metrics.
 */
export const RECBOLE_PROTOCOLS: readonly string[] = ['leave-last-out', 'ratio-811'];
