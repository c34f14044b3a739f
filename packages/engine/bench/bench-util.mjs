// Shared pieces of the engine's benchmark scripts (flags, h2load and wrk runs, BENCHMARKS.md sections). Not a test.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCHMARKS_MD = fileURLToPath(new URL('../../../BENCHMARKS.md', import.meta.url));
const WRK_SCRIPT = fileURLToPath(new URL('./wrk-get.lua', import.meta.url));

/** `--name value` as a number, or `def`. */
export function numberFlag(args, name, def) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
}

/** `--name value` as a string, or `def`. */
export function stringFlag(args, name, def) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
}

/**
 * Replaces the `<!-- bench:key -->` … `<!-- /bench:key -->` section of BENCHMARKS.md with `lines` (appends it when
 * missing). The file is read just before writing, so benchmarks writing other sections meanwhile are kept.
 */
export function writeSection(key, lines) {
  const start = `<!-- bench:${key} -->`,
    end = `<!-- /bench:${key} -->`;
  const text = [start, ...lines, end].join('\n');
  const md = existsSync(BENCHMARKS_MD) ? readFileSync(BENCHMARKS_MD, 'utf8') : '# Benchmarks\n';
  const i = md.indexOf(start),
    j = md.indexOf(end);
  writeFileSync(
    BENCHMARKS_MD,
    i >= 0 && j > i ? md.slice(0, i) + text + md.slice(j + end.length) : md.trimEnd() + '\n\n' + text + '\n',
  );
  process.stderr.write(`updated ${BENCHMARKS_MD}\n`);
}

/**
 * One wrk run (1 thread) of GET `path` on `url`, `{user}` and `{genre}` replaced by random ids (wrk-get.lua).
 * Returns req/s and latency percentiles in ms.
 */
export function runWrk(url, path, { users = 1, genres = 1, connections = 100, duration = 10, headers = {} } = {}) {
  const hdr = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const child = spawn(
    'wrk',
    ['-t', '1', '-c', String(connections), '-d', `${duration}s`, '--timeout', '10s', '-s', WRK_SCRIPT, ...hdr, url],
    {
      env: { ...process.env, WRK_PATH: path, WRK_USERS: String(users), WRK_GENRES: String(genres) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let text = '';
  child.stdout.on('data', (d) => (text += d));
  const ms = (us) => Math.round(us / 100) / 10;
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      const m = /WRK_JSON (\{.*\})/.exec(text);
      if (code !== 0 || !m) return reject(new Error(`wrk failed (exit ${code}):\n${text}`));
      const w = JSON.parse(m[1]);
      resolve({
        reqPerSec: Math.round(w.requests / (w.durationUs / 1e6)),
        meanMs: ms(w.meanUs),
        littleMs: ms((connections / (w.requests / (w.durationUs / 1e6))) * 1e6),
        p50ms: ms(w.p50us),
        p99ms: ms(w.p99us),
        p999ms: ms(w.p999us),
        maxMs: ms(w.maxUs),
        non2xx: w.non2xx,
        errors: w.errors,
      });
    }),
  );
}

/** True when `cmd` runs here (a missing binary throws ENOENT; a non-zero exit still means installed). */
export function installed(cmd, args = ['--version']) {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
  } catch (e) {
    if (e.code === 'ENOENT') return false;
  }
  return true;
}

/** Seeded xorshift32 in [0, 1): the same data and request paths on every run. */
export function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/**
 * One h2load run (Debian's nghttp2-client: HTTP/1.1, 1 thread, `connections` clients) of GET `path` on `url`, with
 * `{user}`/`{genre}` replaced by seeded random ids (20,000 paths; each client walks them in order). Latencies come
 * from h2load's per-request log (monotonic clock); requests started in the first `warmup` seconds (connection set-up,
 * JIT) are left out. The clients run closed-loop, each sending its next request when the last is answered. (h2load's
 * --rps pacing is not offered: its clients fire in step, so it measures bursts of 100, not a steady offered load.)
 * `littleMs` is connections ÷ throughput: in a closed loop the mean latency cannot exceed it (Little's law), which
 * checks the client's figures (wrk 4.1.0's fail it on this machine: see saturation-control.mjs).
 */
export async function runH2load(
  url,
  path,
  { users = 1, genres = 1, connections = 100, duration = 10, warmup = 1, headers = {}, seed = 99 } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'kindred-h2load-'));
  try {
    const r = rng(seed);
    const uris = Array.from(
      { length: 20_000 },
      () =>
        url +
        path.replace('{user}', String(Math.floor(r() * users))).replace('{genre}', String(Math.floor(r() * genres))),
    );
    writeFileSync(join(dir, 'uris.txt'), uris.join('\n') + '\n');
    const logFile = join(dir, 'requests.log');
    const hdr = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
    const argv = ['--h1', '-t', '1', '-c', String(connections), '-D', String(duration + warmup)];
    argv.push('-i', join(dir, 'uris.txt'), `--log-file=${logFile}`, ...hdr);
    const text = await new Promise((resolve, reject) => {
      const child = spawn('h2load', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve(out) : reject(new Error(`h2load failed (exit ${code}):\n${out}`)),
      );
    });
    const lines = readFileSync(logFile, 'utf8').trimEnd().split('\n');
    const starts = new Float64Array(lines.length);
    const lat = new Float64Array(lines.length);
    let non2xx = 0;
    let t0 = Infinity;
    for (let k = 0; k < lines.length; k++) {
      const [start, status, us] = lines[k].split('\t');
      starts[k] = Number(start);
      lat[k] = Number(us);
      if (starts[k] < t0) t0 = starts[k];
      if (!status.startsWith('2')) non2xx++;
    }
    const from = t0 + warmup * 1e6;
    let last = -Infinity;
    const kept = [];
    for (let k = 0; k < lines.length; k++)
      if (starts[k] >= from) {
        kept.push(lat[k]);
        if (starts[k] > last) last = starts[k];
      }
    if (kept.length === 0) throw new Error(`h2load logged no request after the warm-up:\n${text}`);
    const sorted = Float64Array.from(kept).sort();
    const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    const seconds = (last - from) / 1e6;
    const reqPerSec = Math.round(kept.length / seconds);
    const failed = /requests: .*?(\d+) failed, (\d+) errored, (\d+) timeout/.exec(text);
    const ms = (us) => Math.round(us / 100) / 10;
    return {
      reqPerSec,
      meanMs: ms(sorted.reduce((a, b) => a + b, 0) / sorted.length),
      littleMs: ms((connections / reqPerSec) * 1e6),
      p50ms: ms(q(0.5)),
      p99ms: ms(q(0.99)),
      p999ms: ms(q(0.999)),
      maxMs: ms(sorted[sorted.length - 1]),
      non2xx,
      errors: failed ? Number(failed[1]) + Number(failed[2]) + Number(failed[3]) : 0,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
