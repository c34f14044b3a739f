import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataDirLock, DataDirLockedError } from '@kindred/engine';
import { RunError } from '../run-error.js';
import { UsageError } from '../usage-error.js';

/**
 * The marker `kindred demo --serve` leaves in its data directory: what it seeded, and whether seeding finished.
 * A re-run finds it and reuses the data instead of seeding it a second time (which doubled every count).
 */
export const DEMO_MARKER = 'kindred-demo.json';

/** The marker's content. */
export interface DemoMarker {
  users: number;
  items: number;
  seed: number;
  /** Items, users and click events stored (0 while seeding runs). */
  seeded: { items: number; users: number; events: number };
  /** ISO-8601 time seeding started. */
  startedAt: string;
  /** False from the start of seeding until its last batch is stored. */
  complete: boolean;
}

/** The store's files in a data directory (what `--reset` removes, with the marker). */
const STORE_FILES = ['kindred.db', 'kindred.db-wal', 'kindred.db-shm'];

/**
 * The directory's demo marker, or null when there is none.
 *
 * @example
 * readDemoMarker('./kindred-demo-data')?.complete; // true after a finished `kindred demo --serve`
 */
export function readDemoMarker(dir: string): DemoMarker | null {
  const path = join(dir, DEMO_MARKER);
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as DemoMarker;
  } catch {
    // A torn marker is the demo's own: treat it as an interrupted seeding.
    return { users: 0, items: 0, seed: 0, seeded: { items: 0, users: 0, events: 0 }, startedAt: '', complete: false };
  }
}

/** Writes the marker (mode 0600 like the store's files). */
export function writeDemoMarker(dir: string, marker: DemoMarker): void {
  writeFileSync(join(dir, DEMO_MARKER), JSON.stringify(marker, null, 2) + '\n', { mode: 0o600 });
}

/**
 * `--reset`: removes the demo's store from `dir` so that it is seeded afresh. Refuses a directory whose store the
 * demo did not create (no marker): it may be a real engine's data. Takes the data directory's lock while it deletes,
 * so a running engine's store is never removed under it.
 *
 * @example
 * resetDemoData('./kindred-demo-data');
 */
export function resetDemoData(dir: string): void {
  const hasStore = STORE_FILES.some((f) => existsSync(join(dir, f)));
  if (!hasStore) return;
  if (!readDemoMarker(dir))
    throw new UsageError(
      `demo --reset: ${dir} holds a store that kindred demo did not create; refusing to delete it (use another --data directory)`,
    );
  let lock: DataDirLock;
  try {
    lock = DataDirLock.acquire(dir);
  } catch (e) {
    if (e instanceof DataDirLockedError) throw new RunError(e.message);
    throw e;
  }
  try {
    for (const f of [...STORE_FILES, DEMO_MARKER]) rmSync(join(dir, f), { force: true });
  } finally {
    lock.release();
  }
}
