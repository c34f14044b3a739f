import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EngineConfig } from './config.js';
import { KeyRing } from './api/auth.js';
import { EngineMetrics } from './api/metrics.js';
import type { Storage } from './storage/port.js';
import { Checkpointer } from './storage/checkpointer.js';
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
  ) {
    this.keys = new KeyRing(config.auth);
    this.serving = new ServingService(this);
    this.training = new TrainingManager(this);
  }

  /** Opens the embedded store under `config.dataDir` (created if missing) and loads the active model, if any. */
  static async open(config: EngineConfig, storage?: Storage): Promise<Engine> {
    let store = storage;
    let dbPath: string | null = null;
    let checkpointer: Checkpointer | null = null;
    if (!store) {
      const dir = resolve(config.dataDir);
      mkdirSync(dir, { recursive: true });
      dbPath = join(dir, 'kindred.db');
      // Commits never checkpoint: a worker thread does (see Checkpointer).
      store = config.storage.writerThread
        ? await ThreadedSqliteStorage.open(dbPath, { walAutocheckpoint: 0 })
        : SqliteStorage.open(dbPath, { walAutocheckpoint: 0 });
      checkpointer = Checkpointer.start(dbPath);
    }
    const engine = new Engine(config, store, dbPath, checkpointer);
    await engine.serving.reload();
    return engine;
  }

  /** Starts background work (the training schedule). */
  start(): void {
    this.training.start();
  }

  async close(): Promise<void> {
    await this.training.stop();
    await this.serving.close();
    await this.checkpointer?.stop();
    await this.storage.close();
  }
}
