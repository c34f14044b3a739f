// Worker thread entry: computes the default recommendation list of every active user for the active model and
// streams them to the serving thread in compact chunks (see precompute-thread.ts). It opens the store itself (a
// second SQLite connection: WAL lets it read while the server writes) and runs the same ServingService code the
// request path runs, so a precomputed list is exactly what an on-demand request would have computed.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteStorage } from '../storage/sqlite.js';
import { ServingService } from './service.js';
import { ListEncoder } from './precomputed-lists.js';
import type { PrecomputeJob, PrecomputeMessage } from './precompute-thread.js';

const CHUNK_USERS = 500;

async function main(job: PrecomputeJob): Promise<void> {
  const port = parentPort!;
  const send = (m: PrecomputeMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  const t0 = performance.now();
  // The serving connection purges deleted items' rows; this reader must not compete for the write lock.
  const storage = SqliteStorage.open(job.dbPath, { purgeDeletedItems: false });
  try {
    // No per-user cache here: every user is computed once.
    const config = { ...job.config, serving: { ...job.config.serving, cacheSize: 0 } };
    const serving = new ServingService({ config, storage }, { pipeline: job.pipeline });
    await serving.reload();
    const version = serving.modelInfo?.version ?? null;
    if (version !== job.version) {
      send({ type: 'error', message: `the store's active model is v${version}, not v${job.version}` });
      return;
    }
    send({ type: 'start', itemIds: serving.catalogIds() });
    const enc = new ListEncoder();
    // The most recently active users first: with a cap below the user count, the cap keeps the active ones.
    const ids = await storage.recentUsers(job.maxUsers);
    let users = 0;
    for (const id of ids) {
      const list = await serving.defaultList(id);
      enc.push(id, list.items, list.indices, list.fallback);
      users++;
      if (enc.pending >= CHUNK_USERS) {
        const c = enc.flush();
        send(
          { type: 'chunk', chunk: c },
          [c.lengths, c.fallbacks, c.items, c.scores, c.reasons].map((a) => a.buffer as ArrayBuffer),
        );
      }
    }
    if (enc.pending > 0) send({ type: 'chunk', chunk: enc.flush() });
    send({ type: 'done', users, seconds: (performance.now() - t0) / 1000 });
  } finally {
    await storage.close();
  }
}

main(workerData as PrecomputeJob).catch((e: unknown) =>
  parentPort!.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) }),
);
