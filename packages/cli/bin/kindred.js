#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in ../dist (built by `npm run build`, which `npm ci` runs via `prepare`).
import { main } from '../dist/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(
      `kindred: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 70;
  },
);
