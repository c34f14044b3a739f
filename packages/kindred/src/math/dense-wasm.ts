import { compileKernel, wasmApi } from './wasm-kernel.js';
import { DOT4X4_WASM } from './dot4x4-wasm.js';

// The few WebAssembly APIs used here, typed locally: the library compiles against ES2022 without DOM typings, and
// the global may be missing altogether (then callers use the JS kernels).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmInstance {
  readonly exports: {
    memory: WasmMemory;
    dot4x4: (x: number, y: number, strideBytes: number, k0: number, k1: number, out: number) => void;
  };
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => WasmInstance;
}

/**
 * A 4×4 block of dot products with the contract of `dot4x4` in dense.ts (the JS kernel or the WebAssembly one).
 *
 * @example
 * const kernel: Dot4x4 = denseWorkspace(n * n + 16)?.dot4x4 ?? dot4x4;
 */
export type Dot4x4 = (
  x: Float64Array,
  xRow: number,
  y: Float64Array,
  yRow: number,
  stride: number,
  k0: number,
  k1: number,
  out: Float64Array,
) => void;

/**
 * Float64 memory owned by a WebAssembly instance, and the SIMD `dot4x4` that works on views of it.
 *
 * @example
 * const ws: DenseWorkspace | null = denseWorkspace(1024);
 */
export interface DenseWorkspace {
  /** Zero-filled; views into it (subarray) are what `dot4x4` accepts. */
  memory: Float64Array;
  dot4x4: Dot4x4;
}

const PAGE = 65536;
/** wasm32 addresses 4 GiB at most. */
const MAX_BYTES = 2 ** 32 - PAGE;
let compiled: object | null | undefined;

function kernelModule(): object | null {
  if (!wasmApi()) return null;
  if (compiled === undefined) compiled = compileKernel(DOT4X4_WASM);
  return compiled;
}

/**
 * A fresh WebAssembly instance with room for `doubles` float64 values and its f64x2 SIMD `dot4x4` (dot4x4.wat, about
 * 2× the JS kernel), or null when WebAssembly or SIMD is unavailable or the size exceeds 4 GiB. The memory is freed
 * with the workspace (a new instance per use, so a big factorisation does not pin its memory afterwards).
 *
 * @example
 * const ws = denseWorkspace(2 * n * n);
 * if (ws) { const a = ws.memory.subarray(0, n * n); a.set(matrix); ... }
 */
export function denseWorkspace(doubles: number): DenseWorkspace | null {
  const module = kernelModule();
  const bytes = doubles * 8;
  if (!module || bytes > MAX_BYTES) return null;
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly!;
  let instance: WasmInstance;
  try {
    instance = new api.Instance(module, {});
    const mem = instance.exports.memory;
    const need = Math.ceil(bytes / PAGE) - mem.buffer.byteLength / PAGE;
    if (need > 0) mem.grow(need);
  } catch {
    return null; // out of memory: the JS path allocates ordinary arrays instead
  }
  const { memory, dot4x4 } = instance.exports;
  const view = new Float64Array(memory.buffer, 0, doubles);
  return {
    memory: view,
    dot4x4: (x, xRow, y, yRow, stride, k0, k1, out) =>
      dot4x4(x.byteOffset + xRow * stride * 8, y.byteOffset + yRow * stride * 8, stride * 8, k0, k1, out.byteOffset),
  };
}
