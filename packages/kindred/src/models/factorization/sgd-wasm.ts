import { compileKernel, wasmApi } from '../../math/wasm-kernel.js';
import { SGD_EPOCH_WASM } from './sgd-epoch-wasm.js';
import { type SgdHyper, type SgdProblem, type SgdTrainer } from './sgd-kernel.js';

// The few WebAssembly APIs used here, typed locally: the library compiles against ES2022 without DOM typings, and
// the global may be missing altogether (then the JS kernel runs).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmInstance {
  readonly exports: {
    memory: WasmMemory;
    epoch: EpochFn;
    finite32: (at: number, end: number) => number;
    finite64: (at: number, end: number) => number;
  };
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => WasmInstance;
}
type EpochFn = (
  n: number,
  stride: number,
  users: number,
  items: number,
  values: number,
  pu: number,
  qi: number,
  bu: number,
  bi: number,
  mu: number,
  biased: number,
  lrBu: number,
  lrBi: number,
  lrPu: number,
  lrQi: number,
  regBu: number,
  regBi: number,
  regPu: number,
  regQi: number,
) => number;

const PAGE = 65536;
/**
 * Ratings per call into the kernel. V8 first runs WebAssembly with its baseline compiler and switches to the
 * optimised code only between calls, so short calls let the first epoch run at full speed too.
 */
const CHUNK = 8192;

let compiled: object | null | undefined;

/** The compiled kernel module, or null when WebAssembly (or its SIMD extension) is not available here. */
function kernelModule(): object | null {
  if (!wasmApi()) return null;
  if (compiled === undefined) compiled = compileKernel(SGD_EPOCH_WASM);
  return compiled;
}

/**
 * True when the WebAssembly SIMD kernel can run in this runtime (Node ≥ 16.4, current browsers).
 *
 * @example
 * if (!wasmSgdAvailable()) console.warn('SVD will train with the slower JS kernel');
 */
export function wasmSgdAvailable(): boolean {
  return kernelModule() !== null;
}

/**
 * The SGD trainer on the hand-written WebAssembly SIMD kernel (sgd-epoch.wat): the same update as `sgdEpochJs`, in
 * f32x4 lanes, about 5–10× faster than plain JS. Factor rows are copied into the module's memory padded to a
 * multiple of 8 floats (the pad stays 0: its gradient is 0). Returns null when WebAssembly is unavailable or the
 * problem does not fit in its memory; the caller then uses the JS trainer.
 *
 * @example
 * const trainer = wasmSgdTrainer(problem) ?? jsSgdTrainer(problem);
 */
export function wasmSgdTrainer(p: SgdProblem): SgdTrainer | null {
  const mod = kernelModule();
  if (!mod) return null;
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly!;
  const F = p.factors;
  const stride = Math.ceil(F / 8) * 8;
  const nUsers = p.userBias.length,
    nItems = p.itemBias.length,
    n = p.values.length;
  let end = 0;
  const take = (bytes: number): number => {
    const at = end;
    end = at + Math.ceil(bytes / 16) * 16;
    return at;
  };
  const puAt = take(nUsers * stride * 4),
    qiAt = take(nItems * stride * 4),
    buAt = take(nUsers * 8),
    biAt = take(nItems * 8),
    usersAt = take(n * 4),
    itemsAt = take(n * 4),
    valuesAt = take(n * 4);
  if (end > 2 ** 31) return null;
  let instance: WasmInstance;
  try {
    instance = new api.Instance(mod, {});
    const have = instance.exports.memory.buffer.byteLength;
    if (end > have) instance.exports.memory.grow(Math.ceil((end - have) / PAGE));
  } catch {
    return null;
  }
  const buffer = instance.exports.memory.buffer;
  const pu = new Float32Array(buffer, puAt, nUsers * stride),
    qi = new Float32Array(buffer, qiAt, nItems * stride),
    bu = new Float64Array(buffer, buAt, nUsers),
    bi = new Float64Array(buffer, biAt, nItems),
    users = new Int32Array(buffer, usersAt, n),
    items = new Int32Array(buffer, itemsAt, n),
    values = new Float32Array(buffer, valuesAt, n);
  copyRows(p.userFactors, F, pu, stride, nUsers);
  copyRows(p.itemFactors, F, qi, stride, nItems);
  bu.set(p.userBias);
  bi.set(p.itemBias);
  const { epoch, finite32, finite64 } = instance.exports;
  let count = 0;
  return {
    kind: 'wasm',
    setOrder(order) {
      gather(order, p.users, p.items, p.values, users, items, values);
      count = order.length;
    },
    epoch(h: SgdHyper): number {
      let sse = 0;
      for (let s = 0; s < count; s += CHUNK) {
        sse += epoch(
          Math.min(CHUNK, count - s),
          stride,
          usersAt + 4 * s,
          itemsAt + 4 * s,
          valuesAt + 4 * s,
          puAt,
          qiAt,
          buAt,
          biAt,
          h.mu,
          h.biased ? 1 : 0,
          h.lrBu,
          h.lrBi,
          h.lrPu,
          h.lrQi,
          h.regBu,
          h.regBi,
          h.regPu,
          h.regQi,
        );
      }
      return sse;
    },
    // The regions are contiguous and 16-byte padded with zeros: factors [puAt, buAt), biases [buAt, usersAt).
    finite: () => finite32(puAt, buAt) === 1 && finite64(buAt, usersAt) === 1,
    read() {
      copyRows(pu, stride, p.userFactors, F, nUsers);
      copyRows(qi, stride, p.itemFactors, F, nItems);
      p.userBias.set(bu);
      p.itemBias.set(bi);
    },
  };
}

/** Copies `rows` rows of `width = min(strides)` floats between arrays of different row strides. */
function copyRows(src: Float32Array, srcStride: number, dst: Float32Array, dstStride: number, rows: number): void {
  const width = Math.min(srcStride, dstStride);
  for (let r = 0; r < rows; r++) dst.set(src.subarray(r * srcStride, r * srcStride + width), r * dstStride);
}

/** Writes the ratings in visiting order, so the kernel reads them sequentially. */
function gather(
  order: Int32Array,
  srcU: Int32Array,
  srcI: Int32Array,
  srcV: Float32Array,
  dstU: Int32Array,
  dstI: Int32Array,
  dstV: Float32Array,
): void {
  for (let k = 0; k < order.length; k++) {
    const r = order[k];
    dstU[k] = srcU[r];
    dstI[k] = srcI[r];
    dstV[k] = srcV[r];
  }
}
