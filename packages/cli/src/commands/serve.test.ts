import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLock } from '@kindred/engine';
import { main } from '../main.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs `kindred ...args` in process; resolves with the exit code and what it wrote. */
async function run(args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(args, { stdout, stderr });
  return { code, out, err };
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kindred-serve-'));
  dirs.push(d);
  return d;
}

describe('kindred serve refuses to start with one line and a non-zero exit', () => {
  it('when another engine holds the data directory (exit 1, naming the directory and the pid)', async () => {
    const data = join(tempDir(), 'data');
    mkdirSync(data);
    const lock = DataDirLock.acquire(data);
    try {
      const r = await run(['serve', '--data', data, '--port', '0']);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(
        new RegExp(`^kindred: data directory \\S*data is in use by another kindred engine \\(pid ${process.pid} `),
      );
      expect(r.err.trim().split('\n')).toHaveLength(1);
    } finally {
      lock.release();
    }
  });

  it.each([
    [
      { training: { algorithm: 'nope' } },
      /^kindred: invalid config: training\.algorithm: unknown algorithm "nope"; known: .*\bals\b/,
    ],
    [
      { training: { params: { factorz: 10 } } },
      /^kindred: invalid config: training\.params\.factorz: .*unknown parameter "factorz"; valid parameters are .*\bfactors\b/,
    ],
  ])('when the training settings are invalid (exit 2): %j', async (config, message) => {
    const dir = tempDir();
    const file = join(dir, 'kindred.json');
    writeFileSync(file, JSON.stringify({ ...config, dataDir: join(dir, 'data') }));
    const r = await run(['serve', '--config', file, '--port', '0']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});
