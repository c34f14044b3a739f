import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
/**
 * The shared folder beside the repository (e.g. /work/shared): its data is named `../shared/data`, never by absolute
 * path. Only that folder: a clone may sit anywhere (CI clones into a temp dir), and scratch paths like /tmp/x are fine.
 */
const shared = resolve(root, '..', 'shared') + '/';

describe('BENCHMARKS.md and bench/ commands', () => {
  const files = [
    'BENCHMARKS.md',
    ...readdirSync(join(root, 'bench')).map((f) => `bench/${f}`),
    ...readdirSync(join(root, 'packages/engine/bench')).map((f) => `packages/engine/bench/${f}`),
  ].filter((f) => /\.(md|mjs|js|ts)$/.test(f));

  it('name data by ../shared/data, not by this machine’s absolute paths', () => {
    const offending = files.flatMap((f) =>
      readFileSync(join(root, f), 'utf8')
        .split('\n')
        .map((line, i) => ({ where: `${f}:${i + 1}`, line }))
        .filter(({ line }) => line.includes(shared) || /(^|[\s`'"=])\/(work|home)\//.test(line))
        .map(({ where }) => where),
    );
    expect(offending).toEqual([]);
  });
});
