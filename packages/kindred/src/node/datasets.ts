import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataNotFoundError, DownloadError, InvalidParameterError } from '../errors.js';
import { readMovieItems, readMovieLens100k, readMovieUsers, readRatingsFile, type MovieLensData } from './readers.js';
import { listZip, unzipToDir } from './zip.js';

/** Datasets Kindred knows how to fetch and load. */
export type DatasetName = 'ml-100k' | 'ml-latest-small' | 'ml-1m';

/** Where a dataset comes from and what a complete copy contains. */
export interface DatasetSource {
  url: string;
  /** SHA-256 of the zip, hex. */
  sha256: string;
  /** Size of the zip in bytes, when known (checked before hashing). */
  size?: number;
  /** Files that must be present in `<dir>/<name>/` for the copy to count as complete. */
  files: readonly string[];
}

/*
 * Checksums: SHA-256 and sizes as published in tensorflow/datasets `tensorflow_datasets/url_checksums/movielens.txt`.
 * The MD5s GroupLens publishes next to each zip (`<name>.zip.md5`) agree with those in e.g.
 * eli-osherovich/papers_with_code `datasets/movielens/dl_config.py`: ml-100k 0e33842e24a9c977be4e0107933c0723,
 * ml-1m c4d9eecfca2ab87c1945afe126590906. ml-latest-small is the 2018 snapshot (978202 bytes); GroupLens may
 * refresh it, in which case the check fails loudly and the message says how to place the files by hand.
 */
const GROUPLENS = 'https://files.grouplens.org/datasets/movielens';

/**
 * The MovieLens datasets Kindred can fetch.
 *
 * @example
 * DATASETS['ml-100k'].url; // 'https://files.grouplens.org/datasets/movielens/ml-100k.zip'
 */
export const DATASETS: Readonly<Record<DatasetName, DatasetSource>> = {
  'ml-100k': {
    url: `${GROUPLENS}/ml-100k.zip`,
    sha256: '50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229',
    size: 4924029,
    files: ['u.data', 'u.item', 'u.user'],
  },
  'ml-latest-small': {
    url: `${GROUPLENS}/ml-latest-small.zip`,
    sha256: '696d65a3dfceac7c45750ad32df2c259311949efec81f0f144fdfb91ebc9e436',
    size: 978202,
    files: ['ratings.csv', 'movies.csv'],
  },
  'ml-1m': {
    url: `${GROUPLENS}/ml-1m.zip`,
    sha256: 'a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20',
    size: 5917549,
    files: ['ratings.dat', 'movies.dat', 'users.dat'],
  },
};

function datasetSource(name: string): DatasetSource {
  const src = (DATASETS as Record<string, DatasetSource>)[name];
  if (!src) throw new InvalidParameterError(`unknown dataset "${name}"; valid: ${Object.keys(DATASETS).join(', ')}`);
  return src;
}

/** Environment variables read here (injectable for tests). */
export interface DataEnv {
  KINDRED_DATA_DIR?: string;
  KINDRED_CACHE_DIR?: string;
  [key: string]: string | undefined;
}

/**
 * The data directory to look in: `dataDir` if given (e.g. `--data-dir`), else `KINDRED_DATA_DIR`, else
 * `../shared/data` relative to `cwd` when it exists; undefined when none applies (then only the cache is searched).
 *
 * @example
 * resolveDataDir({ dataDir: '/data' });        // '/data'
 * resolveDataDir({ env: {} , cwd: '/work/main' }); // '/work/shared/data' if it exists
 */
export function resolveDataDir(opts: { dataDir?: string; env?: DataEnv; cwd?: string } = {}): string | undefined {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  if (opts.dataDir) return resolve(cwd, opts.dataDir);
  if (env.KINDRED_DATA_DIR) return resolve(cwd, env.KINDRED_DATA_DIR);
  const shared = resolve(cwd, '../shared/data');
  return existsSync(shared) ? shared : undefined;
}

/**
 * The download cache: `cacheDir` if given, else `KINDRED_CACHE_DIR`, else `~/.cache/kindred`.
 *
 * @example
 * resolveCacheDir({ env: { KINDRED_CACHE_DIR: '/tmp/k' } }); // '/tmp/k'
 */
export function resolveCacheDir(opts: { cacheDir?: string; env?: DataEnv } = {}): string {
  const env = opts.env ?? process.env;
  return resolve(opts.cacheDir ?? env.KINDRED_CACHE_DIR ?? join(homedir(), '.cache', 'kindred'));
}

function isComplete(dir: string, files: readonly string[]): boolean {
  return files.every((f) => {
    try {
      return statSync(join(dir, f)).isFile();
    } catch {
      return false;
    }
  });
}

/** How to put a dataset in place by hand; used in every not-found and download error. */
function manualHint(name: string, src: DatasetSource, cacheDir: string): string {
  return (
    `To install it by hand, download ${src.url} on a machine with internet access and unzip it so that ` +
    `${join(cacheDir, name, src.files[0])} exists (layout: <DIR>/${name}/{${src.files.join(',')}}), ` +
    `or unzip it into any <DIR> and pass --data-dir <DIR> or set KINDRED_DATA_DIR=<DIR> ` +
    `(<DIR> may also be the ${name} folder itself).`
  );
}

/** Options of `findDataset` and `loadDataset`. */
export interface LocateOptions {
  dataDir?: string;
  cacheDir?: string;
  env?: DataEnv;
  cwd?: string;
}

/**
 * The directory holding a complete copy of `name`: `<dataDir>/<name>` (see `resolveDataDir`), else `<dataDir>`
 * itself (a data dir that is the dataset's own folder, e.g. `--data-dir ../shared/data/ml-100k`), else
 * `<cacheDir>/<name>`. Throws `DataNotFoundError` saying where it looked and how to install the files.
 *
 * @example
 * findDataset('ml-100k', { dataDir: '../shared/data' }); // '/work/shared/data/ml-100k'
 * findDataset('ml-100k', { dataDir: '../shared/data/ml-100k' }); // '/work/shared/data/ml-100k'
 */
export function findDataset(name: DatasetName, opts: LocateOptions = {}): string {
  const src = datasetSource(name);
  const dataDir = resolveDataDir(opts);
  const cacheDir = resolveCacheDir(opts);
  // The parent layout first: a folder holding several datasets may also hold loose files of one of them.
  const candidates = [...(dataDir ? [join(dataDir, name), dataDir] : []), join(cacheDir, name)];
  for (const dir of candidates) if (isComplete(dir, src.files)) return dir;
  throw new DataNotFoundError(
    `dataset ${name} not found (looked in ${candidates.join(', ')}). Run \`kindred data fetch ${name}\`. ` +
      manualHint(name, src, cacheDir),
    { name, candidates },
  );
}

/** A loaded dataset. */
export interface LoadedDataset extends MovieLensData {
  name: DatasetName;
  dir: string;
}

/**
 * Finds and reads a dataset: ratings as `Interactions` plus movie (and user) metadata. With `download`, a dataset that
 * is not found is fetched into the cache first.
 *
 * @example
 * const { ratings, items } = await loadDataset('ml-100k', { dataDir: '../shared/data' });
 */
export async function loadDataset(
  name: DatasetName,
  opts: LocateOptions & { download?: boolean; skipBad?: boolean } = {},
): Promise<LoadedDataset> {
  let dir: string;
  try {
    dir = findDataset(name, opts);
  } catch (e) {
    if (!(e instanceof DataNotFoundError) || !opts.download) throw e;
    dir = await fetchDataset(name, opts);
  }
  const skip = { skipBad: opts.skipBad };
  if (name === 'ml-100k') return { name, dir, ...(await readMovieLens100k(dir, skip)) };
  if (name === 'ml-latest-small') {
    const [r, items] = await Promise.all([
      readRatingsFile(join(dir, 'ratings.csv'), 'ml-latest', skip),
      readMovieItems(join(dir, 'movies.csv'), 'ml-latest', skip),
    ]);
    return { name, dir, ratings: r.data, items: items.records };
  }
  const [r, items, users] = await Promise.all([
    readRatingsFile(join(dir, 'ratings.dat'), 'ml-1m', skip),
    readMovieItems(join(dir, 'movies.dat'), 'ml-1m', skip),
    readMovieUsers(join(dir, 'users.dat'), 'ml-1m', skip),
  ]);
  return { name, dir, ratings: r.data, items: items.records, users: users.records };
}

/** Options of `fetchDataset`. */
export interface FetchOptions {
  cacheDir?: string;
  env?: DataEnv;
  /** Give up when connecting or when no bytes arrive for this long (default 15 s). */
  timeoutMs?: number;
  /** Download again even when a valid copy is cached. */
  force?: boolean;
  /** Replaces the URL/checksum (mirrors, tests). */
  source?: Partial<DatasetSource>;
  /** Called as bytes arrive (for a progress bar). */
  onProgress?: (received: number, total: number | undefined) => void;
}

const MARKER = '.kindred-sha256';

/**
 * Downloads a MovieLens zip into the cache (`~/.cache/kindred`, `KINDRED_CACHE_DIR` or `cacheDir`), checks its
 * SHA-256, and unzips it to `<cacheDir>/<name>/`; returns that directory. A copy already there with a matching
 * checksum marker is reused. Nothing half-written is left: the zip goes to a temporary file and the extracted folder
 * is renamed into place only after every check passed. Failures (offline, timeout, HTTP error, checksum mismatch)
 * throw `DownloadError` with the manual install instructions.
 *
 * @example
 * const dir = await fetchDataset('ml-100k'); // ~/.cache/kindred/ml-100k
 */
export async function fetchDataset(name: DatasetName, opts: FetchOptions = {}): Promise<string> {
  const src = { ...datasetSource(name), ...opts.source };
  const cacheDir = resolveCacheDir(opts);
  const finalDir = join(cacheDir, name);
  if (!opts.force && isComplete(finalDir, src.files)) {
    const marker = await readFile(join(finalDir, MARKER), 'utf8').catch(() => '');
    if (marker.trim() === src.sha256) return finalDir;
  }
  await mkdir(cacheDir, { recursive: true });
  const tag = `${process.pid}-${Date.now()}`;
  const zipPath = join(cacheDir, `.${name}.zip.${tag}.part`);
  const tmpDir = join(cacheDir, `.${name}.${tag}.tmp`);
  const fail = (what: string, cause?: unknown): DownloadError =>
    new DownloadError(`download of ${name} failed: ${what}. ${manualHint(name, src, cacheDir)}`, {
      name,
      url: src.url,
      cause: cause instanceof Error ? cause.message : cause,
    });
  try {
    const sha = await download(src.url, zipPath, opts.timeoutMs ?? 15_000, opts.onProgress, fail);
    if (src.size !== undefined && sha.size !== src.size)
      throw fail(`${src.url} gave ${sha.size} bytes, expected ${src.size}`);
    if (sha.hex !== src.sha256)
      throw fail(`checksum mismatch for ${src.url}: SHA-256 ${sha.hex}, expected ${src.sha256}`);
    const zip = await readFile(zipPath);
    // MovieLens zips hold one top folder named like the dataset; extract it, or the whole archive when flat.
    const nested = listZip(zip, src.url).every((e) => e.name.startsWith(`${name}/`));
    await unzipToDir(zip, nested ? tmpDir : join(tmpDir, name), src.url);
    const extracted = join(tmpDir, name);
    if (!isComplete(extracted, src.files)) throw fail(`the archive lacks ${src.files.join(', ')} under ${name}/`);
    await writeFile(join(extracted, MARKER), src.sha256 + '\n');
    await rm(finalDir, { recursive: true, force: true });
    await rename(extracted, finalDir);
    return finalDir;
  } catch (e) {
    if (e instanceof DownloadError) throw e;
    throw fail((e as Error).message, e);
  } finally {
    await rm(zipPath, { force: true });
    await rm(tmpDir, { recursive: true, force: true });
  }
}

/** Streams `url` to `path`, hashing as it goes; aborts when connecting or any pause exceeds `timeoutMs`. */
async function download(
  url: string,
  path: string,
  timeoutMs: number,
  onProgress: FetchOptions['onProgress'],
  fail: (what: string, cause?: unknown) => DownloadError,
): Promise<{ hex: string; size: number }> {
  const ctrl = new AbortController();
  let timer = setTimeout(() => ctrl.abort(), timeoutMs);
  const hash = createHash('sha256');
  const file = await open(path, 'w');
  let size = 0;
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal: ctrl.signal, redirect: 'follow' });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = ctrl.signal.aborted
        ? `no answer within ${timeoutMs} ms`
        : (cause?.code ?? cause?.message ?? (e as Error).message);
      throw fail(`could not reach ${url} (${why}); this machine may be offline`, e);
    }
    if (!res.ok || !res.body) throw fail(`${url} answered HTTP ${res.status}`);
    const total = Number(res.headers.get('content-length')) || undefined;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        clearTimeout(timer);
        timer = setTimeout(() => ctrl.abort(), timeoutMs);
        hash.update(chunk);
        await file.write(chunk);
        size += chunk.length;
        onProgress?.(size, total);
      }
    } catch (e) {
      throw fail(
        ctrl.signal.aborted ? `stalled for ${timeoutMs} ms after ${size} bytes` : `interrupted after ${size} bytes`,
        e,
      );
    }
    return { hex: hash.digest('hex'), size };
  } finally {
    clearTimeout(timer);
    await file.close();
  }
}
