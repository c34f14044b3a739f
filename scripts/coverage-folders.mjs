#!/usr/bin/env node
// Prints line coverage per source folder from vitest's json-summary (coverage/coverage-summary.json), after
// `vitest run --coverage`, and the library's average next to the engine's serving and storage folders (issue 13 wants
// those above it). Reads only; exits 0 whatever the numbers are (the report is for reading, not a gate).
//
// Usage: node scripts/coverage-folders.mjs [coverage/coverage-summary.json]
import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve, dirname } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const file = resolve(root, process.argv[2] ?? 'coverage/coverage-summary.json');
if (!existsSync(file)) {
  console.log(`coverage-folders: no ${relative(root, file)} (run vitest with --coverage first)`);
  process.exit(0);
}
const summary = JSON.parse(readFileSync(file, 'utf8'));

/** @type {Map<string, {covered: number, total: number}>} */
const folders = new Map();
const add = (key, lines) => {
  const f = folders.get(key) ?? { covered: 0, total: 0 };
  f.covered += lines.covered;
  f.total += lines.total;
  folders.set(key, f);
};
for (const [path, entry] of Object.entries(summary)) {
  if (path === 'total') continue;
  const rel = relative(root, path);
  const m = /^packages\/([^/]+)\/src\/(?:([^/]+)\/)?/.exec(rel);
  if (!m) continue;
  // One level below src/: packages/engine/src/serving, packages/kindred/src/models, ... (files directly in src/ as "(root)").
  add(`${m[1]}/${m[2] ?? '(root)'}`, entry.lines);
  add(`${m[1]} (package)`, entry.lines);
}
const pct = (f) => (f.total === 0 ? 100 : (100 * f.covered) / f.total);
const rows = [...folders.entries()].sort(([a], [b]) => a.localeCompare(b));
console.log('\nLine coverage by folder');
for (const [name, f] of rows)
  console.log(`  ${name.padEnd(28)} ${pct(f).toFixed(1).padStart(5)}%  (${f.covered}/${f.total} lines)`);
const library = folders.get('kindred (package)');
if (library) {
  console.log(`\nLibrary average: ${pct(library).toFixed(1)}%`);
  for (const name of ['engine/serving', 'engine/storage']) {
    const f = folders.get(name);
    if (!f) continue;
    const verdict = pct(f) >= pct(library) ? 'above' : 'BELOW';
    console.log(`  ${name}: ${pct(f).toFixed(1)}% (${verdict} the library average)`);
  }
}
