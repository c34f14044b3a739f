// How models run a WebAssembly kernel on several threads without the core importing node:* (or any worker API):
// the model compiles its kernel and lays its data out in one shared WebAssembly.Memory; a runner (Node:
// `createWorkerRunner` in kindred/node, browsers could write one over Web Workers) instantiates that module against
// that memory in each of its threads and hands out calls. Work is a list of calls to one export, each call a tuple of
// numbers (typically a [start, end) range of rows plus buffer offsets) that writes only its own rows or its own
// partial result, so threads never need locks and the outcome does not depend on which thread ran which call.

/** A compiled WebAssembly module (kept opaque: the core compiles without DOM typings). */
export type KernelModule = object;
/** A WebAssembly.Memory created with `shared: true` (its buffer is a SharedArrayBuffer). */
export type SharedKernelMemory = object;

/** One kernel instantiated in every thread of a runner, over one shared memory. */
export interface KernelGroup {
  /** Threads that take calls, the calling thread included. */
  readonly threads: number;
  /**
   * Runs export `fn` once per call: `args` holds `calls` consecutive tuples of `arity` numbers. Threads claim calls
   * in order from a shared counter (dynamic scheduling, so a thread slowed by other load just takes fewer); the
   * promise settles when every call has returned, and rejects with the first error a thread hit.
   */
  run(fn: string, args: Float64Array, arity: number): Promise<void>;
  /** Drops the instances (the threads stay in the runner for the next group). */
  release(): Promise<void>;
}

/**
 * A pool of threads that can run WebAssembly kernels over shared memory. Every instance a runner creates gets
 * `set_thread(t)` called once (t = 0 is the calling thread) when the module exports it, so a kernel can find its
 * per-thread scratch.
 *
 * @example
 * const runner = createWorkerRunner(2); // Node: exported by kindred/node
 * try {
 *   await new Als({ factors: 64 }).fitAsync(train, { runner });
 * } finally {
 *   await runner.close();
 * }
 */
export interface ParallelRunner {
  /** Threads that take calls, the calling thread included (1 = no parallelism). */
  readonly threads: number;
  /** Instantiates `module` (which imports `env.memory`) against `memory` in every thread. */
  load(module: KernelModule, memory: SharedKernelMemory): Promise<KernelGroup>;
  /** Stops the threads; the runner cannot be used afterwards. */
  close(): Promise<void>;
}

/**
 * Splits rows [0, rows) into consecutive calls of about equal cost (`cost(r)` per row), at most `maxRows` rows each,
 * aiming at `parts` calls: the boundaries, `calls + 1` of them. Balanced calls keep threads busy to the end when a
 * few rows (the most popular items) dominate.
 *
 * @example
 * costSplit(6, (r) => (r === 0 ? 10 : 1), 3, 100); // Int32Array [0, 1, 6]
 */
export function costSplit(rows: number, cost: (r: number) => number, parts: number, maxRows: number): Int32Array {
  let total = 0;
  for (let r = 0; r < rows; r++) total += cost(r);
  const target = total / Math.max(1, parts);
  const bounds: number[] = [0];
  let acc = 0,
    start = 0;
  for (let r = 0; r < rows; r++) {
    acc += cost(r);
    if (acc >= target || r + 1 - start >= maxRows) {
      bounds.push(r + 1);
      acc = 0;
      start = r + 1;
    }
  }
  if (bounds[bounds.length - 1] !== rows) bounds.push(rows);
  return Int32Array.from(bounds);
}
