import { Worker } from 'node:worker_threads';
import type { KernelGroup, KernelModule, ParallelRunner, SharedKernelMemory } from '../models/parallel.js';

// The worker is a few lines of plain JavaScript evaluated from a string (no file to resolve, so it runs the same from
// dist and under a TypeScript test runner). It instantiates the kernel module it is sent against the shared memory
// and then claims calls from a shared counter until none are left.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
let kernel = null;
parentPort.on('message', (m) => {
  try {
    if (m.type === 'load') {
      kernel = new WebAssembly.Instance(m.module, { env: { memory: m.memory } }).exports;
      if (typeof kernel.set_thread === 'function') kernel.set_thread(m.thread);
      parentPort.postMessage({ ok: true });
    } else if (m.type === 'release') {
      kernel = null;
      parentPort.postMessage({ ok: true });
    } else if (m.type === 'run') {
      const fn = kernel[m.fn], a = m.args, k = m.arity, calls = a.length / k;
      let done = 0;
      for (;;) {
        const c = Atomics.add(m.counter, 0, 1);
        if (c >= calls) break;
        fn(...a.subarray(c * k, c * k + k));
        done++;
      }
      parentPort.postMessage({ ok: true, done });
    }
  } catch (e) {
    parentPort.postMessage({ ok: false, error: String((e && e.stack) || e) });
  }
});
`;

interface Pending {
  resolve: () => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Pending[];
  alive: boolean;
}

type Kernel = Record<string, (...args: number[]) => unknown>;

/** A `ParallelRunner` that also reports how many of its worker threads are still running. */
export interface WorkerRunner extends ParallelRunner {
  /** Worker threads not yet exited (threads − 1 while open, 0 after `close`). */
  readonly liveWorkers: number;
}

/**
 * A `ParallelRunner` on Node worker threads: `threads − 1` workers, created once and reused for every kernel and call
 * list, plus the calling thread, which takes calls too while it waits. Workers are unreferenced while idle, so a
 * runner that was never closed does not keep the process alive; `close()` terminates them.
 *
 * @example
 * import { createWorkerRunner } from 'kindred/node';
 * const runner = createWorkerRunner(2);
 * try {
 *   await new Als({ factors: 64, iterations: 15 }).fitAsync(train, { runner });
 * } finally {
 *   await runner.close();
 * }
 */
export function createWorkerRunner(threads: number): WorkerRunner {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer: ${threads}`);
  const slots: Slot[] = [];
  let failure: Error | null = null;
  let closed = false;
  let busy = false;
  const counter = new Int32Array(new SharedArrayBuffer(4));

  for (let t = 1; t < threads; t++) {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    const slot: Slot = { worker, pending: [], alive: true };
    const fail = (e: Error) => {
      failure ??= e;
      for (const p of slot.pending.splice(0)) p.reject(e);
    };
    worker.on('message', (m: { ok: boolean; error?: string }) => {
      const p = slot.pending.shift();
      if (!p) return;
      if (m.ok) p.resolve();
      else p.reject(new Error(`worker thread ${t}: ${m.error}`));
      if (slots.every((s) => s.pending.length === 0)) for (const s of slots) s.worker.unref();
    });
    worker.on('error', (e) => fail(e instanceof Error ? e : new Error(String(e))));
    worker.on('exit', (code) => {
      slot.alive = false;
      fail(new Error(`worker thread ${t} exited (code ${code})`));
    });
    slots.push(slot);
  }

  const send = (slot: Slot, message: object): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (!slot.alive) return reject(failure ?? new Error('worker thread is not running'));
      slot.pending.push({ resolve, reject });
      slot.worker.ref();
      slot.worker.postMessage(message);
    });
  const usable = (): void => {
    if (closed) throw new Error('the worker runner is closed');
    if (failure) throw failure;
  };

  return {
    threads,
    get liveWorkers() {
      return slots.filter((s) => s.alive).length;
    },
    async load(module: KernelModule, memory: SharedKernelMemory): Promise<KernelGroup> {
      usable();
      const wasm = (
        globalThis as unknown as { WebAssembly: { Instance: new (m: object, i: object) => { exports: Kernel } } }
      ).WebAssembly;
      const local = new wasm.Instance(module, { env: { memory } }).exports;
      if (typeof local.set_thread === 'function') local.set_thread(0);
      await Promise.all(slots.map((s, t) => send(s, { type: 'load', module, memory, thread: t + 1 })));
      let released = false;
      return {
        threads,
        async run(fn: string, args: Float64Array, arity: number): Promise<void> {
          usable();
          if (released) throw new Error('the kernel group was released');
          if (busy) throw new Error('a kernel run is already in progress on this runner');
          const f = local[fn];
          if (typeof f !== 'function') throw new Error(`the kernel has no export "${fn}"`);
          busy = true;
          try {
            Atomics.store(counter, 0, 0);
            const replies = slots.map((s) => send(s, { type: 'run', fn, args, arity, counter }));
            // This thread takes calls too; the workers claim theirs from the same counter meanwhile.
            const calls = args.length / arity;
            let mine: unknown = null;
            try {
              for (;;) {
                const c = Atomics.add(counter, 0, 1);
                if (c >= calls) break;
                f(...args.subarray(c * arity, c * arity + arity));
              }
            } catch (e) {
              mine = e;
              Atomics.store(counter, 0, calls); // the workers stop claiming
            }
            // Settle every worker before returning, so no thread still writes the memory when the caller moves on.
            const settled = await Promise.allSettled(replies);
            if (mine) throw mine;
            for (const s of settled) if (s.status === 'rejected') throw s.reason;
          } finally {
            busy = false;
          }
        },
        async release(): Promise<void> {
          if (released) return;
          released = true;
          if (!closed && !failure) await Promise.all(slots.map((s) => send(s, { type: 'release' })));
        },
      };
    },
    async close(): Promise<void> {
      closed = true;
      await Promise.all(slots.map((s) => (s.alive ? s.worker.terminate() : Promise.resolve(0))));
    },
  };
}
