// ThreadedSqliteStorage's edges: what it refuses to open, an empty batch, the writer's diagnostics passed through,
// calls after close, and an error value that is not an Error crossing the thread boundary.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ThreadedSqliteStorage } from './sqlite-threaded.js';
import { fromWire, toWire } from './sqlite-writer-protocol.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempPath = () => {
  const dir = mkdtempSync(join(tmpdir(), 'kindred-threaded-edges-'));
  dirs.push(dir);
  return join(dir, 'k.db');
};

describe('ThreadedSqliteStorage edges', () => {
  it('needs a database file: :memory: would give the writer thread a database of its own', async () => {
    await expect(ThreadedSqliteStorage.open(':memory:')).rejects.toThrow(/needs a database file/);
  });

  it('passes the writer diagnostics through, stores an empty batch as nothing, and refuses calls after close', async () => {
    const s = await ThreadedSqliteStorage.open(tempPath());
    expect(await s.writerSynchronousLevel()).toBe(2);
    expect(await s.insertFeedback([], { createUsers: true, createItems: true })).toBe(0);
    await s.insertFeedback([{ userId: 'u', itemId: 'i', type: 'click', value: 1, timestamp: 1 }], {
      createUsers: true,
      createItems: true,
    });
    expect(await s.userIndexPending()).toBeGreaterThanOrEqual(0);
    await s.mergeUserIndex();
    await s.whenUserIndexMerged();
    expect(await s.userIndexPending()).toBe(0);
    expect((await s.userFeedback('u')).map((r) => r.itemId)).toEqual(['i']);
    await s.close();
    await s.close(); // idempotent
    await expect(s.upsertItems([])).rejects.toThrow(/not open/);
  });

  it('an error value that is not an Error crosses the boundary as a plain Error with its text', () => {
    const e = fromWire(toWire('disk on fire'));
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ name: 'Error', message: 'disk on fire' });
    const coded = fromWire(toWire(Object.assign(new Error('busy'), { code: 'SQLITE_BUSY' })));
    expect(coded).toMatchObject({ message: 'busy', code: 'SQLITE_BUSY' });
  });
});
