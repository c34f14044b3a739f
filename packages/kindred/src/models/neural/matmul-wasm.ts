// The WebAssembly side of matmul.ts: one module instance per thread whose memory grows to the largest product seen
// (and stays there for the thread's life: ~13 MB for Mult-VAE's 500×600·600×1682 output layer, ~3 MB for SASRec's
// 256-row softmax chunks over 1682 items), and per product a copy of A and B into it, packing (B into column strips,
// TN's Aᵀ into row blocks: both then read sequentially by the kernel), the SIMD kernel (gemm.wat) and a copy of C
// back out. The copies are O(m·k + k·n + m·n) against the product's O(m·k·n): 1–15% of the WebAssembly time on the
// models' shapes, most where C is large against k (logits, k = 64), measured in bench/matmul.mjs ("copy µs");
// `wasmPays` keeps the small products, where the copies and the call would not pay, in JS. Views on the memory
// are made after any grow and never kept.
import { compileKernel, wasmApi } from '../../math/wasm-kernel.js';
import { GEMM_WASM } from './gemm-wasm.js';

/** Which product: A·B, Aᵀ·B or A·Bᵀ (matmul, matmulTN, matmulNT). */
export type Product = 'nn' | 'tn' | 'nt';

interface GemmExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  packB: (src: number, sbp: number, sbj: number, k: number, n: number, dst: number) => void;
  packAT: (src: number, sap: number, m: number, rows: number, k: number, p0: number, dst: number) => void;
  gemm: (
    a: number,
    sab: number,
    sai: number,
    sap: number,
    b: number,
    c: number,
    ldc: number,
    m: number,
    k: number,
    n: number,
    kc: number,
    nc: number,
    acc: number,
  ) => void;
}

const PAGE = 65536;
/** The kernel's address arithmetic stays below 2 GiB; a larger product runs in JS. */
const MAX_BYTES = 2 ** 31;
/**
 * Cache slices (gemm.wat): p in slices of KC (the 4×KC block of A a register block reads stays in L1, and C is
 * read and written once per slice), j in slices of PANEL_FLOATS / KC columns, so the KC×nc panel of packed B that
 * every row block streams stays in L2 (256 KiB, half of this machine's L2 per core). Tried here: KC 128–2048 and
 * panels of 128–512 KiB are within 10% of each other except for TN/NN with a long k and a narrow n (SASRec's
 * dE, dh), which gain ~15% from KC = 1024 over 256.
 */
const PANEL_FLOATS = 65536;
const KC = 1024;
/** Rows of Aᵀ staged and packed at a time (TN): in L1 and the TLB while packed, and no second copy of a large A. */
const STAGE = 64;

let kernel: GemmExports | null | undefined;
let heap: Float32Array | null = null;
let products = 0;

function gemmExports(): GemmExports | null {
  if (!wasmApi()) return null; // looked up per call so a test can take WebAssembly away
  if (kernel === undefined) {
    const mod = compileKernel(GEMM_WASM);
    try {
      kernel = mod ? (new (wasmApi()!.Instance)(mod, {}).exports as unknown as GemmExports) : null;
    } catch {
      kernel = null;
    }
  }
  return kernel;
}

/**
 * 'wasm-simd' when this runtime runs the WebAssembly SIMD kernel (Node ≥ 16.4, current browsers), else 'js'.
 *
 * @example
 * if (matmulBackend() === 'js') console.warn('neural models will train with the slower JS kernels');
 */
export function matmulBackend(): 'wasm-simd' | 'js' {
  return gemmExports() ? 'wasm-simd' : 'js';
}

/**
 * How many products the WebAssembly kernel has run in this thread (tests check the dispatch really uses it).
 *
 * @example
 * const before = wasmProductCount(); matmul(a, b, c, 256, 64, 64); wasmProductCount() - before; // 1
 */
export function wasmProductCount(): number {
  return products;
}

/**
 * Below this many multiply-adds the JS kernels run: a call into the module costs ~0.3 µs, so measured here
 * (CPU µs, JS → WebAssembly) 4×4·4×4 is 0.11 → 0.26, 8×8·8×8 0.59 → 0.29, 16×16·16×16 4.2 → 0.6. Even a
 * matrix-vector product, where copying B is as much work as the product, gains: 1×600·600×1682 1205 → 635.
 */
const MIN_MACS = 512;

/**
 * Whether an m×k·k×n product goes to the WebAssembly kernel (it depends on the shape only, never on the data).
 *
 * @example
 * wasmPays(256, 64, 64); // true
 */
export function wasmPays(m: number, k: number, n: number): boolean {
  return m * k * n >= MIN_MACS;
}

/** A Float32Array over the whole memory of at least `bytes` bytes, growing it first when needed; null when it cannot. */
function memory(e: GemmExports, bytes: number): Float32Array | null {
  if (bytes > MAX_BYTES) return null;
  const have = e.memory.buffer.byteLength;
  if (bytes > have) {
    try {
      e.memory.grow(Math.ceil((bytes - have) / PAGE));
    } catch {
      return null; // out of memory: this product runs in JS
    }
  }
  if (!heap || heap.buffer !== e.memory.buffer) heap = new Float32Array(e.memory.buffer);
  return heap;
}

const up4 = (x: number): number => (x + 3) & ~3;

/**
 * C (+)= op(A)·op(B) on the WebAssembly kernel, with the shapes and layouts of matmul.ts's three products; false
 * (nothing written) when WebAssembly cannot run it here, so the caller runs the JS kernel.
 *
 * @example
 * if (!wasmGemm('nn', a, b, c, m, k, n, false)) matmulJs(a, b, c, m, k, n);
 */
export function wasmGemm(
  product: Product,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  m: number,
  k: number,
  n: number,
  accumulate: boolean,
): boolean {
  const e = gemmExports();
  if (!e || m < 1 || k < 1 || n < 1) return false;
  const m4 = up4(m);
  const n4 = up4(n);
  const tn = product === 'tn';
  // Float offsets, 16-byte aligned: [A, or for TN a stage of STAGE rows of Aᵀ][Aᵀ packed, TN only][B][B packed][C].
  // A and B have room past their end for the padding rows and columns the kernel reads and ignores (rows m..m4 of
  // A, columns n..n4 of B, 3 floats past a staged row of Aᵀ).
  const aAt = 0;
  const apAt = up4(tn ? Math.min(k, STAGE) * m + 4 : m4 * k);
  const bAt = apAt + (tn ? m4 * k : 0);
  const bpAt = bAt + up4(product === 'nt' ? n4 * k : k * n + 4);
  const cAt = bpAt + k * n4;
  const h = memory(e, (cAt + m4 * n4) * 4);
  if (!h) return false;
  if (tn)
    for (let p0 = 0; p0 < k; p0 += STAGE) {
      const rows = Math.min(STAGE, k - p0);
      h.set(a.subarray(p0 * m, (p0 + rows) * m), aAt);
      e.packAT(aAt * 4, 4 * m, m4, rows, k, p0, apAt * 4);
    }
  else h.set(a.length === m * k ? a : a.subarray(0, m * k), aAt);
  h.set(b.length === k * n ? b : b.subarray(0, k * n), bAt);
  if (accumulate) copyRows(c, n, h, cAt, n4, m);
  if (product === 'nt') e.packB(bAt * 4, 4, 4 * k, k, n4, bpAt * 4);
  else e.packB(bAt * 4, 4 * n, 4, k, n4, bpAt * 4);
  const kc = Math.min(k, KC);
  const nc = Math.max(8, Math.floor(PANEL_FLOATS / kc / 8) * 8);
  if (tn) e.gemm(apAt * 4, 16 * k, 4, 16, bpAt * 4, cAt * 4, n4 * 4, m4, k, n4, kc, nc, accumulate ? 1 : 0);
  else e.gemm(aAt * 4, 16 * k, 4 * k, 4, bpAt * 4, cAt * 4, n4 * 4, m4, k, n4, kc, nc, accumulate ? 1 : 0);
  if (n4 === n) c.set(h.subarray(cAt, cAt + m * n));
  else for (let i = 0; i < m; i++) c.set(h.subarray(cAt + i * n4, cAt + i * n4 + n), i * n);
  products++;
  return true;
}

/** rows×cols row-major src into dst at `at` with rows `stride` floats apart (one copy when they are not padded). */
function copyRows(src: Float32Array, cols: number, dst: Float32Array, at: number, stride: number, rows: number) {
  if (stride === cols) dst.set(src.length === rows * cols ? src : src.subarray(0, rows * cols), at);
  else for (let r = 0; r < rows; r++) dst.set(src.subarray(r * cols, (r + 1) * cols), at + r * stride);
}
