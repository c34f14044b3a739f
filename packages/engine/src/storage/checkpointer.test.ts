import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Checkpointer } from './checkpointer.js';
import { SqliteStorage } from './sqlite.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  for (const t0 = Date.now(); !cond();) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Checkpointer', () => {
  it('moves committed WAL frames into the database file from its own thread', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kindred-ckpt-'));
    dirs.push(dir);
    const path = join(dir, 'kindred.db');
    const store = SqliteStorage.open(path, { walAutocheckpoint: 0 });
    const rows = Array.from({ length: 5000 }, (_, k) => ({
      userId: `u${k % 300}`,
      itemId: `i${k % 70}`,
      type: 'click',
      value: 1,
      timestamp: k,
    }));
    await store.insertFeedback(rows, { createUsers: true, createItems: true });
    // Without automatic checkpoints the database file has not received the rows yet: they are in the WAL.
    const before = statSync(path).size;
    const ckpt = Checkpointer.start(path, 20);
    await until(() => ckpt.stats.walPages > 0 && ckpt.stats.checkpointed === ckpt.stats.walPages);
    expect(ckpt.stats.error).toBeUndefined();
    expect(statSync(path).size).toBeGreaterThan(before);
    // Writes go on while it runs, and everything is there after a reopen.
    await store.insertFeedback(rows.slice(0, 100), { createUsers: true, createItems: true });
    await ckpt.stop();
    await store.close();
    const again = SqliteStorage.open(path);
    expect(await again.feedbackCount()).toBe(5100);
    await again.close();
  });
});
