// The precompute worker's entry run in this process (worker_threads' parentPort and workerData replaced by a
// MessageChannel end and a job), so its protocol is tested directly and counted by coverage, which cannot see inside
// a real thread: start with the catalogue, chunks whose lists equal on-demand lists, done; an error for a stale job.
import { describe, expect, it, vi } from 'vitest';
import type { PrecomputeJob, PrecomputeMessage } from './precompute-thread.js';
import { FAMILIES, activeUser, served } from './service-models.case.js';

const h = await vi.hoisted(async () => {
  const { MessageChannel } = await import('node:worker_threads');
  return { channel: new MessageChannel(), job: null as unknown };
});
vi.mock('node:worker_threads', async (importOriginal) => ({
  ...(await importOriginal<typeof import('node:worker_threads')>()),
  parentPort: h.channel.port2,
  get workerData() {
    return h.job;
  },
}));

const ALS = FAMILIES.find((f) => f.name === 'als')!;

/** Runs the worker module once on `job` and collects its messages up to 'done' or 'error'. */
async function runWorker(job: PrecomputeJob): Promise<PrecomputeMessage[]> {
  h.job = job;
  const messages: PrecomputeMessage[] = [];
  const finished = new Promise<void>((resolve) => {
    h.channel.port1.removeAllListeners('message');
    h.channel.port1.on('message', (m: PrecomputeMessage) => {
      messages.push(m);
      if (m.type === 'done' || m.type === 'error') resolve();
    });
  });
  vi.resetModules();
  await import('./precompute-worker.js');
  await finished;
  return messages;
}

describe('precompute-worker (in process)', () => {
  it('streams start, the lists of every active user, then done', async () => {
    const { service, d, record, config, path } = await served(ALS);
    const messages = await runWorker({ dbPath: path, config, pipeline: {}, version: record.version, maxUsers: 1000 });
    expect(messages[0]).toEqual({ type: 'start', itemIds: service.catalogIds() });
    const chunks = messages.flatMap((m) => (m.type === 'chunk' ? [m.chunk] : []));
    const users = chunks.flatMap((c) => c.users);
    expect(users).toHaveLength(d.nUsers);
    const done = messages[messages.length - 1];
    expect(done).toMatchObject({ type: 'done', users: d.nUsers });
    // A user's precomputed list is the on-demand default list (same items, same order).
    const user = activeUser(d);
    const chunk = chunks.find((c) => c.users.includes(user))!;
    const k = chunk.users.indexOf(user);
    const start = Array.from(chunk.lengths.subarray(0, k)).reduce((a, b) => a + b, 0);
    const ids = service.catalogIds();
    const pre = Array.from(chunk.items.subarray(start, start + chunk.lengths[k])).map((i) => ids[i]);
    expect(pre).toEqual((await service.defaultList(user)).items.map((x) => x.id));
  });

  it('refuses a job for a version that is no longer the active one', async () => {
    const { config, record, path } = await served(ALS);
    const messages = await runWorker({
      dbPath: path,
      config,
      pipeline: {},
      version: record.version + 1,
      maxUsers: 10,
    });
    expect(messages).toEqual([
      { type: 'error', message: `the store's active model is v${record.version}, not v${record.version + 1}` },
    ]);
  });
});
