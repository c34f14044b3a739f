// The writer thread's message handling, run in this process: worker_threads' parentPort and workerData are replaced by
// one end of a MessageChannel, so the protocol (seqs per row, the op allow-list, errors across the boundary, close
// after the in-flight answers) is tested directly and counted by coverage, which cannot see inside a real thread.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { fromWire, toColumns, type WriterReply, type WriterRequest } from './sqlite-writer-protocol.js';
import { UnknownReferenceError } from './errors.js';

const h = await vi.hoisted(async () => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { MessageChannel } = await import('node:worker_threads');
  const dir = mkdtempSync(join(tmpdir(), 'kindred-writer-inproc-'));
  return { dir, path: join(dir, 'k.db'), channel: new MessageChannel() };
});
vi.mock('node:worker_threads', async (importOriginal) => ({
  ...(await importOriginal<typeof import('node:worker_threads')>()),
  parentPort: h.channel.port2,
  workerData: { path: h.path, opts: {} },
}));
afterAll(() => rmSync(h.dir, { recursive: true, force: true }));

const replies: WriterReply[] = [];
const waiters: (() => void)[] = [];
h.channel.port1.on('message', (m: WriterReply) => {
  replies.push(m);
  for (const w of waiters.splice(0)) w();
});
async function reply(pred: (m: WriterReply) => boolean): Promise<WriterReply> {
  for (;;) {
    const m = replies.find(pred);
    if (m) return m;
    await new Promise<void>((r) => waiters.push(r));
  }
}
let nextId = 1;
/** A request without its id (distributed over the union, so each variant keeps its own fields). */
type Request = WriterRequest extends infer R ? (R extends WriterRequest ? Omit<R, 'id'> : never) : never;
async function call(m: Request): Promise<WriterReply> {
  const id = nextId++;
  h.channel.port1.postMessage({ ...m, id });
  return reply((r) => r.type !== 'ready' && r.id === id);
}

describe('sqlite-writer-worker (in process)', () => {
  it('answers ready, runs listed ops, refuses others, carries errors, and closes after in-flight answers', async () => {
    await import('./sqlite-writer-worker.js');
    expect(await reply((m) => m.type === 'ready')).toEqual({ type: 'ready' });

    const item = { id: 'i1', categories: [], labels: {}, timestamp: 1, hidden: false, updatedAt: 1 };
    expect(await call({ op: 'upsertItems', args: [[item]] })).toMatchObject({ type: 'result', result: 1 });
    const rows = [
      { userId: 'u', itemId: 'i1', type: 'click', value: 1, timestamp: 1, eventId: 'e1' },
      { userId: 'u', itemId: 'i1', type: 'click', value: 1, timestamp: 2, eventId: 'e1' },
      { userId: 'u', itemId: 'i1', type: 'like', value: 1, timestamp: 3 },
    ];
    const ins = await call({ op: 'insertFeedback', batch: toColumns(rows), createUsers: true, createItems: false });
    // One seq per row, 0 for the row skipped as a repeated eventId.
    expect(ins.type === 'result' && Array.from(ins.result as Float64Array)).toEqual([1, 0, 2]);

    // An unknown reference comes back as the store's own error class.
    const bad = await call({
      op: 'insertFeedback',
      batch: toColumns([{ userId: 'u', itemId: 'nope', type: 'click', value: 1, timestamp: 4 }]),
      createUsers: true,
      createItems: false,
    });
    expect(bad.type).toBe('error');
    const err = bad.type === 'error' ? fromWire(bad.error) : null;
    expect(err).toBeInstanceOf(UnknownReferenceError);
    expect(err).toMatchObject({ kind: 'item', id: 'nope', index: 0 });

    // A read (not in WRITER_OPS) is refused: the writer runs only the listed members.
    const read = await call({ op: 'allItems' as never, args: [] });
    expect(read).toMatchObject({ type: 'error', error: { message: 'unknown writer operation "allItems"' } });
    // A listed getter answers its value.
    expect(await call({ op: 'synchronousLevel', args: [] })).toMatchObject({ type: 'result', result: 2 });

    // A batch queued in the same turn as close is still answered, before close's own answer.
    const lastId = nextId;
    h.channel.port1.postMessage({
      id: nextId++,
      op: 'insertFeedback',
      batch: toColumns([{ userId: 'v', itemId: 'i1', type: 'click', value: 1, timestamp: 5 }]),
      createUsers: true,
      createItems: false,
    });
    const closed = await call({ op: 'close' });
    expect(closed).toMatchObject({ type: 'result', result: null });
    const order = replies.flatMap((r) => (r.type === 'ready' ? [] : [r.id]));
    expect(order.indexOf(lastId)).toBeLessThan(order.indexOf(lastId + 1));
    const last = replies.find((r) => r.type === 'result' && r.id === lastId);
    expect(last?.type === 'result' && Array.from(last.result as Float64Array)).toEqual([3]);
  });
});
