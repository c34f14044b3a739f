import { ALS_CG_WASM } from './als-cg-wasm.js';
import type { ConfidenceCsr } from './confidence.js';
import { decodeBase64 } from './sgd-wasm.js';

// The few WebAssembly APIs used here, typed locally (the library compiles without DOM typings; the global may be
// missing, and then the JS solvers run).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmInstance {
  readonly exports: {
    memory: WasmMemory;
    gram: (Y: number, rows: number, G: number, n: number, f: number, reg: number) => void;
    cg: (
      start: number,
      end: number,
      indptr: number,
      indices: number,
      conf: number,
      X: number,
      Y: number,
      G: number,
      n: number,
      steps: number,
      r: number,
      p: number,
      ap: number,
    ) => void;
  };
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => WasmInstance;
}

const PAGE = 65536;
/**
 * Rows per call into the kernel: V8 tiers WebAssembly up only between calls, so short calls let the first sweep run
 * optimised code too. The same [start, end) ranges are the unit a worker pool would take.
 */
const CHUNK = 128;

let compiled: object | null | undefined;

function kernelModule(): object | null {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!api) return null;
  if (compiled === undefined) {
    try {
      const bytes = decodeBase64(ALS_CG_WASM);
      compiled = api.validate(bytes) ? new api.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** The problem the ALS trainer runs on: both confidence CSRs and the (unpadded, row-major) factor tables. */
export interface AlsProblem {
  factors: number;
  byUser: ConfidenceCsr;
  byItem: ConfidenceCsr;
  userFactors: Float32Array;
  itemFactors: Float32Array;
}

/** An ALS training loop that owns its working copy of the factors. */
export interface AlsTrainer {
  kind: 'wasm';
  /** One ALS iteration with conjugate gradient: users from items, then items from users. */
  iteration(regularization: number, cgSteps: number): void;
  /** True when every factor is finite. */
  finite(): boolean;
  /** Copies the working factors back into the problem's arrays. */
  read(): void;
}

/**
 * The conjugate-gradient ALS trainer on the hand-written WebAssembly SIMD kernel (als-cg.wat): the same solve as
 * `alsCgRange`, in float32 f32x4 lanes (implicit's default dtype). Factor rows are copied into the module's memory
 * padded to a multiple of 8 floats; the pad stays 0. Returns null when WebAssembly or SIMD is unavailable or the
 * problem does not fit; the caller then uses the JS solvers.
 *
 * @example
 * const trainer = wasmAlsTrainer(problem);
 * if (trainer) { for (let it = 0; it < 15; it++) trainer.iteration(0.01, 3); trainer.read(); }
 */
export function wasmAlsTrainer(pr: AlsProblem): AlsTrainer | null {
  const mod = kernelModule();
  if (!mod) return null;
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly!;
  const F = pr.factors;
  const n = Math.ceil(F / 8) * 8;
  const nUsers = pr.byUser.indptr.length - 1,
    nItems = pr.byItem.indptr.length - 1,
    nnz = pr.byUser.indices.length;
  let end = 0;
  const take = (bytes: number): number => {
    const at = end;
    end = at + Math.ceil(bytes / 16) * 16;
    return at;
  };
  const xAt = take(nUsers * n * 4),
    yAt = take(nItems * n * 4),
    gAt = take(n * n * 4),
    rAt = take(n * 4),
    pAt = take(n * 4),
    apAt = take(n * 4),
    uPtrAt = take((nUsers + 1) * 4),
    uIdxAt = take(nnz * 4),
    uConfAt = take(nnz * 4),
    iPtrAt = take((nItems + 1) * 4),
    iIdxAt = take(nnz * 4),
    iConfAt = take(nnz * 4);
  if (end > 2 ** 31) return null;
  let instance: WasmInstance;
  try {
    instance = new api.Instance(mod, {});
    const have = instance.exports.memory.buffer.byteLength;
    if (end > have) instance.exports.memory.grow(Math.ceil((end - have) / PAGE));
  } catch {
    return null;
  }
  const buf = instance.exports.memory.buffer;
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
  const { gram, cg } = instance.exports;
  const half = (rows: number, ptr: number, idx: number, conf: number, xs: number, ys: number, steps: number) => {
    for (let s = 0; s < rows; s += CHUNK)
      cg(s, Math.min(rows, s + CHUNK), ptr, idx, conf, xs, ys, gAt, n, steps, rAt, pAt, apAt);
  };
  return {
    kind: 'wasm',
    iteration(reg, steps) {
      gram(yAt, nItems, gAt, n, F, reg);
      half(nUsers, uPtrAt, uIdxAt, uConfAt, xAt, yAt, steps);
      gram(xAt, nUsers, gAt, n, F, reg);
      half(nItems, iPtrAt, iIdxAt, iConfAt, yAt, xAt, steps);
    },
    finite() {
      for (let k = 0; k < X.length; k++) if (!Number.isFinite(X[k])) return false;
      for (let k = 0; k < Y.length; k++) if (!Number.isFinite(Y[k])) return false;
      return true;
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
