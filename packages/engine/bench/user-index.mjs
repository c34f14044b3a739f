#!/usr/bin/env node
// Storage micro-benchmark (not a test): raw feedback inserts into a store that already holds --rows events, with the
// feedback index by user as one SQLite index (schema v3) or in two levels (schema v4: a small recent table merged
// into the main one; see src/storage/sqlite-user-index.ts). Same SQL shapes as the engine, synchronous=FULL, WAL,
// 256 MiB cache, groups of --group events per transaction; the two-level run includes its merges.
// Flags: --rows 5000000 --insert 1000000 --group 8000 --merge 200000 --chunk 20000 --write
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { numberFlag, writeSection } from './bench-util.mjs';

const args = process.argv.slice(2);
const flag = (name, def) => numberFlag(args, name, def);
const ROWS = flag('rows', 5_000_000);
const INSERT = flag('insert', 1_000_000);
const GROUP = flag('group', 8000);
const MERGE = flag('merge', 200_000);
const CHUNK = flag('chunk', 5_000);
const USERS = 100_000;
const ITEMS = 50_000;
const log = (...a) => process.stderr.write(a.join(' ') + '\n');

/** Seeded LCG: the same events on every run. */
function rng(seed) {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const FEEDBACK = `CREATE TABLE feedback (seq INTEGER PRIMARY KEY AUTOINCREMENT, user_key INTEGER NOT NULL,
  item_key INTEGER NOT NULL, type TEXT NOT NULL, value REAL NOT NULL, timestamp INTEGER NOT NULL)`;
const LEVEL = (name) => `CREATE TABLE ${name} (user_key INTEGER NOT NULL, timestamp INTEGER NOT NULL,
  seq INTEGER NOT NULL, PRIMARY KEY (user_key, timestamp, seq)) WITHOUT ROWID`;

function build(path, layout) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  db.exec(FEEDBACK);
  const ins = db.prepare('INSERT INTO feedback (user_key, item_key, type, value, timestamp) VALUES (?, ?, ?, ?, ?)');
  const r = rng(1);
  let t = 1.7e12;
  const tx = db.transaction((n) => {
    for (let i = 0; i < n; i++) ins.run(1 + Math.floor(r() * USERS), 1 + Math.floor(r() * ITEMS), 'click', 1, t++);
  });
  for (let done = 0; done < ROWS; done += 100_000) tx(Math.min(100_000, ROWS - done));
  if (layout === 'one index') db.exec('CREATE INDEX feedback_by_user ON feedback (user_key, timestamp)');
  else {
    db.exec(LEVEL('feedback_by_user_main'));
    db.exec(LEVEL('feedback_by_user_recent'));
    db.exec(
      'INSERT INTO feedback_by_user_main SELECT user_key, timestamp, seq FROM feedback ORDER BY user_key, timestamp, seq',
    );
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

function ingest(path, layout) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('cache_size = -262144');
  // As in the engine, commits never checkpoint: here the WAL is checkpointed once it passes 64 MiB, between
  // transactions (timed with the rest, but outside the merge chunks; the engine does it in a worker thread).
  db.pragma('wal_autocheckpoint = 0');
  const checkpoint = () => {
    if (statSync(`${path}-wal`).size > 64 * 2 ** 20) db.pragma('wal_checkpoint(TRUNCATE)');
  };
  const two = layout !== 'one index';
  const ins = db.prepare('INSERT INTO feedback (user_key, item_key, type, value, timestamp) VALUES (?, ?, ?, ?, ?)');
  const index = two
    ? db.prepare('INSERT INTO feedback_by_user_recent SELECT user_key, timestamp, seq FROM feedback WHERE seq >= ?')
    : null;
  const r = rng(2);
  let t = 1.8e12;
  const tx = db.transaction((n) => {
    let first = 0;
    for (let i = 0; i < n; i++) {
      const seq = Number(
        ins.run(1 + Math.floor(r() * USERS), 1 + Math.floor(r() * ITEMS), 'click', 1, t++).lastInsertRowid,
      );
      if (i === 0) first = seq;
    }
    index?.run(first);
  });
  const bound = two
    ? db
        .prepare('SELECT user_key FROM feedback_by_user_recent WHERE user_key >= ? ORDER BY user_key LIMIT 1 OFFSET ?')
        .pluck()
    : null;
  const copy = two
    ? db.prepare(
        'INSERT INTO feedback_by_user_main SELECT * FROM feedback_by_user_recent WHERE user_key >= ? AND user_key < ?',
      )
    : null;
  const drop = two ? db.prepare('DELETE FROM feedback_by_user_recent WHERE user_key >= ? AND user_key < ?') : null;
  const move = two
    ? db.transaction((lo, hi) => {
        copy.run(lo, hi);
        drop.run(lo, hi);
      })
    : null;
  let recent = 0,
    mergeMs = 0,
    chunks = 0,
    chunkMs = 0,
    chunkMaxMs = 0;
  const t0 = performance.now();
  for (let done = 0; done < INSERT; done += GROUP) {
    tx(GROUP);
    checkpoint();
    recent += GROUP;
    if (two && recent >= MERGE) {
      const m0 = performance.now();
      for (let lo = 0; ;) {
        const next = bound.get(lo, CHUNK);
        const hi = next === undefined ? Number.MAX_SAFE_INTEGER : Math.max(next, lo + 1);
        const c0 = performance.now();
        move(lo, hi);
        const c = performance.now() - c0;
        chunks++;
        chunkMs += c;
        if (c > chunkMaxMs) chunkMaxMs = c;
        checkpoint();
        if (next === undefined) break;
        lo = hi;
      }
      recent = 0;
      mergeMs += performance.now() - m0;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  db.close();
  return {
    eventsPerSec: Math.round(INSERT / seconds),
    mergeShare: Math.round((100 * mergeMs) / 1000 / seconds),
    chunkMeanMs: chunks ? Math.round((10 * chunkMs) / chunks) / 10 : 0,
    chunkMaxMs: Math.round(10 * chunkMaxMs) / 10,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'kindred-user-index-'));
const out = { machine: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`, node: process.version, results: {} };
try {
  for (const layout of ['one index', 'two levels']) {
    const path = join(dir, layout === 'one index' ? 'one.db' : 'two.db');
    log(`building ${ROWS} rows (${layout})`);
    build(path, layout);
    out.results[layout] = ingest(path, layout);
    log(`${layout}: ${JSON.stringify(out.results[layout])}`);
    rmSync(path, { force: true });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(out, null, 2));

if (args.includes('--write')) {
  const one = out.results['one index'],
    two = out.results['two levels'];
  writeSection('user-index', [
    '## Feedback index by user: one index vs two levels (packages/engine/bench/user-index.mjs)',
    '',
    `${out.machine}, Node ${out.node}. Raw inserts of ${INSERT.toLocaleString('en')} events into a store already holding ` +
      `${ROWS.toLocaleString('en')} (100k users, 50k items), ${GROUP.toLocaleString('en')} events per transaction, ` +
      'synchronous=FULL, WAL checkpointed on the same thread whenever it passes 64 MiB, 256 MiB cache; the SQL the engine runs, without HTTP.',
    '',
    '| user index | events/s | share of time in merges | merge chunk (one transaction), mean / max ms |',
    '|---|---|---|---|',
    `| one SQLite index (schema v3) | ${one.eventsPerSec.toLocaleString('en')} | — | — |`,
    `| two levels, merged every ${MERGE.toLocaleString('en')} entries in chunks of ${CHUNK.toLocaleString('en')} (schema v4) | **${two.eventsPerSec.toLocaleString('en')}** | ${two.mergeShare} % | ${two.chunkMeanMs} / ${two.chunkMaxMs} |`,
    '',
    `Reproduce: \`node packages/engine/bench/user-index.mjs ${args.join(' ')}\``,
  ]);
}
