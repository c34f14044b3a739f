import type { Csr } from '../../data/interactions.js';
import { compileKernel, wasmApi } from '../../math/wasm-kernel.js';
import { withSharedMemory } from '../factorization/als-wasm.js';
import { costSplit, type KernelGroup, type ParallelRunner } from '../parallel.js';
import { SIMILARITY_WASM } from './similarity-wasm.js';
import {
  similarityKernel,
  similarityMatrix,
  type SimilarityInput,
  type SimilarityName,
  type SimilarityOptions,
} from './similarity.js';

/**
 * Below this much work (co-rated pair updates plus n² cells, see `similarityRowCosts`) the matrix is computed on the
 * calling thread by `similarityMatrix`. The threaded path costs ~5 ms up front (shared memory, loading the kernel in
 * the workers, two passes); measured on 2 cores it broke even between 0.3M and 0.9M work (400–800 items) and was
 * ahead from there on. ML-100K (user-based, 943²: 8.8M; item-based, 1682²: 11.5M) is well above.
 *
 * @example
 * PARALLEL_SIMILARITY_WORK; // 1048576
 */
export const PARALLEL_SIMILARITY_WORK = 2 ** 20;

/** Calls per pass the rows are cut into (by cost), and the most rows a call takes: many short calls let V8 tier the
 *  kernel up early (it switches code only between calls) and let a thread slowed by other load take fewer. */
const CALLS = 96;
const MAX_ROWS = 512;
/** Bytes of one partner's accumulators per kernel (see similarity.wat). */
const STRIDE = { msd: 16, pearson: 48, product: 32 } as const;
const PAGE = 65536;

let compiled: object | null | undefined;
const sharedModule = (): object | null => (compiled ??= compileKernel(SIMILARITY_WASM, withSharedMemory));

/**
 * Work of each row of the kernel: its co-rated pairs with later rows (each pair (a, b), a < b, is accumulated by
 * row a) plus its n − a − 1 finalised cells. Exact, in one pass over the transpose: in y's sorted row the entry at
 * position k pairs with the entries after it.
 *
 * @example
 * const cost = similarityRowCosts({ xRows: data.byItem(), yRows: data.byUser() });
 * cost.reduce((s, c) => s + c, 0); // total work, compared with PARALLEL_SIMILARITY_WORK
 */
export function similarityRowCosts(input: SimilarityInput): Float64Array {
  const n = input.xRows.indptr.length - 1;
  const { indptr, indices } = input.yRows;
  const cost = new Float64Array(n);
  for (let a = 0; a < n; a++) cost[a] = n - a - 1;
  for (let y = 0; y + 1 < indptr.length; y++) {
    const end = indptr[y + 1];
    for (let k = indptr[y]; k < end; k++) cost[indices[k]] += end - k - 1;
  }
  return cost;
}

/**
 * `similarityMatrix` on the threads of `runner` when the matrix is large (its work is at least `minWork`, by default
 * `PARALLEL_SIMILARITY_WORK`): the hand-written WebAssembly kernel (similarity.wat) over one shared memory, rows cut
 * into calls of equal cost, then a second pass mirrors the upper triangle. The result is bit-identical to
 * `similarityMatrix` (same float64 operations in the same order per cell; the split only decides which thread
 * computes a row). Falls back to `similarityMatrix` on this thread for small matrices, a runner of one thread, no
 * WebAssembly or shared memory, or more than 2 GB of kernel memory.
 *
 * The matrix returned by the threaded path is a view of the kernel's (shared) memory, not a copy: copying 8k² cells
 * took longer than the mirror pass. What the memory holds besides (the float64/int32 copies of both CSRs, 24 bytes
 * per rating, and n·48 bytes of scratch per thread) stays allocated as long as the matrix does.
 *
 * @example
 * import { createWorkerRunner } from 'kindred/node';
 * const runner = createWorkerRunner(2);
 * try {
 *   const sim = await similarityMatrixAsync('pearson', { xRows: data.byItem(), yRows: data.byUser() },
 *     { minSupport: 1, shrinkage: 100 }, runner);
 * } finally {
 *   await runner.close();
 * }
 */
export async function similarityMatrixAsync(
  name: SimilarityName,
  input: SimilarityInput,
  opts: SimilarityOptions,
  runner: ParallelRunner,
  minWork = PARALLEL_SIMILARITY_WORK,
): Promise<Float64Array> {
  const k = similarityKernel(name, input, opts); // validates the options first, whatever path runs
  if (runner.threads <= 1) return similarityMatrix(name, input, opts);
  const cost = similarityRowCosts(input);
  let work = 0;
  for (let a = 0; a < cost.length; a++) work += cost[a];
  if (work < minWork) return similarityMatrix(name, input, opts);
  const job = similarityJob(k, input, cost, runner.threads);
  if (!job) return similarityMatrix(name, input, opts);
  let group: KernelGroup | null = null;
  try {
    group = await runner.load(job.module, job.memory);
    await group.run(job.rows.fn, job.rows.args, job.rows.arity);
    await group.run(job.mirror.fn, job.mirror.args, job.mirror.arity);
  } finally {
    await group?.release();
  }
  return job.result();
}

/** One pass: `args` holds consecutive tuples of `arity` numbers for export `fn`. */
interface Pass {
  fn: string;
  args: Float64Array;
  arity: number;
}

/** The kernel's shared memory filled with the inputs, its two passes and how to read the matrix back. */
interface SimilarityJob {
  module: object;
  memory: object;
  rows: Pass;
  mirror: Pass;
  /** The matrix: a view of the kernel's memory (see `similarityMatrixAsync`). */
  result(): Float64Array;
}

function similarityJob(
  k: ReturnType<typeof similarityKernel>,
  input: SimilarityInput,
  cost: Float64Array,
  threads: number,
): SimilarityJob | null {
  const module = sharedModule();
  const api = wasmApi();
  if (!module || !api) return null;
  const { xRows, yRows } = input;
  const n = xRows.indptr.length - 1,
    m = yRows.indptr.length - 1,
    nnz = xRows.indices.length;
  let end = 0;
  const take = (bytes: number): number => {
    const at = end;
    end = at + Math.ceil(bytes / 16) * 16;
    return at;
  };
  const outAt = take(n * n * 8),
    xpAt = take((n + 1) * 4),
    xiAt = take(nnz * 4),
    xvAt = take(nnz * 8),
    ypAt = take((m + 1) * 4),
    yiAt = take(nnz * 4),
    yvAt = take(nnz * 8),
    scratchAt = take(threads * n * STRIDE[k.kernel]);
  // i32 offsets in the kernel; the JS side passes them as numbers below 2^31.
  if (end > 2 ** 31) return null;
  let memory: { buffer: ArrayBuffer };
  try {
    const pages = Math.max(1, Math.ceil(end / PAGE));
    memory = new api.Memory({ initial: pages, maximum: pages, shared: true });
  } catch {
    return null;
  }
  const buf = memory.buffer;
  copyCsr(buf, xRows, k.xValues, xpAt, xiAt, xvAt);
  copyCsr(buf, yRows, k.yValues, ypAt, yiAt, yvAt);

  const rowBounds = costSplit(n, (a) => cost[a], CALLS, MAX_ROWS);
  const rowCalls = rowBounds.length - 1;
  const arity = k.kernel === 'product' ? 13 : 12;
  const rowArgs = new Float64Array(rowCalls * arity);
  for (let c = 0; c < rowCalls; c++) {
    rowArgs.set(
      [rowBounds[c], rowBounds[c + 1], n, outAt, xpAt, xiAt, xvAt, ypAt, yiAt, yvAt, scratchAt, k.minSupport],
      c * arity,
    );
    if (arity === 13) rowArgs[c * arity + 12] = k.shrinkage;
  }
  // Row a of the mirror pass copies a cells (plus its diagonal).
  const mirrorBounds = costSplit(n, (a) => a + 1, CALLS, MAX_ROWS);
  const mirrorCalls = mirrorBounds.length - 1;
  const mirrorArgs = new Float64Array(mirrorCalls * 4);
  for (let c = 0; c < mirrorCalls; c++) mirrorArgs.set([mirrorBounds[c], mirrorBounds[c + 1], n, outAt], c * 4);

  return {
    module,
    memory,
    rows: { fn: `${k.kernel}_rows`, args: rowArgs, arity },
    mirror: { fn: 'mirror', args: mirrorArgs, arity: 4 },
    result: () => new Float64Array(buf, outAt, n * n),
  };
}

/** Copies a CSR into the kernel memory, its values as float64 (exact for the float32 ratings). */
function copyCsr(
  buf: ArrayBuffer,
  csr: Csr,
  values: Float32Array | Float64Array,
  ptrAt: number,
  idxAt: number,
  valAt: number,
): void {
  new Int32Array(buf, ptrAt, csr.indptr.length).set(csr.indptr);
  new Int32Array(buf, idxAt, csr.indices.length).set(csr.indices);
  new Float64Array(buf, valAt, values.length).set(values);
}
