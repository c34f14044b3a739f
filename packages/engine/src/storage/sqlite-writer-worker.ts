// The writer thread of ThreadedSqliteStorage: the database's one writing connection, with its group commit, user
// index merges and item purge, answering the request thread's messages in arrival order.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { SqliteStorage, type SqliteOpenOptions } from './sqlite.js';
import { WRITER_OPS, fromColumns, toWire, type WriterReply, type WriterRequest } from './sqlite-writer-protocol.js';

const port = ((): MessagePort => {
  if (!parentPort) throw new Error('sqlite-writer-worker runs as a worker thread');
  return parentPort;
})();
const { path, opts } = workerData as { path: string; opts: SqliteOpenOptions };
const store = SqliteStorage.open(path, opts);
const post = (m: WriterReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

/** Requests being handled: close waits for their answers before it answers (later messages would be lost). */
const inFlight = new Set<Promise<void>>();
port.on('message', (m: WriterRequest) => {
  // Not awaited: a feedback batch must queue now, so that batches arriving in one turn share a group commit.
  const p = handle(m);
  if (m.op === 'close') return;
  inFlight.add(p);
  void p.finally(() => inFlight.delete(p));
});
post({ type: 'ready' });

async function handle(m: WriterRequest): Promise<void> {
  try {
    if (m.op === 'insertFeedback') {
      const rows = fromColumns(m.batch);
      await store.insertFeedback(rows, { createUsers: m.createUsers, createItems: m.createItems });
      // One seq per row of the batch, 0 for a row skipped as a duplicate eventId (seqs start at 1).
      const seqs = new Float64Array(rows.length);
      for (let i = 0; i < rows.length; i++) seqs[i] = rows[i].seq ?? 0;
      post({ type: 'result', id: m.id, result: seqs }, [seqs.buffer]);
    } else if (m.op === 'close') {
      // close() writes the queued batches; their handlers then post their answers before this one.
      await store.close();
      await Promise.allSettled(inFlight);
      post({ type: 'result', id: m.id, result: null });
      port.close();
    } else {
      // Only the listed store members: a message naming anything else is a bug on the sending side, not a call.
      if (!(WRITER_OPS as readonly string[]).includes(m.op)) throw new Error(`unknown writer operation "${m.op}"`);
      const member = (store as unknown as Record<string, unknown>)[m.op];
      const result = typeof member === 'function' ? await member.apply(store, m.args) : member;
      post({ type: 'result', id: m.id, result: result ?? null });
    }
  } catch (e) {
    post({ type: 'error', id: m.id, error: toWire(e) });
  }
}
