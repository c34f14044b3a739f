#!/usr/bin/env node
// Before/after comparison of the engine under load (not a test): runs load.mjs from two checkouts in alternating
// rounds on the same machine (base, this tree, base, this tree, ...), so a slow phase of the shared cores hits both,
// and writes the <!-- bench:engine-load-compare --> section of BENCHMARKS.md with every round.
//   node packages/engine/bench/compare-load.mjs --base DIR [--rounds 2] [--users 20000] [--items 10000]
//     [--feedback 1000000] [--duration 10] [--write] [--from-log FILE]
// DIR is another checkout of the repository (e.g. `git worktree add /tmp/base <commit>`), installed and built
// (`npm ci` or a copy of node_modules, then `npm run build`); this tree must be built too. Each run bulk-loads a
// fresh store, trains ALS through the API and measures recommend (h2load) and ingest (autocannon): see load.mjs.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
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

/**
 * `--from-log FILE`: renders the table from the stderr log of an earlier run of this script (load.mjs logs each
 * figure as a JSON line), instead of measuring again.
 */
function fromLog(file) {
  const out = [];
  let cur = null;
  for (const text of readFileSync(file, 'utf8').split('\n')) {
    const head = /^round (\d+): (before|after) \((.*)\)$/.exec(text);
    if (head) {
      cur = { round: +head[1], side: sides.find((x) => x.name === head[2]), o: { recommendRuns: [] } };
      cur.side.label = head[3];
      out.push(cur);
      continue;
    }
    const m =
      /^(trained|precompute|hello|recommend run \d|recommend, 10 connections|recommend on demand|ingest|kill -9): (\{.*\})$/.exec(
        text,
      );
    if (!cur || !m) continue;
    const v = JSON.parse(m[2]);
    const key =
      {
        trained: 'train',
        'recommend, 10 connections': 'recommend10',
        'recommend on demand': 'recommendOnDemand',
        'kill -9': 'kill9',
      }[m[1]] ?? m[1];
    if (key.startsWith('recommend run')) cur.o.recommendRuns.push(v);
    else cur.o[key] = v;
  }
  for (const { o } of out) {
    o.recommend = [...o.recommendRuns].sort((a, b) => a.p99ms - b.p99ms)[1];
    Object.assign(o, {
      machine: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
      node: process.version,
      users: +loadArgs[1],
      items: +loadArgs[3],
      feedback: +loadArgs[5],
      client: 'h2load',
    });
  }
  return out;
}

const sides = [
  { name: 'before', dir: resolve(base), label: label(resolve(base)) },
  { name: 'after', dir: here, label: label(here) },
];
const log = stringFlag(args, 'from-log', null);
const rows = log ? fromLog(log) : [];
if (!log)
  for (let r = 1; r <= rounds; r++)
    for (const side of sides) {
      process.stderr.write(`round ${r}: ${side.name} (${side.label})\n`);
      const o = await run(side.dir);
      rows.push({ round: r, side, o });
    }

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const h = Math.floor(s.length / 2);
  return s.length % 2 ? s[h] : Math.round((s[h - 1] + s[h]) / 2);
};
const line = ({ round, side, o }) =>
  `| ${round} | ${side.name} (${side.label}) | ${o.hello.reqPerSec} | ${o.recommend.reqPerSec} | ${o.recommend.p99ms} | ` +
  `${o.recommend10.reqPerSec} | ${o.recommend10.p99ms} | ${o.recommendOnDemand.reqPerSec} | ` +
  `${o.ingest.eventsPerSec.toLocaleString('en')} | ${o.precompute.seconds} | ${o.kill9.lostAcknowledged} of ${o.kill9.ackedEvents.toLocaleString('en')} |`;
const summary = sides.map((side) => {
  const mine = rows.filter((x) => x.side === side).map((x) => x.o);
  return `${side.name}: recommend ${median(mine.map((o) => o.recommend.reqPerSec))} req/s, ingest ${median(
    mine.map((o) => o.ingest.eventsPerSec),
  ).toLocaleString(
    'en',
  )} events/s, precompute ${median(mine.map((o) => o.precompute.seconds))} s (medians of ${mine.length} rounds; hello world ${median(mine.map((o) => o.hello.reqPerSec))} req/s, the machine's speed)`;
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
  '| round | checkout | hello req/s | recommend req/s | p99 ms | recommend 10 conns req/s | p99 ms | `?category=` req/s | ingest events/s | precompute s | kill -9 lost |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(line),
  '',
  summary.join('; ') + '.',
  '',
  `Reproduce: \`npm run build && node packages/engine/bench/compare-load.mjs --base <built checkout of the earlier commit> ${args
    .filter(
      (a, i) => !['--write', '--base', '--from-log'].includes(a) && !['--base', '--from-log'].includes(args[i - 1]),
    )
    .join(' ')} --write\`.`,
];
console.log(lines.join('\n'));
if (args.includes('--write')) writeSection('engine-load-compare', lines);
