import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { Engine } from '../src/engine.js';
import { SqliteStorage } from '../src/storage/sqlite.js';
import { ThreadedSqliteStorage } from '../src/storage/sqlite-threaded.js';
import { ensureBuilt, startServerProcess } from './server-process.js';

// docs/engine.md promises that an acknowledged event survives kill -9 (and, with synchronous=FULL on the connection
// that commits, a power cut). This holds the promise for the setup users run: the built server in a child process,
// its default store (writes on the writer thread), feedback through HTTP from concurrent clients.

const dir = mkdtempSync(join(tmpdir(), 'kindred-durability-'));
const configFile = join(dir, 'kindred.json');
const BATCH = 50;
const CLIENTS = 8;

beforeAll(() => {
  ensureBuilt();
  writeFileSync(
    configFile,
    JSON.stringify({
      server: { logLevel: 'warn' },
      feedback: { autoCreateItems: true },
      training: { fitAfterEvents: 0, fitPeriodSeconds: 0 },
      serving: { precomputeUsers: 0 },
    }),
  );
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Batch `b` of client `c`: its own user, so what was stored of it can be read back by user. */
const batch = (c: number, b: number) =>
  Array.from({ length: BATCH }, (_, k) => ({
    userId: `c${c}-b${b}`,
    itemId: `i${k}`,
    type: 'click',
    timestamp: 1_700_000_000_000 + k,
  }));

describe('durability of the default store', () => {
  it('commits on the writer thread with synchronous=FULL', async () => {
    const engine = await Engine.open(loadConfig({ overrides: { dataDir: join(dir, 'sync') } }));
    try {
      expect(engine.storage).toBeInstanceOf(ThreadedSqliteStorage);
      expect(await (engine.storage as ThreadedSqliteStorage).writerSynchronousLevel()).toBe(2);
    } finally {
      await engine.close();
    }
  });

  it('loses no acknowledged event when the server is killed with SIGKILL under concurrent HTTP batches', async () => {
    const dataDir = join(dir, 'kill');
    const server = await startServerProcess({ KINDRED_STORE_DIR: dataDir }, configFile);
    const acked: string[] = [];
    const sent: string[] = [];
    // Kill after a number of acknowledgements that varies per run, so the kill lands in different phases.
    const killAfter = 60 + Math.floor(Math.random() * 60);
    let killed = false;
    const client = async (c: number) => {
      for (let b = 0; !killed; b++) {
        sent.push(`c${c}-b${b}`);
        let res: Response;
        try {
          res = await fetch(`${server.url}/api/feedback`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(batch(c, b)),
          });
        } catch {
          return; // the connection died with the server
        }
        if (res.status !== 200) throw new Error(`batch c${c}-b${b}: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
        acked.push(`c${c}-b${b}`);
        if (acked.length >= killAfter && !killed) {
          killed = true;
          server.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    const { signal } = await server.stop();
    expect(signal).toBe('SIGKILL');

    const store = SqliteStorage.open(join(dataDir, 'kindred.db'));
    try {
      for (const user of acked) expect((await store.userFeedback(user)).length, user).toBe(BATCH);
      // A batch whose answer was lost is stored whole or not at all.
      for (const user of sent) expect([0, BATCH]).toContain((await store.userFeedback(user)).length);
      expect(await store.feedbackCount()).toBeGreaterThanOrEqual(acked.length * BATCH);
    } finally {
      await store.close();
    }
  }, 120_000);
});
