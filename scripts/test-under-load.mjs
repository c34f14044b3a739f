#!/usr/bin/env node
// Runs the whole test suite N times in a row (default 5) while another CPU-heavy process spins on the same cores,
// to show that no test depends on wall-clock speed (issue 13). Usage:
//   node scripts/test-under-load.mjs [--runs 5] [--burners 1]
// The burners are plain busy loops in child processes; they are killed when the runs end (or on Ctrl-C).
// The script builds once first (as `npm test` does) and exits non-zero if any run failed.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const arg = (name, dflt) => {
  const k = process.argv.indexOf(`--${name}`);
  return k > 0 ? Number(process.argv[k + 1]) : dflt;
};
const runs = arg('runs', 5);
const burnerCount = arg('burners', 1);

const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const burners = Array.from({ length: burnerCount }, () =>
  spawn(process.execPath, ['-e', 'for (;;) Math.sqrt(Math.random());'], { stdio: 'ignore' }),
);
const stop = () => burners.forEach((b) => b.kill('SIGKILL'));
process.on('SIGINT', () => {
  stop();
  process.exit(130);
});

const results = [];
for (let r = 1; r <= runs; r++) {
  const t0 = Date.now();
  const out = await new Promise((resolve) => {
    const child = spawn(join(root, 'node_modules', '.bin', 'vitest'), ['run'], { cwd: root, env: process.env });
    let tail = '';
    const keep = (d) => {
      process.stdout.write(d);
      tail = (tail + d.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('exit', (code) => resolve({ code, tail }));
  });
  const summary = /(\d+) passed, (\d+) failed(?:, (\d+) skipped)?/.exec(out.tail);
  results.push({ run: r, ok: out.code === 0, seconds: (Date.now() - t0) / 1000, summary: summary?.[0] ?? '?' });
  console.error(`\n=== run ${r}/${runs}: ${out.code === 0 ? 'passed' : 'FAILED'} in ${results.at(-1).seconds} s`);
}
stop();
console.log(`\ntest-under-load: ${burnerCount} busy process(es) beside the suite`);
for (const r of results)
  console.log(`run ${r.run}: ${r.ok ? 'passed' : 'FAILED'}  ${r.summary}  ${r.seconds.toFixed(0)} s`);
const failed = results.filter((r) => !r.ok).length;
console.log(`${runs - failed} of ${runs} runs passed`);
process.exit(failed ? 1 : 0);
