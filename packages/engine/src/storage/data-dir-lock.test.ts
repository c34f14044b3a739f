import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../config.js';
import { Engine } from '../engine.js';
import { workerScriptUrl } from '../jobs/worker-script.js';
import { DataDirLock, DataDirLockedError, LOCK_FILE, LOCK_HOLDER_FILE, readHolder } from './data-dir-lock.js';

const dirs: string[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kindred-lock-'));
  dirs.push(d);
  return d;
}

const config = (dataDir: string) =>
  validateConfig({ dataDir, server: { logLevel: 'silent' }, serving: { precomputeUsers: 0 } });

/** Starts a child process that takes the lock on `dir` and resolves with it once it holds the lock. */
async function lockingChild(dir: string) {
  const script = fileURLToPath(await workerScriptUrl(new URL('./data-dir-lock-holder.case.js', import.meta.url)));
  const child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/locked \d+/.test(out)) resolve();
    });
    void exited.then(() => reject(new Error(`lock holder exited before locking:\n${err}`)));
  });
  return { child, exited };
}

describe('data directory lock', () => {
  it('a second Engine.open on the same directory fails naming the directory and the pid; close() releases', async () => {
    const dir = tempDir();
    const first = await Engine.open(config(dir));
    let closed = false;
    cleanups.push(async () => {
      if (!closed) await first.close();
    });
    const second = await Engine.open(config(dir)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(second).toBeInstanceOf(DataDirLockedError);
    const message = (second as Error).message;
    expect(message).toContain(dir);
    expect(message).toContain(`pid ${process.pid}`);
    // The failed open took nothing: the first engine still writes, and still holds the lock.
    await first.storage.upsertItems([
      { id: 'i1', categories: [], labels: {}, timestamp: 0, hidden: false, updatedAt: 0 },
    ]);
    expect(() => DataDirLock.acquire(dir)).toThrow(DataDirLockedError);

    await first.close();
    closed = true;
    expect(existsSync(join(dir, LOCK_HOLDER_FILE))).toBe(false);
    const third = await Engine.open(config(dir));
    expect((await third.storage.getItem('i1'))?.id).toBe('i1');
    await third.close();
  });

  it('a lock whose holder was killed with SIGKILL does not block the next start', async () => {
    const dir = tempDir();
    const { child, exited } = await lockingChild(dir);
    // While the child lives, its lock holds, and the error names the child's pid.
    const blocked = (() => {
      try {
        DataDirLock.acquire(dir);
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(blocked).toBeInstanceOf(DataDirLockedError);
    expect((blocked as Error).message).toContain(`pid ${child.pid}`);

    child.kill('SIGKILL');
    await exited;
    // The holder file still names the dead process (release() never ran); the OS dropped the lock itself.
    expect(readHolder(dir)?.pid).toBe(child.pid);
    const engine = await Engine.open(config(dir));
    expect(readHolder(dir)?.pid).toBe(process.pid);
    await engine.close();
  });

  it('a holder file naming a process that is not running (and no OS lock) is taken over', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, LOCK_HOLDER_FILE),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: 'gone', startedAt: '2020-01-01T00:00:00.000Z' }),
    );
    const lock = DataDirLock.acquire(dir);
    expect(readHolder(dir)?.pid).toBe(process.pid);
    lock.release();
    expect(lock.held).toBe(false);
    // The lock database stays (it is reused); only the holder file goes.
    expect(statSync(join(dir, LOCK_FILE)).isFile()).toBe(true);
  });
});
