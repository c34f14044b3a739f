import { Worker } from 'node:worker_threads';
import type { PipelineConfigInput } from 'kindred';
import type { EngineConfig } from '../config.js';
import { workerScriptUrl } from '../jobs/worker-script.js';
import type { ListChunk } from './precomputed-lists.js';

/** What a precompute worker is started with (structured-cloned into the thread). */
export interface PrecomputeJob {
  dbPath: string;
  config: EngineConfig;
  /** The serving thread's pipeline settings (embedders may pass their own), so both compute the same lists. */
  pipeline: PipelineConfigInput;
  /** The model version the lists are for (null: no model, fallback lists). */
  version: number | null;
  maxUsers: number;
}

/** Worker → serving thread. */
export type PrecomputeMessage =
  | { type: 'start'; itemIds: string[] }
  | { type: 'chunk'; chunk: ListChunk }
  | { type: 'done'; users: number; seconds: number }
  | { type: 'error'; message: string };

/** A running precompute: `stop()` ends it (idempotent); `done` settles when the thread has ended, however. */
export interface PrecomputeRun {
  stop(): Promise<void>;
  done: Promise<void>;
}

/**
 * Starts a precompute worker for `job`, handing every message to `onMessage` on this thread. Errors and crashes
 * arrive as `{ type: 'error' }`; the run never throws.
 *
 * @example
 * const run = startPrecompute(job, (m) => console.log(m.type));
 * await run.done;
 */
export function startPrecompute(job: PrecomputeJob, onMessage: (m: PrecomputeMessage) => void): PrecomputeRun {
  let worker: Worker | null = null;
  let stopped = false;
  const done = (async () => {
    const url = await workerScriptUrl(new URL('./precompute-worker.js', import.meta.url));
    if (stopped) return;
    const w = new Worker(url, { name: 'kindred-precompute', workerData: job });
    worker = w;
    // Below the request path: it only ever makes lists that requests would compute anyway.
    w.unref();
    await new Promise<void>((resolve) => {
      w.on('message', (m: PrecomputeMessage) => {
        if (!stopped) onMessage(m);
      });
      w.once('error', (e) => {
        if (!stopped) onMessage({ type: 'error', message: `precompute worker crashed: ${e.message}` });
      });
      w.once('exit', () => resolve());
    });
  })().catch((e: unknown) => {
    if (!stopped) onMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  });
  return {
    done,
    async stop() {
      stopped = true;
      await worker?.terminate();
    },
  };
}
