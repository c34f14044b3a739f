import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TrainJob, TrainResult } from './train-run.js';

/** A run in a worker thread: its result, and a way to end it early. */
export interface TrainThread {
  /** Resolves with the worker's result; a crash, a non-zero exit or `terminate()` resolve as a failure. */
  result: Promise<TrainResult>;
  /** Ends the worker (the run resolves as failed with `reason`). */
  terminate(reason: string): Promise<void>;
}

/**
 * Starts `job` in a new worker thread. The event log's buffers are transferred (the caller's arrays become
 * detached: read a new log per run). The result always resolves, never rejects: every way a thread can end
 * (message, error, exit without message, terminate) maps to a `TrainResult`.
 *
 * @example
 * const thread = startTrainThread(job, await trainWorkerUrl());
 * const result = await thread.result;
 */
export function startTrainThread(job: TrainJob, workerUrl: URL): TrainThread {
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
  worker.once('message', (msg: TrainResult) => settle(msg));
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
    async terminate(reason: string) {
      stopReason = reason;
      settle({ ok: false, error: reason });
      await worker.terminate();
    },
  };
}

let devBundle: Promise<URL> | null = null;

/**
 * The worker script's URL: the compiled `train-worker.js` beside this module. When the engine runs from its
 * TypeScript sources (vitest, or a dev runner), Node 20 cannot start a `.ts` worker, so the worker and the library
 * sources it imports are bundled once per process with rolldown (the bundler vitest's vite already ships) into a
 * temp file; tests thus exercise the current sources, never a stale build. Production never takes that path.
 *
 * @example
 * new Worker(await trainWorkerUrl());
 */
export async function trainWorkerUrl(): Promise<URL> {
  const js = new URL('./train-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return js;
  const ts = new URL('./train-worker.ts', import.meta.url);
  if (!existsSync(fileURLToPath(ts)))
    throw new Error(`training worker script not found next to ${fileURLToPath(import.meta.url)}`);
  return (devBundle ??= bundleFromSources(ts).catch((e) => {
    devBundle = null;
    throw e;
  }));
}

async function bundleFromSources(entry: URL): Promise<URL> {
  // A computed specifier keeps rolldown (a dev-only tool) out of the type-check and the production import graph.
  const specifier = ['roll', 'down'].join('');
  const { rolldown } = (await import(/* @vite-ignore */ specifier)) as {
    rolldown: (opts: Record<string, unknown>) => Promise<{
      write(o: Record<string, unknown>): Promise<unknown>;
      close(): Promise<void>;
    }>;
  };
  const kindredSrc = fileURLToPath(new URL('../../../kindred/src/index.ts', import.meta.url));
  const bundle = await rolldown({
    input: fileURLToPath(entry),
    platform: 'node',
    logLevel: 'warn',
    resolve: existsSync(kindredSrc) ? { alias: { kindred: kindredSrc } } : {},
  });
  const dir = mkdtempSync(join(tmpdir(), 'kindred-train-worker-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'train-worker.mjs');
  await bundle.write({ file, format: 'esm' });
  await bundle.close();
  return pathToFileURL(file);
}
