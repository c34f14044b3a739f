import { extname, join } from 'node:path';
import { InvalidParameterError } from '../errors.js';
import { IdMap } from '../data/id-map.js';
import type { Interactions } from '../data/interactions.js';
import {
  movieItemsParser,
  movieUsersParser,
  type MetadataResult,
  type MovieInfo,
  type MovieItemsFormat,
  type MovieUserInfo,
  type MovieUsersFormat,
} from '../data/movielens.js';
import {
  RatingsParser,
  type ColumnMapping,
  type ParseOptions,
  type ParseResult,
  type RatingsFormatName,
  type TableFormat,
} from '../data/parsers.js';
import type { Split } from '../data/split.js';
import { forEachLine, type TextEncoding } from './read-lines.js';

/** Options of the file readers: the parser's options plus the file's text encoding. */
export interface ReadOptions extends ParseOptions {
  /** Default 'utf8'. */
  encoding?: TextEncoding;
}

/**
 * Streams a ratings file into `Interactions`, line by line (the text is never held whole). `format` is a built-in
 * MovieLens format or a table format with a column mapping (CSV/TSV/JSONL/any delimiter). Errors name the file, line
 * and field; `skipBad` skips and counts bad lines instead. A bare column mapping picks the table kind from the file
 * extension (see `tableFor`).
 *
 * @example
 * const { data } = await readRatingsFile('ml-latest-small/ratings.csv', 'ml-latest');
 * const { data: d2, skipped } = await readRatingsFile('events.csv', { user: 'visitor', item: 'sku', timestamp: 'time' }, {
 *   skipBad: true,
 *   duplicates: 'last',
 * });
 */
export async function readRatingsFile(
  path: string,
  format: RatingsFormatName | TableFormat | ColumnMapping,
  opts: ReadOptions = {},
): Promise<ParseResult> {
  const parser = new RatingsParser(
    typeof format === 'object' && !('kind' in format) ? tableFor(path, format) : format,
    {
      file: path,
      ...opts,
    },
  );
  await forEachLine(path, (line) => parser.push(line), { encoding: opts.encoding });
  return parser.finish();
}

/**
 * The table format for a bare column mapping, from the file's extension: .csv → CSV, .jsonl/.ndjson/.json → JSONL,
 * anything else → TSV; CSV and TSV have a header line.
 *
 * @example
 * tableFor('events.csv', { user: 'u', item: 'i' }); // {kind: 'csv', header: true, columns: {user: 'u', item: 'i'}}
 */
export function tableFor(path: string, columns: ColumnMapping): TableFormat {
  const ext = extname(path).toLowerCase();
  const kind = ext === '.csv' ? 'csv' : ext === '.jsonl' || ext === '.ndjson' || ext === '.json' ? 'jsonl' : 'tsv';
  return kind === 'jsonl' ? { kind, columns } : { kind, header: true, columns };
}

/** Streams a MovieLens movie file (`u.item`, `movies.csv`, `movies.dat`) into a map by movie id. */
export async function readMovieItems(
  path: string,
  format: MovieItemsFormat,
  opts: { skipBad?: boolean; encoding?: TextEncoding } = {},
): Promise<MetadataResult<MovieInfo>> {
  const p = movieItemsParser(format, { file: path, skipBad: opts.skipBad });
  // ML-100K and ML-1M metadata are latin-1 (titles such as "Misérables"); latest files are UTF-8.
  await forEachLine(path, (l) => p.push(l), {
    encoding: opts.encoding ?? (format === 'ml-latest' ? 'utf8' : 'latin1'),
  });
  return p.finish();
}

/** Streams a MovieLens user file (`u.user`, `users.dat`) into a map by user id. */
export async function readMovieUsers(
  path: string,
  format: MovieUsersFormat,
  opts: { skipBad?: boolean; encoding?: TextEncoding } = {},
): Promise<MetadataResult<MovieUserInfo>> {
  const p = movieUsersParser(format, { file: path, skipBad: opts.skipBad });
  await forEachLine(path, (l) => p.push(l), { encoding: opts.encoding ?? 'latin1' });
  return p.finish();
}

/** A MovieLens dataset: ratings plus movie (and, where published, user) metadata keyed by raw id. */
export interface MovieLensData {
  ratings: Interactions;
  items: Map<number, MovieInfo>;
  users?: Map<number, MovieUserInfo>;
}

/**
 * Reads the MovieLens 100K directory: `u.data` (ratings), `u.item` (titles, years, genres) and `u.user` (age, gender,
 * occupation, zip). Ids are numbers as in the files.
 *
 * @example
 * const { ratings, items } = await readMovieLens100k('../shared/data/ml-100k');
 * ratings.length;        // 100000
 * items.get(1)!.title;   // 'Toy Story (1995)'
 */
export async function readMovieLens100k(
  dir: string,
  opts: Pick<ReadOptions, 'skipBad' | 'duplicates'> = {},
): Promise<MovieLensData & { users: Map<number, MovieUserInfo> }> {
  const [r, items, users] = await Promise.all([
    readRatingsFile(join(dir, 'u.data'), 'ml-100k', opts),
    readMovieItems(join(dir, 'u.item'), 'ml-100k', opts),
    readMovieUsers(join(dir, 'u.user'), 'ml-100k', opts),
  ]);
  return { ratings: r.data, items: items.records, users: users.records };
}

/** The canonical ML-100K splits shipped in the archive: u1..u5 (5-fold, disjoint tests) and ua/ub (10 per user). */
export const MOVIELENS_100K_SPLITS = ['u1', 'u2', 'u3', 'u4', 'u5', 'ua', 'ub'] as const;
export type MovieLens100kSplitName = (typeof MOVIELENS_100K_SPLITS)[number];

/**
 * Reads one canonical ML-100K split (`<name>.base` as train, `<name>.test` as test) with shared id maps, so a user
 * has the same index in both.
 *
 * @example
 * const split = await readMovieLensSplit('../shared/data/ml-100k', 'u1'); // 80000 train, 20000 test rows
 */
export async function readMovieLensSplit(dir: string, name: MovieLens100kSplitName): Promise<Split> {
  if (!(MOVIELENS_100K_SPLITS as readonly string[]).includes(name))
    throw new InvalidParameterError(`unknown MovieLens split "${name}"; valid: ${MOVIELENS_100K_SPLITS.join(', ')}`);
  const userIds = new IdMap(),
    itemIds = new IdMap();
  // Sequential on purpose: the test file extends the id maps the base file started.
  const train = await readRatingsFile(join(dir, `${name}.base`), 'ml-100k', { userIds, itemIds });
  const test = await readRatingsFile(join(dir, `${name}.test`), 'ml-100k', { userIds, itemIds });
  return { name, train: train.data, test: test.data };
}

/** A fold file's rows and each row's fold. */
export interface FoldsFile {
  data: Interactions;
  /** 0-based fold of each row (feed to `foldsFromAssignment`). */
  foldOfRow: Int32Array;
  /** Number of folds (max fold + 1). */
  folds: number;
}

/**
 * Reads a fold-assignment file: a TSV with a header naming `user`, `item`, `rating`, `timestamp` and `fold`
 * columns, one row per rating (e.g. ML-100K `u.data` rows with the fold Surprise's `KFold(5, random_state=0)`
 * gave each). Column names can be changed with `columns`/`foldColumn`. Rows keep file order and duplicates are kept,
 * so `foldsFromAssignment(foldOfRow)(data)` reproduces the file's folds exactly.
 *
 * @example
 * const { data, foldOfRow } = await readFoldsFile('ml-100k-folds/kfold5_seed0.tsv');
 * const splits = foldsFromAssignment(foldOfRow)(data); // Surprise's 5 folds
 */
export async function readFoldsFile(
  path: string,
  opts: { columns?: TableFormat['columns']; foldColumn?: string; delimiter?: string } = {},
): Promise<FoldsFile> {
  const foldColumn = opts.foldColumn ?? 'fold';
  const columns = opts.columns ?? { user: 'user', item: 'item', value: 'rating', timestamp: 'timestamp' };
  const res = await readRatingsFile(path, {
    kind: 'tsv',
    delimiter: opts.delimiter ?? '\t',
    header: true,
    columns,
    extras: { fold: { column: foldColumn, integer: true, min: 0 } },
  });
  const foldOfRow = Int32Array.from(res.extras.fold);
  let folds = 0;
  for (let r = 0; r < foldOfRow.length; r++) if (foldOfRow[r] + 1 > folds) folds = foldOfRow[r] + 1;
  return { data: res.data, foldOfRow, folds };
}
