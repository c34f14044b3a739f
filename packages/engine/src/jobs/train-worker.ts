/**
 * The training worker thread's entry: receives one `TrainJob`, runs it — posting `{type: 'progress'}` per epoch —
 * and posts back the `TrainResult` (the model bytes are transferred, not copied), then exits. One worker per run keeps the memory of a large fit out of the
 * serving thread's heap and lets `stop()` end a run at once with `terminate()`.
 *
 * @example
 * // started by TrainingManager: new Worker(await trainWorkerUrl()).postMessage(job, transferList)
 */
import { parentPort } from 'node:worker_threads';
import { runTraining, type TrainJob, type TrainProgressMessage, type TrainResult } from './train-run.js';

const port = parentPort;
if (!port) throw new Error('train-worker must run in a worker thread');
port.once('message', (job: TrainJob) => {
  let result: TrainResult;
  try {
    result = runTraining(job, (progress) =>
      port.postMessage({ type: 'progress', progress } satisfies TrainProgressMessage),
    );
  } catch (e) {
    result = { ok: false, error: String((e as Error)?.message ?? e) };
  }
  if (result.ok) port.postMessage(result, [result.bytes.buffer as ArrayBuffer]);
  else port.postMessage(result);
  port.close();
});
