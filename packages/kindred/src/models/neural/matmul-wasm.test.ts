import { afterEach, describe, expect, it } from 'vitest';
import { Rng } from '../../math/rng.js';
import { matmul, matmulBackend, matmulNT, matmulTN, wasmProductCount } from './matmul.js';
import { wasmGemm, type Product } from './matmul-wasm.js';

const SIZES = [1, 3, 5, 17, 63, 65];
const F32_EPS = 2 ** -23;

function random(rng: Rng, n: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = 2 * rng.next() - 1;
  return v;
}

/**
 * Checks c against c0 (+) op(A)·op(B) computed in float64 from the definition: each entry within float32 rounding
 * of a k-term sum, |error| ≤ 2·k·ε·(Σ|terms| + |c0|), the textbook bound for recursive summation.
 */
function expectProduct(
  p: Product,
  a: Float32Array,
  b: Float32Array,
  c0: Float32Array,
  c: Float32Array,
  m: number,
  k: number,
  n: number,
  accumulate: boolean,
): void {
  let worst = 0;
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = accumulate ? c0[i * n + j] : 0;
      let abs = Math.abs(s);
      for (let q = 0; q < k; q++) {
        const t = (p === 'tn' ? a[q * m + i] : a[i * k + q]) * (p === 'nt' ? b[j * k + q] : b[q * n + j]);
        s += t;
        abs += Math.abs(t);
      }
      worst = Math.max(worst, Math.abs(c[i * n + j] - s) / (2 * (k + 1) * F32_EPS * abs + 1e-30));
    }
  expect(worst, `${p} ${m}×${k}×${n} accumulate=${accumulate}`).toBeLessThanOrEqual(1);
}

const ENTRY = { nn: matmul, tn: matmulTN, nt: matmulNT } as const;

describe('WebAssembly SIMD matmul (gemm.wat)', () => {
  const realWasm = globalThis.WebAssembly;
  afterEach(() => {
    globalThis.WebAssembly = realWasm;
  });

  it('runs here: Node 20 has WebAssembly SIMD, so the neural models never silently train on the JS kernels', () => {
    expect(matmulBackend()).toBe('wasm-simd');
  });

  it('equals the float64 definition on every shape from {1, 3, 5, 17, 63, 65}³, overwriting and accumulating', () => {
    const rng = new Rng(11);
    for (const m of SIZES)
      for (const k of SIZES)
        for (const n of SIZES)
          for (const p of ['nn', 'tn', 'nt'] as const)
            for (const accumulate of [false, true]) {
              const a = random(rng, m * k);
              const b = random(rng, k * n);
              const c0 = random(rng, m * n);
              const c = c0.slice(); // stale contents: overwritten unless accumulating
              expect(wasmGemm(p, a, b, c, m, k, n, accumulate)).toBe(true);
              expectProduct(p, a, b, c0, c, m, k, n, accumulate);
            }
  });

  it('is exact across the cache slices of p and j (k > 1024, wide n) and the packing of Aᵀ in chunks of 64 rows', () => {
    const rng = new Rng(5);
    for (const [p, m, k, n] of [
      ['nn', 9, 1100, 70],
      ['tn', 70, 1030, 9],
      ['nt', 6, 1025, 130],
      ['nn', 4, 3, 2000],
    ] as const) {
      const a = random(rng, m * k);
      const b = random(rng, k * n);
      const c0 = random(rng, m * n);
      const c = c0.slice();
      ENTRY[p](a, b, c, m, k, n, true);
      expectProduct(p, a, b, c0, c, m, k, n, true);
    }
  });

  it('matmul, matmulTN and matmulNT dispatch large Float32 products to WebAssembly, Float64 and tiny ones to JS', () => {
    const rng = new Rng(2);
    const [m, k, n] = [33, 20, 18];
    for (const p of ['nn', 'tn', 'nt'] as const) {
      const a = random(rng, m * k);
      const b = random(rng, k * n);
      const c = new Float32Array(m * n);
      const before = wasmProductCount();
      ENTRY[p](a, b, c, m, k, n);
      expect(wasmProductCount(), p).toBe(before + 1);
      expectProduct(p, a, b, c, c, m, k, n, false);
      ENTRY[p](Float64Array.from(a), Float64Array.from(b), new Float64Array(m * n), m, k, n);
      ENTRY[p](a, b, c, 2, 2, 2); // 8 multiply-adds: the call would cost more than it saves
      expect(wasmProductCount(), p).toBe(before + 1);
    }
  });

  it('falls back to the JS kernels, with the same results, when the runtime has no WebAssembly', () => {
    const rng = new Rng(4);
    const [m, k, n] = [17, 63, 5];
    const a = random(rng, m * k);
    const b = random(rng, k * n);
    const withWasm = new Float32Array(m * n);
    matmul(a, b, withWasm, m, k, n);
    (globalThis as { WebAssembly?: unknown }).WebAssembly = undefined;
    expect(matmulBackend()).toBe('js');
    const before = wasmProductCount();
    const withJs = new Float32Array(m * n);
    matmul(a, b, withJs, m, k, n);
    expect(wasmProductCount()).toBe(before);
    expectProduct('nn', a, b, withJs, withJs, m, k, n, false);
    for (let i = 0; i < withJs.length; i++) expect(withWasm[i]).toBeCloseTo(withJs[i], 5);
  });

  it('reads only the first m·k, k·n and writes only the first m·n entries of longer arrays and of views', () => {
    const rng = new Rng(8);
    const [m, k, n] = [5, 17, 63];
    const backing = random(rng, 10 + m * k + 7);
    const a = backing.subarray(10, 10 + m * k + 3); // a view at an offset, longer than m·k
    const b = random(rng, k * n + 11);
    const c = random(rng, m * n + 9); // a workspace with more rows than this product
    const tail = c.slice(m * n);
    const c0 = c.slice();
    matmul(a, b, c, m, k, n, true);
    expectProduct('nn', a.subarray(0, m * k), b, c0, c, m, k, n, true);
    expect([...c.subarray(m * n)]).toEqual([...tail]);
  });

  it('stays right when its memory grows between products (views are never kept across a grow)', () => {
    const rng = new Rng(9);
    for (const [m, k, n] of [
      [8, 8, 8],
      [160, 200, 120], // ~0.5 MB of operands: the memory grows
      [8, 8, 8],
      [260, 200, 140],
      [3, 5, 17],
    ]) {
      const a = random(rng, m * k);
      const b = random(rng, k * n);
      const c = new Float32Array(m * n);
      expect(wasmGemm('nn', a, b, c, m, k, n, false)).toBe(true);
      expectProduct('nn', a, b, c, c, m, k, n, false);
    }
  });
});
