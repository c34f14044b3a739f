import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { ItemRecord } from './port.js';
import { SqliteStorage } from './sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'kindred-vacuum-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const autoVacuum = (path: string): number => {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma('auto_vacuum', { simple: true }) as number;
  } finally {
    db.close();
  }
};

const INCREMENTAL = 2;

describe('incremental vacuum', () => {
  it('a new database is created with auto_vacuum = INCREMENTAL', async () => {
    const path = join(dir, 'new.db');
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    await SqliteStorage.open(path).close();
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    expect(autoVacuum(path)).toBe(INCREMENTAL);
    expect(warnings).toEqual([]); // no rewrite needed
  });

  it('a database made before (auto_vacuum = NONE, with tables) is switched once at open, data kept', async () => {
    const path = join(dir, 'old.db');
    const first = SqliteStorage.open(path);
    await first.upsertUsers([{ id: 'u1', labels: { a: 'b' }, updatedAt: 1 }]);
    await first.close();
    // Turn the file back into what an older engine made: no auto-vacuum.
    const raw = new Database(path);
    raw.pragma('auto_vacuum = NONE');
    raw.exec('VACUUM');
    expect(raw.pragma('auto_vacuum', { simple: true })).toBe(0);
    raw.close();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    const again = SqliteStorage.open(path);
    expect(await again.getUser('u1')).toMatchObject({ labels: { a: 'b' } });
    await again.close();
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    expect(autoVacuum(path)).toBe(INCREMENTAL);
    expect(warnings.join()).toContain('rewritten once');
  });

  it('the file shrinks after many large items are deleted', async () => {
    const path = join(dir, 'shrink.db');
    const store = SqliteStorage.open(path);
    const items: ItemRecord[] = Array.from({ length: 300 }, (_, k) => ({
      id: `i${k}`,
      categories: [],
      labels: { blurb: 'x'.repeat(4000) },
      text: `item ${k} `.repeat(6000),
      timestamp: 0,
      hidden: false,
      updatedAt: 0,
    }));
    for (let k = 0; k < items.length; k += 50) await store.upsertItems(items.slice(k, k + 50));
    await store.close(); // the last connection checkpoints the WAL into the file
    const full = statSync(path).size;
    expect(full).toBeGreaterThan(15_000_000);

    const again = SqliteStorage.open(path);
    for (const it of items) expect(await again.deleteItem(it.id)).toBe(true);
    await again.whenItemsPurged();
    await again.whenVacuumed();
    await again.close();
    const after = statSync(path).size;
    // Without incremental vacuum the file keeps every page (free pages are only reused by later inserts).
    expect(after).toBeLessThan(full / 10);
  });
});
