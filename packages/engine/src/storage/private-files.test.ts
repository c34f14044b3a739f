import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../config.js';
import { Engine } from '../engine.js';
import { LOCK_FILE, LOCK_HOLDER_FILE } from './data-dir-lock.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const mode = (path: string) => statSync(path).mode & 0o777;

describe('data directory modes', () => {
  it('the engine creates its data directory 0700 and its files 0600, whatever the umask', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'kindred-modes-'));
    dirs.push(parent);
    const dir = join(parent, 'data');
    // The most permissive umask: every mode below is the engine's own, not the umask's filtering.
    const previous = process.umask(0);
    try {
      const engine = await Engine.open(
        validateConfig({ dataDir: dir, server: { logLevel: 'silent' }, serving: { precomputeUsers: 0 } }),
      );
      await engine.storage.insertFeedback([{ userId: 'u1', itemId: 'i1', type: 'click', value: 1, timestamp: 1 }], {
        createUsers: true,
        createItems: true,
      });
      await engine.storage.saveModel(
        { algorithm: 'als', params: {}, createdAt: 1, metrics: {}, trainedThroughSeq: 1, fitSeconds: 0 },
        new Uint8Array([1, 2, 3]),
      );
      expect(mode(dir).toString(8)).toBe('700');
      for (const f of ['kindred.db', 'kindred.db-wal', 'kindred.db-shm', LOCK_FILE, LOCK_HOLDER_FILE])
        expect([f, mode(join(dir, f)).toString(8)]).toEqual([f, '600']);
      await engine.close();
    } finally {
      process.umask(previous);
    }
  });
});
