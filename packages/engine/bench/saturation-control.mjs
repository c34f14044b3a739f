#!/usr/bin/env node
// Control for the engine load benchmark (not a test): a plain node:http server whose handler spins --spin µs and
// answers a ~1 KB JSON body, loaded by wrk exactly as load.mjs loads GET /api/recommend (1 thread, 100 connections,
// the same Lua script). It shows what a saturated single-threaded Node server and its load generator on the same
// 2 cores do to the latency tail, with no Kindred code involved.
// Flags: --spin 50 --runs 3 --duration 6 --write
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { numberFlag, runWrk, writeSection } from './bench-util.mjs';

const args = process.argv.slice(2);
const SPIN = numberFlag(args, 'spin', 50);
const RUNS = numberFlag(args, 'runs', 3);
const DURATION = numberFlag(args, 'duration', 6);
const log = (...a) => process.stderr.write(a.join(' ') + '\n');

// The server, as a child program: the handler busy-waits SPIN µs, like a request's CPU work.
const SERVER = `
const http = require('node:http');
const body = JSON.stringify({ items: Array.from({ length: 10 }, (_, i) => ({ id: 'i' + i, score: 0.5,
  reason: { source: 'als', because: [], sources: ['als'] }, explanation: 'Because you liked something' })) });
const spin = (us) => { const end = performance.now() + us / 1000; while (performance.now() < end); };
const s = http.createServer((req, res) => { spin(${SPIN}); res.writeHead(200, { 'content-type': 'application/json' }); res.end(body); });
s.listen(0, '127.0.0.1', () => console.log('listening http://127.0.0.1:' + s.address().port));
`;

const wrk = (url) => runWrk(url, '/api/recommend/u{user}?n=10', { users: 100_000, duration: DURATION });

const server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
const out = { machine: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`, node: process.version, spinUs: SPIN, runs: [] };
try {
  const url = await new Promise((resolve) => {
    let o = '';
    server.stdout.on('data', (d) => {
      o += d;
      const m = /listening (\S+)/.exec(o);
      if (m) resolve(m[1]);
    });
  });
  await wrk(url); // warm-up
  for (let k = 0; k < RUNS; k++) {
    out.runs.push(await wrk(url));
    log(`run ${k + 1}: ${JSON.stringify(out.runs[k])}`);
  }
} finally {
  server.kill('SIGTERM');
}
console.log(JSON.stringify(out, null, 2));

if (args.includes('--write'))
  writeSection('saturation-control', [
    '## Control: a plain Node server saturated by wrk (packages/engine/bench/saturation-control.mjs)',
    '',
    `${out.machine}, Node ${out.node}. A node:http server whose handler spins ${SPIN} µs and answers a ~1 KB JSON body ` +
      '(no Fastify, no Kindred), loaded like the engine above: wrk, 1 thread, 100 connections, random paths.',
    '',
    '| run | req/s | p50 ms | p99 ms | p99.9 ms | max ms |',
    '|---|---|---|---|---|---|',
    ...out.runs.map((r, k) => `| ${k + 1} | ${r.reqPerSec} | ${r.p50ms} | ${r.p99ms} | ${r.p999ms} | ${r.maxMs} |`),
    '',
    `Reproduce: \`node packages/engine/bench/saturation-control.mjs ${args.join(' ')}\` (needs wrk: \`apt-get install wrk\`)`,
  ]);
