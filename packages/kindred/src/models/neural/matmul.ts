// The three matrix products a dense layer needs (forward Y = X·W, backward dX = dY·Wᵀ and dW = Xᵀ·dY), on row-major
// arrays with explicit shapes: the only entry points for dense algebra in models/neural. Float32 products of 512
// multiply-adds or more run on the WebAssembly SIMD kernel (gemm.wat via matmul-wasm.ts: f32x4, 4×8 register blocks
// over packed, L2-sized panels of B); Float64Array operands (the gradient tests), smaller products and runtimes
// without SIMD run the JS kernels (matmul-js.ts, register-blocked by four, which took 256×64·64×64 from plain loops'
// 3021 / 2829 / 1597 µs to 1150 / 972 / 1085 for NN / TN / NT). CPU µs per product on this machine, JS → WebAssembly
// (copies included), the minimum of 25 runs of bench/matmul.mjs:
//   dense 256×64·64×64                       NN 1005 → 75       TN 1340 → 78       NT 1191 → 75
//   SASRec softmax, 256 rows × 1682 items    logits NT 31495 → 2041, dh NN 34140 → 1943, dE TN 36075 → 2060
//   the same with 3200 rows                  NT 397034 → 27946, NN 424285 → 25006, TN 448943 → 27603
//   Mult-VAE output layer 500×600·600×1682   NN 608855 → 34769, dW TN 642338 → 35106, dX NT 562748 → 33769
// that is 0.8–1.0 → 12–15 GMAC/s, 13–18× (the copies in and out are 1–15% of the WebAssembly time, most where C
// is large against k, as logits with k = 64). The dispatch depends only on the types and the shape, never on the
// data, so training stays deterministic.
import { matmulJs, matmulNTJs, matmulTNJs } from './matmul-js.js';
import { wasmGemm, wasmPays } from './matmul-wasm.js';
import type { Vec } from './vec.js';

export { matmulBackend, wasmProductCount } from './matmul-wasm.js';

/**
 * C (+)= A·B with A m×k, B k×n, C m×n (row-major). `accumulate` adds into C instead of overwriting it (backward passes
 * add into gradient buffers).
 *
 * @example
 * const c = new Float32Array(4);
 * matmul(new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), c, 2, 2, 2); // c = [19, 22, 43, 50]
 */
export function matmul(a: Vec, b: Vec, c: Vec, m: number, k: number, n: number, accumulate = false): void {
  if (a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array && wasmPays(m, k, n))
    if (wasmGemm('nn', a, b, c, m, k, n, accumulate)) return;
  matmulJs(a, b, c, m, k, n, accumulate);
}

/**
 * C (+)= Aᵀ·B with A k×m, B k×n, C m×n: the weight gradient dW = Xᵀ·dY of a dense layer (k = batch rows).
 *
 * @example
 * const c = new Float32Array(4);
 * matmulTN(new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), c, 2, 2, 2); // c = [26, 30, 38, 44]
 */
export function matmulTN(a: Vec, b: Vec, c: Vec, m: number, k: number, n: number, accumulate = false): void {
  if (a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array && wasmPays(m, k, n))
    if (wasmGemm('tn', a, b, c, m, k, n, accumulate)) return;
  matmulTNJs(a, b, c, m, k, n, accumulate);
}

/**
 * C (+)= A·Bᵀ with A m×k, B n×k, C m×n: the input gradient dX = dY·Wᵀ (W stored in×out, so B = W, n = in), and
 * scores of rows against rows (logits h·Eᵀ).
 *
 * @example
 * const c = new Float32Array(4);
 * matmulNT(new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), c, 2, 2, 2); // c = [17, 23, 39, 53]
 */
export function matmulNT(a: Vec, b: Vec, c: Vec, m: number, k: number, n: number, accumulate = false): void {
  if (a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array && wasmPays(m, k, n))
    if (wasmGemm('nt', a, b, c, m, k, n, accumulate)) return;
  matmulNTJs(a, b, c, m, k, n, accumulate);
}
