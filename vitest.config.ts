import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

/**
 * Sources import each other as `./x.js` (NodeNext ESM). Resolve those to the `.ts` source whenever it exists, so a
 * stray compiled `.js` next to a source can never shadow it in tests.
 */
const preferTypeScriptSources: Plugin = {
  name: 'prefer-ts-sources',
  enforce: 'pre',
  resolveId(source, importer) {
    if (!importer || !source.startsWith('.') || !source.endsWith('.js') || !/\.ts$/.test(importer)) return null;
    const ts = resolve(dirname(importer), source.slice(0, -3) + '.ts');
    return existsSync(ts) ? ts : null;
  },
};

export default defineConfig({
  plugins: [preferTypeScriptSources],
  resolve: {
    // Tests run against the sources, not dist, so a test never sees a stale build.
    alias: [
      { find: /^kindred$/, replacement: fileURLToPath(new URL('./packages/kindred/src/index.ts', import.meta.url)) },
      {
        find: /^@kindred\/engine$/,
        replacement: fileURLToPath(new URL('./packages/engine/src/index.ts', import.meta.url)),
      },
      {
        find: /^kindred\/node$/,
        replacement: fileURLToPath(new URL('./packages/kindred/src/node/index.ts', import.meta.url)),
      },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
    // `npm test` runs with --coverage: the totals in the log (text-summary), per file in coverage/coverage-summary.json,
    // which scripts/coverage-folders.mjs prints per folder (the engine's serving and storage vs the library average).
    coverage: {
      provider: 'v8',
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: 'coverage',
      include: ['packages/*/src/**/*.ts'],
      exclude: ['**/*.test.ts', '**/*.case.ts', '**/*.fixture.*', '**/dist/**', '**/*.d.ts', 'packages/*/test/**'],
    },
  },
});
