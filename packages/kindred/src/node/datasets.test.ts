import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataNotFoundError, DownloadError } from '../errors.js';
import { fetchDataset, findDataset, loadDataset, resolveCacheDir, resolveDataDir } from './datasets.js';
import { buildZip } from './zip-builder.case.js';

const root = mkdtempSync(join(tmpdir(), 'kindred-datasets-'));
const U_DATA = '1\t10\t4\t100\n2\t10\t3\t200\n2\t20\t5\t300\n';
const U_ITEM = ['10', '20'].map((id) => `${id}|Film ${id} (1990)|01-Jan-1990||u|${'0|'.repeat(18)}1`).join('\n') + '\n';
const U_USER = '1|30|F|artist|1\n2|40|M|doctor|2\n';
const zip = buildZip({ 'ml-100k/': '', 'ml-100k/u.data': U_DATA, 'ml-100k/u.item': U_ITEM, 'ml-100k/u.user': U_USER });
const sha = createHash('sha256').update(zip).digest('hex');

let server: Server;
let base = '';
let hits = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    if (req.url === '/ml-100k.zip') {
      res.writeHead(200, { 'content-length': zip.length });
      res.end(zip);
    } else if (req.url === '/stall.zip') {
      res.writeHead(200);
      res.write(zip.subarray(0, 10)); // then nothing: the idle timeout must fire
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(root, { recursive: true, force: true });
});

/** A port nothing listens on: bind, read the port, close. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function freshCache(name: string): string {
  return join(root, name);
}

describe('resolveDataDir / resolveCacheDir', () => {
  it('prefers the option, then KINDRED_DATA_DIR, then ../shared/data when it exists', () => {
    const cwd = join(root, 'proj', 'main');
    mkdirSync(cwd, { recursive: true });
    expect(resolveDataDir({ dataDir: 'd', env: { KINDRED_DATA_DIR: '/e' }, cwd })).toBe(join(cwd, 'd'));
    expect(resolveDataDir({ env: { KINDRED_DATA_DIR: '/e' }, cwd })).toBe('/e');
    expect(resolveDataDir({ env: {}, cwd })).toBeUndefined();
    mkdirSync(join(root, 'proj', 'shared', 'data'), { recursive: true });
    expect(resolveDataDir({ env: {}, cwd })).toBe(join(root, 'proj', 'shared', 'data'));
    expect(resolveCacheDir({ env: { KINDRED_CACHE_DIR: '/c' } })).toBe('/c');
    expect(resolveCacheDir({ cacheDir: '/x', env: { KINDRED_CACHE_DIR: '/c' } })).toBe('/x');
    expect(resolveCacheDir({ env: {} })).toMatch(/\.cache[/\\]kindred$/);
  });
});

describe('findDataset / loadDataset', () => {
  it('says where it looked and how to install when missing', () => {
    const cacheDir = freshCache('empty-cache');
    let err: unknown;
    try {
      findDataset('ml-100k', { dataDir: join(root, 'nowhere'), cacheDir, env: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataNotFoundError);
    const msg = (err as Error).message;
    expect(msg).toContain(join(root, 'nowhere', 'ml-100k'));
    expect(msg).toContain('kindred data fetch ml-100k');
    expect(msg).toContain(join(cacheDir, 'ml-100k', 'u.data'));
    expect(msg).toContain('--data-dir');
    expect(msg).toContain('KINDRED_DATA_DIR');
  });

  it('loads ml-100k from a data dir', async () => {
    const dataDir = join(root, 'data');
    mkdirSync(join(dataDir, 'ml-100k'), { recursive: true });
    writeFileSync(join(dataDir, 'ml-100k', 'u.data'), U_DATA);
    writeFileSync(join(dataDir, 'ml-100k', 'u.item'), U_ITEM);
    writeFileSync(join(dataDir, 'ml-100k', 'u.user'), U_USER);
    const ds = await loadDataset('ml-100k', { dataDir, cacheDir: freshCache('unused'), env: {} });
    expect(ds.dir).toBe(join(dataDir, 'ml-100k'));
    expect(ds.ratings.length).toBe(3);
    expect(ds.items.get(20)).toMatchObject({ title: 'Film 20 (1990)', year: 1990, genres: ['Western'] });
    expect(ds.users!.get(2)!.occupation).toBe('doctor');
  });

  it('accepts a data dir that is the dataset folder itself (DIR/u.data), as well as its parent', async () => {
    const dataDir = join(root, 'data-self', 'ml-100k');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'u.data'), U_DATA);
    writeFileSync(join(dataDir, 'u.item'), U_ITEM);
    writeFileSync(join(dataDir, 'u.user'), U_USER);
    const cacheDir = freshCache('unused-self');
    expect(findDataset('ml-100k', { dataDir, cacheDir, env: {} })).toBe(dataDir);
    expect(findDataset('ml-100k', { dataDir: join(root, 'data-self'), cacheDir, env: {} })).toBe(dataDir);
    expect(findDataset('ml-100k', { env: { KINDRED_DATA_DIR: dataDir }, cacheDir })).toBe(dataDir);
    const ds = await loadDataset('ml-100k', { dataDir, cacheDir, env: {} });
    expect(ds.dir).toBe(dataDir);
    expect(ds.ratings.length).toBe(3);
  });

  it('loads ml-latest-small and ml-1m layouts', async () => {
    const dataDir = join(root, 'data2');
    mkdirSync(join(dataDir, 'ml-latest-small'), { recursive: true });
    writeFileSync(
      join(dataDir, 'ml-latest-small', 'ratings.csv'),
      'userId,movieId,rating,timestamp\n1,1,4.0,964982703\n',
    );
    writeFileSync(
      join(dataDir, 'ml-latest-small', 'movies.csv'),
      'movieId,title,genres\n1,Toy Story (1995),Animation|Comedy\n',
    );
    mkdirSync(join(dataDir, 'ml-1m'), { recursive: true });
    writeFileSync(join(dataDir, 'ml-1m', 'ratings.dat'), '1::1193::5::978300760\n');
    writeFileSync(join(dataDir, 'ml-1m', 'movies.dat'), '1193::Cuckoo (1975)::Drama\n');
    writeFileSync(join(dataDir, 'ml-1m', 'users.dat'), '1::F::1::10::48067\n');
    const small = await loadDataset('ml-latest-small', { dataDir, env: {} });
    expect(small.ratings.values[0]).toBe(4);
    expect(small.items.get(1)!.genres).toEqual(['Animation', 'Comedy']);
    const one = await loadDataset('ml-1m', { dataDir, env: {} });
    expect(one.items.get(1193)!.year).toBe(1975);
    expect(one.users!.get(1)!.gender).toBe('F');
  });
});

describe('fetchDataset', () => {
  it('offline: fails fast with a DownloadError that says where to put the files', async () => {
    const cacheDir = freshCache('offline');
    const url = `http://127.0.0.1:${await closedPort()}/ml-100k.zip`;
    // A timeout far above the test's own: ECONNREFUSED in the message shows it failed on the refusal, not by waiting.
    const err = await fetchDataset('ml-100k', { cacheDir, source: { url }, timeoutMs: 600_000 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DownloadError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^download of ml-100k failed: could not reach .*ECONNREFUSED/);
    expect(msg).toContain(join(cacheDir, 'ml-100k', 'u.data'));
    expect(msg).toContain('<DIR>/ml-100k/{u.data,u.item,u.user}');
    expect(msg).toContain('--data-dir <DIR>');
    expect(msg).toContain('KINDRED_DATA_DIR=<DIR>');
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('downloads, verifies and unzips; a second call reuses the cache without a request', async () => {
    const cacheDir = freshCache('ok');
    const before = hits;
    const seen: number[] = [];
    const dir = await fetchDataset('ml-100k', {
      cacheDir,
      source: { url: `${base}/ml-100k.zip`, sha256: sha, size: zip.length },
      onProgress: (n) => seen.push(n),
    });
    expect(dir).toBe(join(cacheDir, 'ml-100k'));
    expect(readFileSync(join(dir, 'u.data'), 'utf8')).toBe(U_DATA);
    expect(seen.at(-1)).toBe(zip.length);
    expect(readdirSync(cacheDir)).toEqual(['ml-100k']);
    expect(hits).toBe(before + 1);
    const again = await fetchDataset('ml-100k', { cacheDir, source: { url: `${base}/ml-100k.zip`, sha256: sha } });
    expect(again).toBe(dir);
    expect(hits).toBe(before + 1);
    const ds = await loadDataset('ml-100k', { cacheDir, dataDir: join(root, 'nowhere'), env: {} });
    expect(ds.ratings.length).toBe(3);
  });

  it('checksum mismatch: DownloadError and nothing half-written; an existing valid copy is left alone', async () => {
    const cacheDir = freshCache('bad');
    const wrong = '0'.repeat(64);
    const err = await fetchDataset('ml-100k', {
      cacheDir,
      source: { url: `${base}/ml-100k.zip`, sha256: wrong, size: zip.length },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as Error).message).toContain(`checksum mismatch`);
    expect((err as Error).message).toContain(sha);
    expect(readdirSync(cacheDir)).toEqual([]);
    // Size mismatch is caught before hashing.
    const err2 = await fetchDataset('ml-100k', {
      cacheDir,
      source: { url: `${base}/ml-100k.zip`, sha256: sha, size: 1 },
    }).catch((e: unknown) => e);
    expect((err2 as Error).message).toMatch(/gave \d+ bytes, expected 1\./);
    expect(readdirSync(cacheDir)).toEqual([]);
    // A forced re-download that fails keeps the valid copy already in place.
    const good = { url: `${base}/ml-100k.zip`, sha256: sha, size: zip.length };
    const dir = await fetchDataset('ml-100k', { cacheDir, source: good });
    const err3 = await fetchDataset('ml-100k', { cacheDir, force: true, source: { ...good, sha256: wrong } }).catch(
      (e: unknown) => e,
    );
    expect(err3).toBeInstanceOf(DownloadError);
    expect(readdirSync(cacheDir)).toEqual(['ml-100k']);
    expect(readFileSync(join(dir, 'u.data'), 'utf8')).toBe(U_DATA);
  });

  it('HTTP errors and stalled transfers fail with DownloadError and clean up', async () => {
    const cacheDir = freshCache('http');
    const e404 = await fetchDataset('ml-100k', { cacheDir, source: { url: `${base}/missing.zip` } }).catch(
      (e: unknown) => e,
    );
    expect(e404).toBeInstanceOf(DownloadError);
    expect((e404 as Error).message).toContain('HTTP 404');
    // The message names the stall timer, so the transfer ended by it (not by the server closing, nor by a hang).
    const stall = await fetchDataset('ml-100k', {
      cacheDir,
      source: { url: `${base}/stall.zip` },
      timeoutMs: 300,
    }).catch((e: unknown) => e);
    expect(stall).toBeInstanceOf(DownloadError);
    expect((stall as Error).message).toMatch(/stalled for 300 ms after 10 bytes/);
    expect(existsSync(cacheDir) ? readdirSync(cacheDir) : []).toEqual([]);
  });

  it('rejects unknown dataset names', async () => {
    await expect(fetchDataset('ml-5m' as never, { cacheDir: freshCache('x') })).rejects.toThrow(
      /unknown dataset "ml-5m"/,
    );
  });
});
