#!/usr/bin/env node
// CPU µs per matrix product, JS kernels (matmul-js.ts) against the WebAssembly SIMD kernel (gemm.wat through
// matmul-wasm.ts, copies included), single-threaded, for the shapes the neural models run. Each figure is the
// minimum over several timed runs (the machine may be shared). "copy" is what the copies in and out alone cost for
// that shape (the same typed-array set/transposes on plain arrays), the part of the WebAssembly time that is not
// the kernel. Prints a table; writes nothing.
//
//   npx tsc -b packages/kindred && node packages/kindred/bench/matmul.mjs [--runs 7] [--quick]
import { matmulJs, matmulNTJs, matmulTNJs } from '../dist/models/neural/matmul-js.js';
import { wasmGemm } from '../dist/models/neural/matmul-wasm.js';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1]) || 15;
const JS = { nn: matmulJs, tn: matmulTNJs, nt: matmulNTJs };

/** [label, product, m, k, n]: C m×n = op(A)·op(B) with matmul.ts's argument order. */
const SHAPES = [
  ['dense 256×64·64×64', 'nn', 256, 64, 64],
  ['dense 256×64·64×64', 'tn', 256, 64, 64],
  ['dense 256×64·64×64', 'nt', 256, 64, 64],
  ['SASRec logits h·Eᵀ, 256 rows', 'nt', 256, 64, 1682],
  ['SASRec dh = dL·E, 256 rows', 'nn', 256, 1682, 64],
  ['SASRec dE = dLᵀ·h, 256 rows', 'tn', 1682, 256, 64],
  ['SASRec logits h·Eᵀ, 3200 rows', 'nt', 3200, 64, 1682],
  ['SASRec dh = dL·E, 3200 rows', 'nn', 3200, 1682, 64],
  ['SASRec dE = dLᵀ·h, 3200 rows', 'tn', 1682, 3200, 64],
  ['Mult-VAE out X·W', 'nn', 500, 600, 1682],
  ['Mult-VAE dW = Xᵀ·dY', 'tn', 600, 500, 1682],
  ['Mult-VAE dX = dY·Wᵀ', 'nt', 500, 1682, 600],
];

let seed = 7;
function random(n) {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 2 - 1;
  return v;
}

/** CPU time of this process in ms: unlike wall time it does not count the moments another process has the core. */
function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Minimum over RUNS of the mean CPU µs per call of f, each run repeating f for at least ~10 ms of CPU time (short
 * runs: on a shared machine the minimum finds the moments when the caches were not shared as well).
 */
function time(f) {
  f();
  const t0 = cpuMs();
  f();
  const once = Math.max(cpuMs() - t0, 0.01);
  const reps = Math.max(1, Math.round(10 / once));
  let best = Infinity;
  for (let r = 0; r < RUNS; r++) {
    const s = cpuMs();
    for (let i = 0; i < reps; i++) f();
    best = Math.min(best, ((cpuMs() - s) * 1000) / reps);
  }
  return best;
}

/** The copies wasmGemm makes for this shape (A and B in, C in to accumulate, C out), on plain arrays. */
function copies(a, b, c, m, k, n) {
  const n4 = (n + 3) & ~3;
  const at = a.length + b.length + 8;
  const heap = new Float32Array(at + m * n4);
  return () => {
    heap.set(a, 0);
    heap.set(b, a.length + 4);
    for (const [from, to] of [
      [c, heap],
      [heap, c],
    ]) {
      if (n4 === n) to.set(from === heap ? heap.subarray(at, at + m * n) : c, from === heap ? 0 : at);
      else if (from === heap) for (let i = 0; i < m; i++) c.set(heap.subarray(at + i * n4, at + i * n4 + n), i * n);
      else for (let i = 0; i < m; i++) heap.set(c.subarray(i * n, (i + 1) * n), at + i * n4);
    }
  };
}

const rows = [];
for (const [label, product, m, k, n] of SHAPES) {
  const a = random(m * k);
  const b = random(k * n);
  const c = new Float32Array(m * n);
  const js = time(() => JS[product](a, b, c, m, k, n, true));
  const wasm = time(() => wasmGemm(product, a, b, c, m, k, n, true));
  const copy = time(copies(a, b, c, m, k, n));
  const gmacs = (x) => ((m * k * n) / x / 1000).toFixed(2);
  rows.push({
    shape: `${label} (${product.toUpperCase()} ${m},${k},${n})`,
    js,
    wasm,
    copy,
    gJs: gmacs(js),
    gWasm: gmacs(wasm),
  });
  console.error(`done ${label} ${product}`);
}
const pad = (s, w) => String(s).padStart(w);
console.log(
  `${'product (m,k,n)'.padEnd(54)} ${pad('JS µs', 10)} ${pad('WASM µs', 10)} ${pad('×', 6)} ${pad('copy µs', 9)} ${pad('GMAC/s JS→WASM', 16)}`,
);
for (const r of rows)
  console.log(
    `${r.shape.padEnd(54)} ${pad(r.js.toFixed(0), 10)} ${pad(r.wasm.toFixed(0), 10)} ${pad((r.js / r.wasm).toFixed(1), 6)} ${pad(r.copy.toFixed(0), 9)} ${pad(`${r.gJs} → ${r.gWasm}`, 16)}`,
  );
