import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The real `kindred` command as users run it (bin/kindred.js over the built packages), in child processes.
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = join(repoRoot, 'packages', 'cli', 'bin', 'kindred.js');
const dir = mkdtempSync(join(tmpdir(), 'kindred-serve-process-'));

function kindred(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, KINDRED_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = new Promise<void>((resolve, reject) => {
    child.stderr.on('data', () => {
      if (/listening on http/.test(err)) resolve();
    });
    void exited.then((code) => reject(new Error(`kindred exited (${code}) before listening:\n${err}`)));
  });
  // A process expected to fail never listens: its rejection is awaited only by callers that wait for listening.
  listening.catch(() => undefined);
  return { child, exited, listening, stdout: () => out, stderr: () => err };
}

const started: ReturnType<typeof kindred>[] = [];
beforeAll(() => {
  try {
    // Incremental: nothing to do when `npm test` built first.
    execFileSync(
      join(repoRoot, 'node_modules', '.bin', 'tsc'),
      ['-b', 'packages/kindred', 'packages/engine', 'packages/cli'],
      {
        cwd: repoRoot,
        stdio: 'pipe',
      },
    );
  } catch {
    // tsc exits non-zero on a type error anywhere but still emits; the start below shows what is broken.
  }
}, 300_000);
afterAll(async () => {
  for (const p of started) {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await p.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('kindred serve (child processes)', () => {
  it('a second `kindred serve` on the same --data directory exits 1 with one line naming the holder; shared keys warn', async () => {
    const data = join(dir, 'data');
    const key = 'one-key-for-two-roles';
    const first = kindred(['serve', '--data', data, '--port', '0'], { KINDRED_READ_KEY: key, KINDRED_ADMIN_KEY: key });
    started.push(first);
    await first.listening;
    const second = kindred(['serve', '--data', data, '--port', '0']);
    started.push(second);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toMatch(
      new RegExp(`^kindred: data directory \\S+ is in use by another kindred engine \\(pid ${first.child.pid} on `),
    );
    expect(second.stderr().trim().split('\n')).toHaveLength(1);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    // The first one warned at start that two roles share a key (its log, pino on stdout), without printing the key.
    expect(first.stdout()).toContain('auth.readKey and auth.adminKey are the same key');
    expect(first.stdout()).not.toContain(key);
  }, 60_000);
});
