// Every store the engine or its tests use runs the same Storage contract (storage/contract.case.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { MemoryStorage } from '../jobs/memory-storage.case.js';
import { storageContract } from './contract.case.js';
import { SqliteStorage } from './sqlite.js';
import { ThreadedSqliteStorage } from './sqlite-threaded.js';

const dirs: string[] = [];
const tempPath = () => {
  const dir = mkdtempSync(join(tmpdir(), 'kindred-contract-'));
  dirs.push(dir);
  return join(dir, 'k.db');
};
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

storageContract('SqliteStorage', async () => SqliteStorage.open(tempPath()));
storageContract('ThreadedSqliteStorage', () => ThreadedSqliteStorage.open(tempPath()));
storageContract('MemoryStorage', async () => new MemoryStorage());
