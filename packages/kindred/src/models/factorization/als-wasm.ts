import { costSplit, type KernelGroup } from '../parallel.js';
import { ALS_CG_WASM } from './als-cg-wasm.js';
import type { ConfidenceCsr } from './confidence.js';
import { decodeBase64 } from '../../math/wasm-kernel.js';

// The few WebAssembly APIs used here, typed locally (the library compiles without DOM typings; the global may be
// missing, and then the JS solvers run).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
type Kernel = Record<string, (...args: number[]) => number>;
interface WasmInstance {
  readonly exports: Kernel;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => WasmInstance;
  Memory: new (desc: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
}

const PAGE = 65536;
/** Partial Gram matrices per half-iteration: fixed, so the summation order (and the result) is the same at any
 *  thread count. */
const GRAM_PARTS = 8;
/** Calls per half-iteration the rows are cut into (by cost) and the most rows a call takes: many short calls let
 *  V8 tier the kernel up early (it switches code only between calls) and let threads share the work evenly. */
const CALLS = 64;
const MAX_ROWS = 256;

const compiled: { plain?: object | null; shared?: object | null } = {};

function wasmApi(): WasmApi | null {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly ?? null;
}

/** The kernel module; `shared` gives the variant whose imported memory is shared (for worker threads). */
function kernelModule(shared: boolean): object | null {
  const api = wasmApi();
  if (!api) return null;
  const key = shared ? 'shared' : 'plain';
  if (compiled[key] === undefined) {
    try {
      let bytes = decodeBase64(ALS_CG_WASM);
      if (shared) bytes = withSharedMemory(bytes);
      compiled[key] = api.validate(bytes) ? new api.Module(bytes) : null;
    } catch {
      compiled[key] = null;
    }
  }
  return compiled[key] ?? null;
}

/** Reads an unsigned LEB128 at `at`: [value, next offset]. */
function leb(b: Uint8Array, at: number): [number, number] {
  let v = 0,
    shift = 0;
  for (;;) {
    const x = b[at++];
    v += (x & 0x7f) * 2 ** shift;
    shift += 7;
    if (x < 0x80) return [v, at];
  }
}

/**
 * A copy of the module bytes with its memory import marked shared (limits flag 0x01 → 0x03, same length). The
 * WebAssembly text is written with a plain import because wabt's build here parses without the threads feature, and
 * because a plain memory is what a single-threaded fit (and a browser without cross-origin isolation) can create.
 */
export function withSharedMemory(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  let at = 8;
  while (at < out.length) {
    const id = out[at];
    const [size, body] = leb(out, at + 1);
    if (id === 2) {
      let [count, p] = leb(out, body);
      while (count-- > 0) {
        let len: number;
        [len, p] = leb(out, p);
        p += len;
        [len, p] = leb(out, p);
        p += len;
        const kind = out[p++];
        if (kind === 2) {
          if (out[p] !== 1) throw new Error('als kernel: memory import has no maximum');
          out[p] = 3;
          return out;
        }
        if (kind === 0) [, p] = leb(out, p);
        else if (kind === 1) {
          const flags = out[p + 1];
          [, p] = leb(out, p + 2);
          if (flags & 1) [, p] = leb(out, p);
        } else p += 2;
      }
    }
    at = body + size;
  }
  throw new Error('als kernel: no memory import');
}

/** The problem the ALS trainer runs on: both confidence CSRs and the (unpadded, row-major) factor tables. */
export interface AlsProblem {
  factors: number;
  byUser: ConfidenceCsr;
  byItem: ConfidenceCsr;
  userFactors: Float32Array;
  itemFactors: Float32Array;
}

/** Where the trainer runs: one thread, or the threads of a runner over a shared memory. */
export interface AlsTrainerOptions {
  /** Threads the calls will run on (sizes the per-thread scratch); 1 = this thread only. */
  threads?: number;
  /** CG steps per row (the row cost used to balance calls). */
  cgSteps?: number;
}

/** One parallel step: `calls` tuples of `arity` numbers for export `fn`. */
interface Calls {
  fn: string;
  args: Float64Array;
  arity: number;
  /** Too little work to be worth a round trip to the workers: run on this thread (same calls, same result). */
  local: boolean;
}

/** Below this many multiply-adds (a few ms) a Gram matrix is summed on the calling thread. */
const LOCAL_GRAM_WORK = 2 ** 26;

/** An ALS training loop over factors kept in the kernel's memory for the whole fit (copied back by `read`). */
export interface AlsTrainer {
  kind: 'wasm';
  /** The compiled module and the memory it runs on (shared when threads > 1): what a runner loads. */
  readonly module: object;
  readonly memory: object;
  /** One ALS iteration with conjugate gradient (users from items, then items from users), on this thread. */
  iteration(regularization: number, cgSteps: number): void;
  /** The same iteration with the parallel steps run by `group` (loaded with `module` and `memory`). */
  iterationAsync(regularization: number, cgSteps: number, group: KernelGroup): Promise<void>;
  /** implicit's `calculate_loss` of the current factors (see `alsLoss`), on this thread or on `group`. */
  loss(regularization: number): number;
  lossAsync(regularization: number, group: KernelGroup): Promise<number>;
  /** True when every factor is finite. */
  finite(): boolean;
  /** Copies the working factors back into the problem's arrays. */
  read(): void;
}

/**
 * The conjugate-gradient ALS trainer on the hand-written WebAssembly SIMD kernel (als-cg.wat): the same solve as
 * `alsCgRange`, in float32 f32x4 lanes (implicit's default dtype). Factor rows live in the module's memory padded to
 * a multiple of 8 floats (the pad stays 0) for the whole fit, next to both CSRs, the Gram matrix and per-thread
 * scratch; with `threads > 1` that memory is shared, so worker threads update their rows in place (no copies per
 * iteration). Returns null when WebAssembly or SIMD (or shared memory, when asked for) is unavailable or the problem
 * does not fit in 2 GB; the caller then uses the JS solvers.
 *
 * @example
 * const trainer = wasmAlsTrainer(problem);
 * if (trainer) { for (let it = 0; it < 15; it++) trainer.iteration(0.01, 3); trainer.read(); }
 */
export function wasmAlsTrainer(pr: AlsProblem, opts: AlsTrainerOptions = {}): AlsTrainer | null {
  const threads = Math.max(1, Math.floor(opts.threads ?? 1));
  const shared = threads > 1;
  const mod = kernelModule(shared);
  if (!mod) return null;
  const api = wasmApi()!;
  const F = pr.factors;
  const n = Math.ceil(F / 8) * 8;
  const nUsers = pr.byUser.indptr.length - 1,
    nItems = pr.byItem.indptr.length - 1,
    nnz = pr.byUser.indices.length;
  const steps = opts.cgSteps ?? 3;
  const rowCost = (m: ConfidenceCsr) => (r: number) => (m.indptr[r + 1] - m.indptr[r]) * 2 * n + n * n;
  const userBounds = costSplit(nUsers, rowCost(pr.byUser), CALLS, MAX_ROWS);
  const itemBounds = costSplit(nItems, rowCost(pr.byItem), CALLS, MAX_ROWS);
  let end = 0;
  const take = (bytes: number): number => {
    const at = end;
    end = at + Math.ceil(bytes / 16) * 16;
    return at;
  };
  const xAt = take(nUsers * n * 4),
    yAt = take(nItems * n * 4),
    gAt = take(n * n * 4),
    partsAt = take(GRAM_PARTS * n * n * 4),
    scratchAt = take(threads * 3 * n * 4),
    lossAt = take((userBounds.length - 1) * 24),
    uPtrAt = take((nUsers + 1) * 4),
    uIdxAt = take(nnz * 4),
    uConfAt = take(nnz * 4),
    iPtrAt = take((nItems + 1) * 4),
    iIdxAt = take(nnz * 4),
    iConfAt = take(nnz * 4);
  if (end > 2 ** 31) return null;
  let memory: WasmMemory;
  let local: Kernel;
  try {
    const pages = Math.max(1, Math.ceil(end / PAGE));
    memory = new api.Memory({ initial: pages, maximum: pages, shared });
    local = new api.Instance(mod, { env: { memory } }).exports;
  } catch {
    return null;
  }
  const buf = memory.buffer;
  const X = new Float32Array(buf, xAt, nUsers * n),
    Y = new Float32Array(buf, yAt, nItems * n);
  copyRows(pr.userFactors, F, X, n, nUsers);
  copyRows(pr.itemFactors, F, Y, n, nItems);
  new Int32Array(buf, uPtrAt, nUsers + 1).set(pr.byUser.indptr);
  new Int32Array(buf, uIdxAt, nnz).set(pr.byUser.indices);
  new Float32Array(buf, uConfAt, nnz).set(pr.byUser.conf);
  new Int32Array(buf, iPtrAt, nItems + 1).set(pr.byItem.indptr);
  new Int32Array(buf, iIdxAt, nnz).set(pr.byItem.indices);
  new Float32Array(buf, iConfAt, nnz).set(pr.byItem.conf);

  const gramCalls = (at: number, rows: number): Calls => {
    const args = new Float64Array(GRAM_PARTS * 6);
    for (let q = 0; q < GRAM_PARTS; q++)
      args.set(
        [
          at,
          Math.floor((rows * q) / GRAM_PARTS),
          Math.floor((rows * (q + 1)) / GRAM_PARTS),
          partsAt + q * n * n * 4,
          n,
          F,
        ],
        q * 6,
      );
    return { fn: 'gram_part', args, arity: 6, local: rows * n * n < LOCAL_GRAM_WORK };
  };
  const cgCalls = (b: Int32Array, ptr: number, idx: number, conf: number, xs: number, ys: number): Calls => {
    const calls = b.length - 1;
    const args = new Float64Array(calls * 11);
    for (let c = 0; c < calls; c++)
      args.set([b[c], b[c + 1], ptr, idx, conf, xs, ys, gAt, n, steps, scratchAt], c * 11);
    return { fn: 'cg', args, arity: 11, local: false };
  };
  const lossCalls = ((): Calls => {
    const calls = userBounds.length - 1;
    const args = new Float64Array(calls * 11);
    for (let c = 0; c < calls; c++)
      args.set(
        [userBounds[c], userBounds[c + 1], uPtrAt, uIdxAt, uConfAt, xAt, yAt, gAt, n, scratchAt, lossAt + c * 24],
        c * 11,
      );
    return { fn: 'loss_part', args, arity: 11, local: false };
  })();
  const gramY = gramCalls(yAt, nItems),
    gramX = gramCalls(xAt, nUsers);
  const cgUsers = cgCalls(userBounds, uPtrAt, uIdxAt, uConfAt, xAt, yAt),
    cgItems = cgCalls(itemBounds, iPtrAt, iIdxAt, iConfAt, yAt, xAt);

  // One iteration as a sequence of parallel steps; the serial glue (summing the partial Grams) runs in between on
  // this thread. Both drivers below walk the same sequence, so the 1-thread and n-thread fits compute the same.
  function* iterationSteps(reg: number, cgSteps: number): Generator<Calls, void, void> {
    if (cgSteps !== steps) {
      for (const c of [cgUsers, cgItems]) for (let k = 9; k < c.args.length; k += 11) c.args[k] = cgSteps;
    }
    yield gramY;
    local.gram_sum(partsAt, GRAM_PARTS, gAt, n, F, reg);
    yield cgUsers;
    yield gramX;
    local.gram_sum(partsAt, GRAM_PARTS, gAt, n, F, reg);
    yield cgItems;
  }
  function* lossSteps(reg: number): Generator<Calls, number, void> {
    yield gramY;
    local.gram_sum(partsAt, GRAM_PARTS, gAt, n, F, 0);
    yield lossCalls;
    const out = new Float64Array(buf, lossAt, (userBounds.length - 1) * 3);
    let loss = 0,
      total = 0,
      norms = 0;
    for (let c = 0; c < out.length; c += 3) {
      loss += out[c];
      total += out[c + 1];
      norms += out[c + 2];
    }
    // Σ‖y‖² is the trace of YᵀY.
    const G = new Float32Array(buf, gAt, n * n);
    for (let a = 0; a < F; a++) norms += G[a * n + a];
    return (loss + reg * norms) / (total + nUsers * nItems - nnz);
  }
  const runLocal = (s: Calls): void => {
    const fn = local[s.fn];
    const a = s.args,
      k = s.arity;
    for (let o = 0; o < a.length; o += k) {
      if (k === 6) fn(a[o], a[o + 1], a[o + 2], a[o + 3], a[o + 4], a[o + 5]);
      else
        fn(a[o], a[o + 1], a[o + 2], a[o + 3], a[o + 4], a[o + 5], a[o + 6], a[o + 7], a[o + 8], a[o + 9], a[o + 10]);
    }
  };
  const drive = <R>(gen: Generator<Calls, R, void>): R => {
    let r = gen.next();
    while (!r.done) {
      runLocal(r.value);
      r = gen.next();
    }
    return r.value;
  };
  const driveAsync = async <R>(gen: Generator<Calls, R, void>, group: KernelGroup): Promise<R> => {
    let r = gen.next();
    while (!r.done) {
      if (r.value.local) runLocal(r.value);
      else await group.run(r.value.fn, r.value.args, r.value.arity);
      r = gen.next();
    }
    return r.value;
  };

  return {
    kind: 'wasm',
    module: mod,
    memory,
    iteration(reg, cgSteps) {
      drive(iterationSteps(reg, cgSteps));
    },
    iterationAsync(reg, cgSteps, group) {
      return driveAsync(iterationSteps(reg, cgSteps), group);
    },
    loss(reg) {
      return drive(lossSteps(reg));
    },
    lossAsync(reg, group) {
      return driveAsync(lossSteps(reg), group);
    },
    finite() {
      return local.finite(xAt, nUsers * n) === 1 && local.finite(yAt, nItems * n) === 1;
    },
    read() {
      copyRows(X, n, pr.userFactors, F, nUsers);
      copyRows(Y, n, pr.itemFactors, F, nItems);
    },
  };
}

/** Copies `rows` rows of `width = min(strides)` floats between arrays of different row strides. */
function copyRows(src: Float32Array, srcStride: number, dst: Float32Array, dstStride: number, rows: number): void {
  const width = Math.min(srcStride, dstStride);
  for (let r = 0; r < rows; r++) dst.set(src.subarray(r * srcStride, r * srcStride + width), r * dstStride);
}
