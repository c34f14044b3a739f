import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// The worker's whole program (CommonJS, run with `eval`): a second connection that copies committed WAL frames into
// the database file. PASSIVE never waits for readers or writers, so the serving thread's commits never wait for it.
const PROGRAM = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: 1000 });
const tick = () => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ type: 'checkpoint', walPages: r.log, checkpointed: r.checkpointed });
  } catch (e) {
    parentPort.postMessage({ type: 'error', message: String((e && e.message) || e) });
  }
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** What the last checkpoint found: frames in the WAL and how many of them are in the database file. */
export interface CheckpointStats {
  walPages: number;
  checkpointed: number;
  error?: string;
}

/**
 * Checkpoints a WAL-mode SQLite database from a worker thread, so that the connection that commits feedback runs with
 * `wal_autocheckpoint = 0` and never pays for a checkpoint itself: an automatic checkpoint runs inside the commit
 * that crosses the threshold, copying every WAL page into the database file while that request waits.
 * Durability is unchanged: a commit is durable once its WAL frames are synced; a checkpoint only moves them into the
 * database file later (and a crash before that replays the WAL on the next open).
 *
 * @example
 * const store = SqliteStorage.open(path, { walAutocheckpoint: 0 });
 * const checkpointer = Checkpointer.start(path);
 * // ...
 * await checkpointer.stop();
 * await store.close();
 */
export class Checkpointer {
  private last: CheckpointStats = { walPages: 0, checkpointed: 0 };

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: { type: string; walPages?: number; checkpointed?: number; message?: string }) => {
      if (m.type === 'checkpoint') this.last = { walPages: m.walPages ?? 0, checkpointed: m.checkpointed ?? 0 };
      else if (m.type === 'error') this.last = { ...this.last, error: m.message };
    });
    worker.on('error', (e) => (this.last = { ...this.last, error: e.message }));
    // Housekeeping: it must not keep a process alive on its own.
    worker.unref();
  }

  /** Starts checkpointing `path` every `intervalMs`. */
  static start(path: string, intervalMs = 200): Checkpointer {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    return new Checkpointer(new Worker(PROGRAM, { eval: true, workerData: { path, driver, intervalMs } }));
  }

  /** The latest checkpoint's figures (for metrics and tests). */
  get stats(): CheckpointStats {
    return this.last;
  }

  /** Stops the thread and closes its connection; resolves when it has exited. */
  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage('stop');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
    await this.worker.terminate();
  }
}
