import { Worker } from 'node:worker_threads';
import { workerScriptUrl } from './worker-script.js';
import type { TrainJob, TrainProgress, TrainProgressMessage, TrainResult } from './train-run.js';

/** A run in a worker thread: its result, and a way to end it early. */
export interface TrainThread {
  /** Resolves with the worker's result; a crash, a non-zero exit or `terminate()` resolve as a failure. */
  result: Promise<TrainResult>;
  /** Ends the worker (the run resolves as failed with `reason`). */
  terminate(reason: string): Promise<void>;
  /**
   * Resolves when the worker thread has started running the training script ('online'); never rejects (a thread
   * that dies first leaves it pending). Lets callers and tests act on a run that is really under way.
   */
  online: Promise<void>;
}

/**
 * Starts `job` in a new worker thread. The event log's buffers are transferred (the caller's arrays become
 * detached: read a new log per run). The result always resolves, never rejects: every way a thread can end
 * (message, error, exit without message, terminate) maps to a `TrainResult`. `onProgress` receives the worker's
 * per-epoch reports until the result.
 *
 * @example
 * const thread = startTrainThread(job, await trainWorkerUrl());
 * const result = await thread.result;
 */
export function startTrainThread(
  job: TrainJob,
  workerUrl: URL,
  onProgress: (p: TrainProgress) => void = () => {},
): TrainThread {
  const worker = new Worker(workerUrl, { name: 'kindred-train' });
  let settled = false;
  let stopReason: string | null = null;
  let settle!: (r: TrainResult) => void;
  const result = new Promise<TrainResult>((resolve) => {
    settle = (r) => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
  });
  const online = new Promise<void>((resolve) => worker.once('online', () => resolve()));
  worker.on('message', (msg: TrainResult | TrainProgressMessage) => {
    if ('type' in msg && msg.type === 'progress') {
      if (!settled) onProgress(msg.progress);
    } else settle(msg as TrainResult);
  });
  worker.once('error', (e) => settle({ ok: false, error: `training worker crashed: ${e.message}` }));
  worker.once('exit', (code) =>
    settle({
      ok: false,
      error: stopReason ?? `training worker exited with code ${code} before answering`,
    }),
  );
  const e = job.events;
  const transfer = [e.users.buffer, e.items.buffer, e.weights.buffer, e.times.buffer, e.kinds.buffer] as ArrayBuffer[];
  worker.postMessage(job, transfer);
  return {
    result,
    online,
    async terminate(reason: string) {
      stopReason = reason;
      settle({ ok: false, error: reason });
      await worker.terminate();
    },
  };
}

/**
 * The training worker script's URL (see `workerScriptUrl`).
 *
 * @example
 * new Worker(await trainWorkerUrl());
 */
export function trainWorkerUrl(): Promise<URL> {
  return workerScriptUrl(new URL('./train-worker.js', import.meta.url));
}
