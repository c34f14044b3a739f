// What every benchmark file shares: the real CLI run with --json on the real data, commands printed with portable
// paths, number formats, and the writer that replaces one marked section of BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = join(ROOT, 'packages/cli/bin/kindred.js');
const args = process.argv.slice(2);
export const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : null;
export const dataDirArg = args.includes('--data-dir') ? ['--data-dir', args[args.indexOf('--data-dir') + 1]] : [];
export const DATA = process.env.KINDRED_DATA_DIR ?? resolve(ROOT, '../shared/data');
export const FOLDS = join(DATA, 'ml-100k-folds/kfold5_seed0.tsv');

/** Runs `kindred ...args --json` and returns the parsed result. */
export function kindred(cliArgs) {
  const out = execFileSync(process.execPath, [CLI, ...cliArgs, ...dataDirArg, '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, KINDRED_DATA_DIR: DATA },
  });
  return JSON.parse(out);
}

// Printed commands name data files as `../shared/data/...` (run from the repository), never this machine's absolute
// path, so BENCHMARKS.md reads the same wherever it was generated.
const portable = (a) => (a === DATA || a.startsWith(DATA + sep) ? '../shared/data' + a.slice(DATA.length) : a);
export const show = (args) =>
  'npx kindred ' + args.map((a) => (a.includes(' ') ? JSON.stringify(portable(a)) : portable(a))).join(' ');
export const f4 = (x) => x.toFixed(4);
export const f2 = (x) => x.toFixed(2);
export const median = (a) => [...a].sort((x, y) => x - y)[Math.floor((a.length - 1) / 2)];
export const sum = (a) => a.reduce((s, x) => s + x, 0);

/** Runs each selected benchmark and rewrites its `<!-- bench:NAME -->` section of BENCHMARKS.md with a date stamp. */
export function writeSections(benches) {
  const md = join(ROOT, 'BENCHMARKS.md');
  for (const [name, run] of Object.entries(benches)) {
    if (only && !only.includes(name)) continue;
    const start = `<!-- bench:${name} -->`;
    const end = `<!-- /bench:${name} -->`;
    if (!readFileSync(md, 'utf8').includes(start)) throw new Error(`BENCHMARKS.md has no ${start} section`);
    process.stderr.write(`== ${name}\n`);
    const body = run();
    // Re-read: another benchmark (e.g. the engine's load.mjs) may have written its own section meanwhile.
    const text = readFileSync(md, 'utf8');
    const stamp = `_Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0].model.trim()}, Node ${process.version}._`;
    writeFileSync(
      md,
      text.replace(new RegExp(`${start}[\\s\\S]*?${end}`), () => `${start}\n${body}\n\n${stamp}\n${end}`),
    );
  }
}
