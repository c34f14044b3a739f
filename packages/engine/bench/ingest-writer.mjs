#!/usr/bin/env node
// Ingest benchmark (not a test): POST /api/feedback, batches of 1,000 events from 8 connections (autocannon), into a
// store holding --feedback events, with the storage writer thread on (storage.writerThread, the default) and off
// (every query on the request thread), in alternating rounds on fresh copies of one store, so that both see the
// same data and the same moments of a shared machine. Precomputed lists are off: only ingestion runs.
// Flags: --users 10000 --items 50000 --feedback 500000 --duration 10 --rounds 2 --write
// Needs a build first (npm run build): it runs packages/engine/dist, as `kindred serve` does.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { SqliteStorage } from '../dist/index.js';
import { numberFlag, rng, writeSection } from './bench-util.mjs';

const args = process.argv.slice(2);
const USERS = numberFlag(args, 'users', 10_000);
const ITEMS = numberFlag(args, 'items', 50_000);
const FEEDBACK = numberFlag(args, 'feedback', 500_000);
const DURATION = numberFlag(args, 'duration', 10);
const ROUNDS = numberFlag(args, 'rounds', 2);
const ADMIN = 'bench-admin-key-000';
const fixture = fileURLToPath(new URL('../test/server.fixture.mjs', import.meta.url));
const log = (...a) => process.stderr.write(a.join(' ') + '\n');

const event = (r, t) => ({
  userId: `u${Math.floor(USERS * r() * r())}`,
  itemId: `i${Math.floor(ITEMS * r() * r())}`,
  type: 'click',
  value: 1,
  timestamp: t,
});

const root = mkdtempSync(join(tmpdir(), 'kindred-ingest-'));
const out = { machine: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`, node: process.version, runs: [] };
try {
  // The base store, bulk-loaded through the storage.
  const base = join(root, 'base');
  mkdirSync(base);
  const store = SqliteStorage.open(join(base, 'kindred.db'));
  const r = rng(7);
  for (let done = 0; done < FEEDBACK; done += 50_000)
    await store.insertFeedback(
      Array.from({ length: Math.min(50_000, FEEDBACK - done) }, (_, k) => event(r, done + k)),
      { createUsers: true, createItems: true },
    );
  await store.close();
  const rb = rng(11);
  const bodies = Array.from({ length: 50 }, (_, b) =>
    JSON.stringify(Array.from({ length: 1000 }, (_, k) => event(rb, 1e12 + b * 1000 + k))),
  );

  for (let round = 0; round < ROUNDS; round++)
    for (const writerThread of [true, false]) {
      const dir = join(root, `run-${round}-${writerThread}`);
      cpSync(base, dir, { recursive: true });
      const configFile = join(dir, 'kindred.json');
      writeFileSync(
        configFile,
        JSON.stringify({
          server: { logLevel: 'warn' },
          feedback: { autoCreateItems: true },
          storage: { writerThread },
          training: { fitAfterEvents: 0, fitPeriodSeconds: 0 },
          serving: { precomputeUsers: 0 },
        }),
      );
      const child = spawn(process.execPath, [fixture, configFile], {
        env: { ...process.env, KINDRED_STORE_DIR: dir, KINDRED_ADMIN_KEY: ADMIN },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const url = await new Promise((resolve, reject) => {
        let o = '';
        child.stdout.on('data', (d) => {
          o += d;
          const m = /listening (\S+)/.exec(o);
          if (m) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`server exited (${code})`)));
      });
      let b = 0;
      const res = await new Promise((resolve, reject) =>
        autocannon(
          {
            url,
            connections: 8,
            duration: DURATION,
            headers: { 'x-api-key': ADMIN, 'content-type': 'application/json' },
            requests: [
              {
                method: 'POST',
                setupRequest: (req) => ({ ...req, path: '/api/feedback', body: bodies[b++ % bodies.length] }),
              },
            ],
          },
          (e, x) => (e ? reject(e) : resolve(x)),
        ),
      );
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(dir, { recursive: true, force: true });
      const run = {
        round: round + 1,
        writerThread,
        eventsPerSec: Math.round(res.requests.average * 1000),
        p50ms: res.latency.p50,
        p99ms: res.latency.p99,
        non2xx: res.non2xx,
      };
      out.runs.push(run);
      log(JSON.stringify(run));
    }
} finally {
  rmSync(root, { recursive: true, force: true });
}
console.log(JSON.stringify(out, null, 2));

if (args.includes('--write'))
  writeSection('ingest-writer', [
    '## Ingest with and without the storage writer thread (packages/engine/bench/ingest-writer.mjs)',
    '',
    `${out.machine}, Node ${out.node}. POST /api/feedback, 8 connections × 1,000 events per request (autocannon, ` +
      `same machine), ${DURATION} s per run, into a store holding ${FEEDBACK.toLocaleString('en')} events ` +
      `(${USERS.toLocaleString('en')} users); synchronous=FULL; precomputed lists off. Rounds alternate the two ` +
      'settings on fresh copies of one store.',
    '',
    '| round | storage.writerThread | events/s | p50 ms | p99 ms | non-2xx |',
    '|---|---|---|---|---|---|',
    ...out.runs.map(
      (x) =>
        `| ${x.round} | ${x.writerThread} | **${x.eventsPerSec.toLocaleString('en')}** | ${x.p50ms} | ${x.p99ms} | ${x.non2xx} |`,
    ),
    '',
    `Reproduce: \`npm run build && node packages/engine/bench/ingest-writer.mjs ${args.join(' ')}\``,
  ]);
