// Shared pieces of the engine's benchmark scripts (flags, wrk runs, BENCHMARKS.md sections). Not a test.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
