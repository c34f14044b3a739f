#!/usr/bin/env node
// Before/after comparison of the engine under load (not a test): runs load.mjs from two checkouts in alternating
// rounds on the same machine (base, this tree, base, this tree, ...), so a slow phase of the shared cores hits both,
// and writes the <!-- bench:engine-load-compare --> section of BENCHMARKS.md with every round.
//   node packages/engine/bench/compare-load.mjs --base DIR [--rounds 2] [--users 20000] [--items 10000]
//     [--feedback 1000000] [--duration 10] [--write]
// DIR is another checkout of the repository (e.g. `git worktree add /tmp/base <commit>`), installed and built
// (`npm ci` or a copy of node_modules, then `npm run build`); this tree must be built too. Each run bulk-loads a
// fresh store, trains ALS through the API and measures recommend (h2load) and ingest (autocannon): see load.mjs.
import { execFileSync, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { numberFlag, stringFlag, writeSection } from './bench-util.mjs';

const args = process.argv.slice(2);
const base = stringFlag(args, 'base', null);
if (!base) throw new Error('--base DIR (a built checkout of the commit to compare against) is required');
const rounds = numberFlag(args, 'rounds', 2);
const loadArgs = [
  '--users',
  String(numberFlag(args, 'users', 20_000)),
  '--items',
  String(numberFlag(args, 'items', 10_000)),
  '--feedback',
  String(numberFlag(args, 'feedback', 1_000_000)),
  '--duration',
  String(numberFlag(args, 'duration', 10)),
];
const here = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const commitOf = (dir) => execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD']).toString().trim();
const dirty = (dir) => execFileSync('git', ['-C', dir, 'status', '--porcelain']).toString().trim() !== '';
const label = (dir) => `${commitOf(dir)}${dirty(dir) ? ' + uncommitted changes' : ''}`;

/** One load.mjs run from checkout `dir`; resolves with its JSON summary (stdout). */
function run(dir) {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(dir, 'packages/engine/bench/load.mjs'), ...loadArgs], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? done(JSON.parse(out)) : fail(new Error(`load.mjs in ${dir}: ${code}`))));
  });
}

const sides = [
  { name: 'before', dir: resolve(base), label: label(resolve(base)) },
  { name: 'after', dir: here, label: label(here) },
];
const rows = [];
for (let r = 1; r <= rounds; r++)
  for (const side of sides) {
    process.stderr.write(`round ${r}: ${side.name} (${side.label})\n`);
    const o = await run(side.dir);
    rows.push({ round: r, side, o });
  }

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const line = ({ round, side, o }) =>
  `| ${round} | ${side.name} (${side.label}) | ${o.hello.reqPerSec} | ${o.recommend.reqPerSec} | ${o.recommend.p99ms} | ` +
  `${o.recommend10.reqPerSec} | ${o.recommend10.p99ms} | ${o.recommendOnDemand.reqPerSec} | ` +
  `${o.ingest.eventsPerSec.toLocaleString('en')} | ${o.kill9.lostAcknowledged} of ${o.kill9.ackedEvents.toLocaleString('en')} |`;
const summary = sides.map((side) => {
  const mine = rows.filter((x) => x.side === side).map((x) => x.o);
  return `${side.name}: recommend ${median(mine.map((o) => o.recommend.reqPerSec))} req/s, ingest ${median(
    mine.map((o) => o.ingest.eventsPerSec),
  ).toLocaleString('en')} events/s (medians of ${mine.length} rounds)`;
});
const o0 = rows[0].o;
const lines = [
  '## Engine under load, before and after a change (packages/engine/bench/compare-load.mjs)',
  '',
  `${o0.machine}, Node ${o0.node}. load.mjs run from two checkouts in alternating rounds on the same machine; each run ` +
    `bulk-loads a fresh store of ${o0.users.toLocaleString('en')} users, ${o0.items.toLocaleString('en')} items and ` +
    `${o0.feedback.toLocaleString('en')} events, trains ALS through the API, waits for the precomputed lists, then ` +
    `measures (GET routes with ${o0.client}, 100 connections unless stated; recommend = median of 3 runs by p99; ` +
    `ingest = POST /api/feedback, 8 connections × 1,000 events, autocannon).`,
  '',
  '| round | checkout | hello req/s | recommend req/s | p99 ms | recommend 10 conns req/s | p99 ms | `?category=` req/s | ingest events/s | kill -9 lost |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(line),
  '',
  summary.join('; ') + '.',
  '',
  `Reproduce: \`npm run build && node packages/engine/bench/compare-load.mjs --base <built checkout of the earlier commit> ${args
    .filter((a, i) => a !== '--write' && a !== '--base' && args[i - 1] !== '--base')
    .join(' ')} --write\`.`,
];
console.log(lines.join('\n'));
if (args.includes('--write')) writeSection('engine-load-compare', lines);
