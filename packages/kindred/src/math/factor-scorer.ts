import { compileKernel, wasmApi } from './wasm-kernel.js';
import { SCORE_ROWS_WASM } from './score-rows-wasm.js';

// The few WebAssembly APIs used here, typed locally (the core compiles without DOM typings).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface ScoreExports {
  memory: WasmMemory;
  score1: (x: number, q: number, bias: number, n: number, fp: number, base: number, out: number) => void;
  score4: (x: number, q: number, bias: number, n: number, fp: number, bases: number, out: number) => void;
}

const PAGE = 65536;
const MAX_BYTES = 2 ** 32 - PAGE;
let compiled: object | null | undefined;

/**
 * Scores user vectors against every row of an item-factor matrix: out[i] = base + b_i + x·q_i. Built once per
 * factor matrix (it keeps a padded copy of the items in WebAssembly memory and runs the f32x4 SIMD kernels of
 * score-rows.wat, ~10× plain JS; `scoreBlock` streams the matrix once for four users); where WebAssembly or SIMD is
 * missing it runs the same sums in JS. Sums are accumulated in float32 lanes, so scores may differ from a float64
 * dot product in the last bits.
 *
 * @example
 * const scorer = FactorScorer.create(itemFactors, 32, null);
 * const out = new Float32Array(scorer.items);
 * scorer.score(userVector, 0, out); // out[i] = userVector · item i
 */
export class FactorScorer {
  private constructor(
    /** Item rows scored. */
    readonly items: number,
    /** Factors per row. */
    readonly factors: number,
    private readonly wasm: {
      exports: ScoreExports;
      fp: number;
      q: number;
      bias: number;
      x: number;
      bases: number;
      out: number;
    } | null,
    private readonly Q: Float32Array,
    private readonly bias: ArrayLike<number> | null,
  ) {}

  /**
   * A scorer over `itemFactors` (row-major, `factors` per row) and optional item biases. The arrays are copied:
   * later changes to them are not seen.
   */
  static create(itemFactors: Float32Array, factors: number, itemBias: ArrayLike<number> | null): FactorScorer {
    const n = factors > 0 ? Math.floor(itemFactors.length / factors) : 0;
    const wasm = instantiate(itemFactors, factors, n, itemBias);
    return new FactorScorer(n, factors, wasm, wasm ? new Float32Array(0) : itemFactors.slice(), wasm ? null : itemBias);
  }

  /** out[i] = base + b_i + x·q_i for every item (`x` holds `factors` values, `out` at least `items`). */
  score(x: ArrayLike<number>, base: number, out: Float32Array): void {
    const n = this.items,
      F = this.factors;
    const w = this.wasm;
    if (w) {
      const mem = w.exports.memory.buffer;
      const xv = new Float32Array(mem, w.x, w.fp);
      for (let f = 0; f < F; f++) xv[f] = x[f];
      w.exports.score1(w.x, w.q, w.bias, n, w.fp, base, w.out);
      out.set(new Float32Array(mem, w.out, n));
      return;
    }
    scoreJs(x, 0, this.Q, F, n, base, this.bias, out, 0);
  }

  /**
   * Four users at once (`xs`: 4 consecutive vectors of `factors`; `bases`: 4 values): out[r·items + i]. Rows past
   * the users you have may hold anything (their outputs are ignored).
   */
  scoreBlock(xs: ArrayLike<number>, bases: ArrayLike<number>, out: Float32Array): void {
    const n = this.items,
      F = this.factors;
    const w = this.wasm;
    if (w) {
      const mem = w.exports.memory.buffer;
      const xv = new Float32Array(mem, w.x, 4 * w.fp);
      for (let r = 0; r < 4; r++) for (let f = 0; f < F; f++) xv[r * w.fp + f] = xs[r * F + f];
      const bv = new Float32Array(mem, w.bases, 4);
      for (let r = 0; r < 4; r++) bv[r] = bases[r];
      w.exports.score4(w.x, w.q, w.bias, n, w.fp, w.bases, w.out);
      out.set(new Float32Array(mem, w.out, 4 * n));
      return;
    }
    for (let r = 0; r < 4; r++) scoreJs(xs, r * F, this.Q, F, n, bases[r], this.bias, out, r * n);
  }
}

function scoreJs(
  x: ArrayLike<number>,
  xo: number,
  Q: Float32Array,
  F: number,
  n: number,
  base: number,
  bias: ArrayLike<number> | null,
  out: Float32Array,
  oo: number,
): void {
  const p = new Float64Array(F);
  for (let f = 0; f < F; f++) p[f] = x[xo + f];
  for (let i = 0; i < n; i++) {
    const o = i * F;
    let s = 0;
    for (let f = 0; f < F; f++) s += p[f] * Q[o + f];
    out[oo + i] = base + (bias ? bias[i] : 0) + s;
  }
}

/** Lays the padded items, biases and scratch out in a fresh instance's memory; null when WebAssembly cannot. */
function instantiate(Q: Float32Array, F: number, n: number, bias: ArrayLike<number> | null) {
  const api = wasmApi();
  if (!api || F < 1) return null;
  if (compiled === undefined) compiled = compileKernel(SCORE_ROWS_WASM);
  if (!compiled) return null;
  const fp = (F + 3) & ~3;
  // [16 reserved: address 0 means "no bias"] [bases 16] [x 4·fp] [Q n·fp] [bias n] [out 4n]
  const bases = 16,
    x = 32,
    q = x + 16 * fp,
    b = q + 4 * n * fp,
    out = b + (bias ? 4 * n : 0);
  const bytes = out + 16 * n;
  if (bytes > MAX_BYTES) return null;
  let exports: ScoreExports;
  try {
    exports = new api.Instance(compiled, {}).exports as unknown as ScoreExports;
    const need = Math.ceil(bytes / PAGE) - exports.memory.buffer.byteLength / PAGE;
    if (need > 0) exports.memory.grow(need);
  } catch {
    return null; // out of memory: score in JS
  }
  const mem = exports.memory.buffer;
  const qv = new Float32Array(mem, q, n * fp);
  if (fp === F) qv.set(Q.subarray(0, n * F));
  else for (let i = 0; i < n; i++) qv.set(Q.subarray(i * F, (i + 1) * F), i * fp);
  if (bias) {
    const bv = new Float32Array(mem, b, n);
    for (let i = 0; i < n; i++) bv[i] = bias[i];
  }
  return { exports, fp, q, bias: bias ? b : 0, x, bases, out };
}
