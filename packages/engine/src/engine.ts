import { join, resolve } from 'node:path';
import type { EngineConfig } from './config.js';
import { validateTrainingConfig } from './training-config.js';
import { KeyRing } from './api/auth.js';
import { EngineMetrics } from './api/metrics.js';
import type { Storage } from './storage/port.js';
import { Checkpointer } from './storage/checkpointer.js';
import { DataDirLock } from './storage/data-dir-lock.js';
import { ensurePrivateDir, ensurePrivateFile } from './storage/private-files.js';
import { SqliteStorage } from './storage/sqlite.js';
import { ThreadedSqliteStorage } from './storage/sqlite-threaded.js';
import { ServingService } from './serving/service.js';
import { TrainingManager } from './jobs/training-manager.js';

/**
 * One running engine: configuration, store, metrics, the serving state (catalogue + active model + pipeline) and the
 * training manager. The HTTP layer (server.ts) is a thin shell over it, so tests and embedders can drive it directly.
 *
 * @example
 * const engine = await Engine.open(loadConfig({ overrides: { dataDir: './data' } }));
 * const app = await buildServer(engine);
 * await app.listen({ port: 8080 });
 */
export class Engine {
  readonly keys: KeyRing;
  readonly metrics = new EngineMetrics();
  readonly serving: ServingService;
  readonly training: TrainingManager;

  private constructor(
    readonly config: EngineConfig,
    readonly storage: Storage,
    /** The embedded store's file (null for a storage passed in): background workers open it themselves. */
    readonly dbPath: string | null = null,
    /** Checkpoints the embedded store's WAL off the request thread (null for a storage passed in). */
    private readonly checkpointer: Checkpointer | null = null,
    /** The exclusive lock on the data directory (null for a storage passed in). */
    private readonly lock: DataDirLock | null = null,
  ) {
    this.keys = new KeyRing(config.auth);
    this.serving = new ServingService(this);
    this.training = new TrainingManager(this);
  }

  /**
   * Opens the embedded store under `config.dataDir` (created mode 0700 if missing, files 0600) and loads the active
   * model, if any. Fails with ConfigError when the training settings name an unknown algorithm or parameter, and with
   * DataDirLockedError when another engine holds the data directory (see DataDirLock).
   */
  static async open(config: EngineConfig, storage?: Storage): Promise<Engine> {
    validateTrainingConfig(config.training);
    let store = storage;
    let dbPath: string | null = null;
    let checkpointer: Checkpointer | null = null;
    let lock: DataDirLock | null = null;
    if (!store) {
      const dir = resolve(config.dataDir);
      ensurePrivateDir(dir);
      // Before any connection opens kindred.db: a second engine must not even migrate it.
      lock = DataDirLock.acquire(dir);
      try {
        dbPath = join(dir, 'kindred.db');
        ensurePrivateFile(dbPath);
        // Commits never checkpoint: a worker thread does (see Checkpointer).
        store = config.storage.writerThread
          ? await ThreadedSqliteStorage.open(dbPath, { walAutocheckpoint: 0 })
          : SqliteStorage.open(dbPath, { walAutocheckpoint: 0 });
        checkpointer = Checkpointer.start(dbPath);
      } catch (e) {
        await store?.close();
        lock.release();
        throw e;
      }
    }
    const engine = new Engine(config, store, dbPath, checkpointer, lock);
    try {
      await engine.serving.reload();
    } catch (e) {
      // What this call opened is closed again (a store passed in stays the caller's).
      if (lock) await engine.close();
      throw e;
    }
    return engine;
  }

  /** Starts background work (the training schedule). */
  start(): void {
    this.training.start();
  }

  /** Stops training and background work, closes the store, then releases the data directory's lock. */
  async close(): Promise<void> {
    try {
      await this.training.stop();
      await this.serving.close();
      await this.checkpointer?.stop();
      await this.storage.close();
    } finally {
      this.lock?.release();
    }
  }
}
