import { DataFormatError } from '../errors.js';
import { splitQuoted } from './delimited.js';

/** One movie of a MovieLens catalogue. */
export interface MovieInfo {
  id: number;
  title: string;
  /** Release year from the release date (ML-100K) or the "(1995)" suffix of the title; null when unknown. */
  year: number | null;
  genres: string[];
  /** ML-100K only: release date as written ("01-Jan-1995") and IMDb URL. */
  releaseDate?: string;
  url?: string;
}

/** One MovieLens user (ML-100K `u.user`, ML-1M `users.dat`; ML-1M age and occupation are codes, see its README). */
export interface MovieUserInfo {
  id: number;
  age: number;
  gender: string;
  occupation: string;
  zip: string;
}

/** The 19 genre flags of ML-100K `u.item`, in column order (from `u.genre`). */
export const ML100K_GENRES = [
  'unknown',
  'Action',
  'Adventure',
  'Animation',
  "Children's",
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
] as const;

/** Metadata file kinds: ML-100K `u.item`/`u.user`, latest `movies.csv`, ML-1M/10M `movies.dat`/`users.dat`. */
export type MovieItemsFormat = 'ml-100k' | 'ml-latest' | 'ml-1m';
export type MovieUsersFormat = 'ml-100k' | 'ml-1m';

/** What a metadata parse produced. */
export interface MetadataResult<T> {
  records: Map<number, T>;
  lines: number;
  skipped: number;
  firstErrors: DataFormatError[];
}

type Fail = (reason: string, field?: string) => never;
type LineFn<T> = (line: string, fail: Fail) => T & { id: number };

/**
 * A streaming parser of one metadata file (one record per line, keyed by numeric id). Same error contract as
 * `RatingsParser`: a bad line throws `DataFormatError` with file, line and field, or is skipped with `skipBad`.
 * Build one with `movieItemsParser` or `movieUsersParser`.
 *
 * @example
 * const p = movieItemsParser('ml-1m');
 * p.push('1::Toy Story (1995)::Animation|Children\'s|Comedy');
 * p.finish().records.get(1)!.year; // 1995
 */
export class MetadataParser<T> {
  private readonly records = new Map<number, T>();
  private lineNo = 0;
  private skipped = 0;
  private readonly errors: DataFormatError[] = [];
  private needHeader: boolean;

  constructor(
    private readonly parseLine: LineFn<T>,
    private readonly opts: { file?: string; skipBad?: boolean; maxErrors?: number; header?: boolean } = {},
  ) {
    this.needHeader = opts.header ?? false;
  }

  push(line: string): void {
    const lineNo = ++this.lineNo;
    if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.trim().length === 0) return;
    if (this.needHeader) {
      this.needHeader = false;
      return;
    }
    const fail: Fail = (reason, field) => {
      throw new DataFormatError(reason, { file: this.opts.file, line: lineNo, field });
    };
    try {
      const rec = this.parseLine(line, fail);
      if (this.records.has(rec.id)) fail(`duplicate id ${rec.id}`, 'id');
      this.records.set(rec.id, rec);
    } catch (e) {
      if (!(e instanceof DataFormatError) || !this.opts.skipBad) throw e;
      this.skipped++;
      if (this.errors.length < (this.opts.maxErrors ?? 10)) this.errors.push(e);
    }
  }

  finish(): MetadataResult<T> {
    return { records: this.records, lines: this.lineNo, skipped: this.skipped, firstErrors: this.errors };
  }
}

/**
 * Parser of a MovieLens movie file: ML-100K `u.item` (pipe-separated, latin-1: id, title, release date, video date,
 * URL, 19 genre flags), latest `movies.csv` (header; `movieId,title,genres`, RFC 4180 quoting), ML-1M/10M `movies.dat`
 * (`MovieID::Title::Genres`). Genres come as names.
 *
 * @example
 * const p = movieItemsParser('ml-100k', { file: 'u.item' });
 * p.push('1|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0');
 * p.finish().records.get(1); // {id: 1, title: 'Toy Story (1995)', year: 1995, genres: ['Animation', "Children's", 'Comedy'], …}
 */
export function movieItemsParser(
  format: MovieItemsFormat,
  opts: { file?: string; skipBad?: boolean; maxErrors?: number } = {},
): MetadataParser<MovieInfo> {
  if (format === 'ml-100k') return new MetadataParser(parseUItem, opts);
  if (format === 'ml-latest') return new MetadataParser(parseMoviesCsv, { ...opts, header: true });
  return new MetadataParser(parseMoviesDat, opts);
}

/**
 * Parser of a MovieLens user file: ML-100K `u.user` (`id|age|gender|occupation|zip`) or ML-1M `users.dat`
 * (`UserID::Gender::Age::Occupation::Zip-code`).
 *
 * @example
 * const p = movieUsersParser('ml-100k');
 * p.push('1|24|M|technician|85711');
 * p.finish().records.get(1)!.occupation; // 'technician'
 */
export function movieUsersParser(
  format: MovieUsersFormat,
  opts: { file?: string; skipBad?: boolean; maxErrors?: number } = {},
): MetadataParser<MovieUserInfo> {
  return new MetadataParser(format === 'ml-100k' ? parseUUser : parseUsersDat, opts);
}

const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';

function intField(tok: string, field: string, fail: Fail): number {
  const x = Number(tok);
  if (tok.trim().length === 0 || !Number.isInteger(x)) fail(`${JSON.stringify(tok)} is not an integer`, field);
  return x;
}

function yearFromTitle(title: string): number | null {
  const m = /\((\d{4})(?:[–-]\d{0,4})?\)\s*$/.exec(title);
  return m ? Number(m[1]) : null;
}

function parseUItem(line: string, fail: Fail): MovieInfo {
  const f = line.split('|');
  if (f.length !== 5 + ML100K_GENRES.length)
    fail(`expected ${5 + ML100K_GENRES.length} fields separated by "|", found ${f.length}`);
  const id = intField(f[0], 'id', fail);
  const releaseDate = f[2];
  let year: number | null = null;
  if (releaseDate) {
    const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(releaseDate);
    if (!m || MONTHS.indexOf(m[2]) < 0)
      fail(`release date ${JSON.stringify(releaseDate)} is not like 01-Jan-1995`, 'release date');
    year = Number(m![3]);
  } else year = yearFromTitle(f[1]);
  const genres: string[] = [];
  for (let g = 0; g < ML100K_GENRES.length; g++) {
    const flag = f[5 + g];
    if (flag === '1') genres.push(ML100K_GENRES[g]);
    else if (flag !== '0') fail(`genre flag ${JSON.stringify(flag)} is not 0 or 1`, ML100K_GENRES[g]);
  }
  return { id, title: f[1], year, genres, releaseDate, url: f[4] };
}

function splitGenres(s: string): string[] {
  return s === '' || s === '(no genres listed)' ? [] : s.split('|');
}

function parseMoviesCsv(line: string, fail: Fail): MovieInfo {
  const s = splitQuoted(line, ',');
  if (!s.ok) return fail(s.open ? 'unterminated quoted field' : s.reason);
  if (s.fields.length !== 3) fail(`expected 3 fields (movieId,title,genres), found ${s.fields.length}`);
  const [idTok, title, genres] = s.fields;
  return { id: intField(idTok, 'movieId', fail), title, year: yearFromTitle(title), genres: splitGenres(genres) };
}

function parseMoviesDat(line: string, fail: Fail): MovieInfo {
  const f = line.split('::');
  if (f.length !== 3) fail(`expected 3 fields separated by "::", found ${f.length}`);
  return { id: intField(f[0], 'MovieID', fail), title: f[1], year: yearFromTitle(f[1]), genres: splitGenres(f[2]) };
}

function parseUUser(line: string, fail: Fail): MovieUserInfo {
  const f = line.split('|');
  if (f.length !== 5) fail(`expected 5 fields separated by "|", found ${f.length}`);
  return {
    id: intField(f[0], 'id', fail),
    age: intField(f[1], 'age', fail),
    gender: f[2],
    occupation: f[3],
    zip: f[4],
  };
}

function parseUsersDat(line: string, fail: Fail): MovieUserInfo {
  const f = line.split('::');
  if (f.length !== 5) fail(`expected 5 fields separated by "::", found ${f.length}`);
  return {
    id: intField(f[0], 'UserID', fail),
    gender: f[1],
    age: intField(f[2], 'Age', fail),
    occupation: f[3],
    zip: f[4],
  };
}
