import { clearImmediate, clearTimeout, setImmediate, setTimeout } from 'node:timers';
import type Database from 'better-sqlite3';

/** After a failed chunk (a busy or full disk), wait this long before trying again. */
const RETRY_MS = 1_000;

/**
 * Housekeeping on a store's connection, done in short chunks with a turn of the event loop between them: requests and
 * group commits run in between, and since better-sqlite3 is synchronous a chunk never overlaps a commit on the
 * connection. A failed chunk (nothing of it written) is tried again a second later rather than spun on. Idle
 * housekeeping never keeps the process alive (its state is durable; the next open resumes it), unless a caller waits
 * for it with {@link whenIdle}. Subclasses say whether work is waiting and run one chunk.
 *
 * @example
 * class Vacuum extends BackgroundChunks {
 *   protected hasWork() { return this.left > 0; }
 *   protected runChunk() { this.left -= vacuumSome(this.db); }
 * }
 */
export abstract class BackgroundChunks {
  private immediate: NodeJS.Immediate | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  /** The error of the last failed chunk (diagnostics). */
  lastError: unknown = undefined;

  constructor(
    protected readonly db: Database.Database,
    /** What the work is, for error messages ("the purge of deleted items"). */
    private readonly what: string,
  ) {}

  /** Whether a chunk is waiting to run. */
  protected abstract hasWork(): boolean;

  /** Runs one chunk, in its own transaction: if it throws, nothing of it was written. */
  protected abstract runChunk(): void;

  /** Whether this connection does the work (a connection may leave it to another one). */
  protected runsHere(): boolean {
    return true;
  }

  /** Resolves once no work is waiting. While someone waits, the work keeps the process alive. */
  whenIdle(): Promise<void> {
    if (!this.hasWork()) return Promise.resolve();
    if (this.stopped || !this.runsHere())
      return Promise.reject(new Error(`${this.what} does not run on this connection`));
    this.immediate?.ref();
    this.timer?.ref();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Stops for good (the store is closing): no chunk runs after this; waiters are rejected. */
  stop(): void {
    this.stopped = true;
    if (this.immediate) clearImmediate(this.immediate);
    if (this.timer) clearTimeout(this.timer);
    this.immediate = this.timer = null;
    this.settle(new Error(`the store was closed before ${this.what} finished`));
  }

  /** Runs the next chunk on a coming turn of the event loop, if there is work and none is scheduled. */
  protected schedule(): void {
    if (!this.runsHere() || this.stopped || this.immediate || this.timer || !this.hasWork()) return;
    this.immediate = setImmediate(this.step);
    if (this.waiters.length === 0) this.immediate.unref();
  }

  private readonly step = (): void => {
    this.immediate = this.timer = null;
    if (this.stopped || !this.db.open) return;
    if (!this.hasWork()) return this.settle();
    try {
      this.runChunk();
    } catch (e) {
      this.lastError = e;
      this.timer = setTimeout(this.step, RETRY_MS);
      if (this.waiters.length === 0) this.timer.unref();
      return;
    }
    if (this.hasWork()) this.schedule();
    else this.settle();
  };

  private settle(error?: Error): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      if (error) w.reject(error);
      else w.resolve();
    }
  }
}
