// Test helpers shared by the storage tests (a .case.ts file: imported by tests, never by the engine).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { FeedbackRecord, ItemRecord } from './port.js';
import { SqliteStorage, type SqliteOpenOptions } from './sqlite.js';

/** One feedback row (value 1 unless given). */
export const fb = (userId: string, itemId: string, timestamp: number, type = 'click', value = 1): FeedbackRecord => ({
  userId,
  itemId,
  type,
  value,
  timestamp,
});

/** A catalogue item with fixed times (1000, 2000), overridable field by field. */
export const item = (id: string, over: Partial<ItemRecord> = {}): ItemRecord => ({
  id,
  categories: [],
  labels: {},
  timestamp: 1000,
  hidden: false,
  updatedAt: 2000,
  ...over,
});

/** insertFeedback options that create unknown users and items. */
export const both = { createUsers: true, createItems: true };

/**
 * Stores in fresh temp directories, closed and removed after each test of the calling file.
 *
 * @example
 * const { tempPath, open } = tempStores('kindred-purge-');
 * const s = open(tempPath(), { purgeChunkSeqs: 10 });
 */
export function tempStores(prefix: string) {
  const dirs: string[] = [];
  const stores: SqliteStorage[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return {
    tempPath(): string {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      return join(dir, 'k.db');
    },
    open(path: string, opts: SqliteOpenOptions = {}): SqliteStorage {
      const s = SqliteStorage.open(path, opts);
      stores.push(s);
      return s;
    },
  };
}
