import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
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
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
