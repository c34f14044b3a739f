// Scaled dot-product multi-head self-attention (Vaswani et al. 2017) with a causal mask and a padding mask, the core
// of SASRec's blocks (Kang & McAuley 2018). It takes Q, K, V already projected (dense layers compose around it) as
// batch×len×(heads·headDim) row-major, head h in columns [h·headDim, (h+1)·headDim), which is how one projection
// of width heads·headDim lays them out, so no reshape is ever copied. Position t attends to the valid positions s
// with s ≤ t (causal) or every valid s; a padded query position outputs zeros and passes no gradient, and a padded
// key is never attended, so padding gets exactly zero gradient. The forward saves the attention probabilities
// (batch×heads×len×len; 50×50 per head for SASRec) for backward.
// Each (sequence, head) is computed as contiguous blocks (that head's columns gathered, left padding cut off) so
// Q·Kᵀ, P·V and the four backward products go through matmul.ts: the scalar loops over head dimensions were a
// quarter of a SASRec epoch; the causal upper triangle is computed and masked, cheaper under a SIMD product.
import { matmul, matmulNT, matmulTN } from './matmul.js';
import type { Vec, VecConstructor } from './vec.js';

/** One head's block of every operand, contiguous (len×headDim, len×len), so the products go through matmul.ts. */
interface Blocks {
  q: Vec;
  k: Vec;
  v: Vec;
  o: Vec;
  dq: Vec;
  dk: Vec;
  dv: Vec;
  p: Vec;
  dp: Vec;
}

// Reused across calls (grown when a larger shape comes), one set per array type: a step allocates nothing.
const blockCache = new Map<VecConstructor, { len: number; d: number; blocks: Blocks }>();

function scratchFor(like: Vec, len: number, d: number): Blocks {
  const ctor = like.constructor as VecConstructor;
  const hit = blockCache.get(ctor);
  if (hit && hit.len >= len && hit.d >= d) return hit.blocks;
  const L = Math.max(len, hit?.len ?? 0);
  const D = Math.max(d, hit?.d ?? 0);
  const a = () => new ctor(L * D);
  const blocks = { q: a(), k: a(), v: a(), o: a(), dq: a(), dk: a(), dv: a(), p: new ctor(L * L), dp: new ctor(L * L) };
  blockCache.set(ctor, { len: L, d: D, blocks });
  return blocks;
}

/** Copies head h of rows from..from+m of x (width heads·headDim) into the contiguous m×headDim block `out`. */
function gather(x: Vec, out: Vec, from: number, m: number, s: AttentionShape, h: number): void {
  const d = s.headDim;
  const w = s.heads * d;
  for (let t = 0; t < m; t++) {
    const src = (from + t) * w + h * d;
    for (let j = 0; j < d; j++) out[t * d + j] = x[src + j];
  }
}

/** Writes (or adds) the m×headDim block into head h of a sequence's rows; forward also zeroes the padded rows. */
function scatter(
  block: Vec,
  x: Vec,
  base: number,
  lo: number,
  m: number,
  s: AttentionShape,
  h: number,
  add: boolean,
): void {
  const d = s.headDim;
  const w = s.heads * d;
  if (!add) for (let t = 0; t < lo; t++) x.fill(0, (base + t) * w + h * d, (base + t) * w + h * d + d);
  for (let t = 0; t < m; t++) {
    const dst = (base + lo + t) * w + h * d;
    if (add) for (let j = 0; j < d; j++) x[dst + j] += block[t * d + j];
    else for (let j = 0; j < d; j++) x[dst + j] = block[t * d + j];
  }
}

/** Shape of one attention op. */
export interface AttentionShape {
  batch: number;
  len: number;
  heads: number;
  headDim: number;
  /** Position t sees only positions ≤ t. */
  causal: boolean;
}

/** Length of the saved-probabilities buffer for a shape: batch·heads·len·len. */
export function attentionProbsLength(s: AttentionShape): number {
  return s.batch * s.heads * s.len * s.len;
}

/**
 * o = softmax(q·kᵀ/√d + mask)·v per head, where `valid[b·len + t]` is 1 for a real position and 0 for padding.
 * Writes the probabilities into `probs` (length {@link attentionProbsLength}).
 *
 * @example
 * const s = { batch: 1, len: 2, heads: 1, headDim: 1, causal: true };
 * const o = new Float32Array(2), probs = new Float32Array(4);
 * const q = new Float32Array([1, 1]), k = new Float32Array([0, 0]), v = new Float32Array([2, 4]);
 * attentionForward(q, k, v, new Uint8Array([1, 1]), o, probs, s); // o = [2, 3]: t = 1 averages v0 and v1
 */
export function attentionForward(
  q: Vec,
  k: Vec,
  v: Vec,
  valid: Uint8Array,
  o: Vec,
  probs: Vec,
  s: AttentionShape,
): void {
  const { batch, len, heads, headDim: d } = s;
  const scale = 1 / Math.sqrt(d);
  const sc = scratchFor(q, len, d);
  for (let b = 0; b < batch; b++) {
    const base = b * len;
    let lo = 0; // left padding (SASRec's layout) is skipped: products cover positions lo..len-1 only
    while (lo < len && !valid[base + lo]) lo++;
    const m = len - lo;
    for (let h = 0; h < heads; h++) {
      const pr = (b * heads + h) * len * len;
      probs.fill(0, pr, pr + len * len);
      gather(q, sc.q, base + lo, m, s, h);
      gather(k, sc.k, base + lo, m, s, h);
      gather(v, sc.v, base + lo, m, s, h);
      matmulNT(sc.q, sc.k, sc.p, m, d, m); // scores of the valid block
      for (let t = 0; t < m; t++) {
        const row = t * m;
        if (!valid[base + lo + t]) {
          sc.p.fill(0, row, row + m);
          continue;
        }
        const end = s.causal ? t + 1 : m;
        let max = -Infinity;
        for (let u = 0; u < end; u++)
          if (valid[base + lo + u] && sc.p[row + u] * scale > max) max = sc.p[row + u] * scale;
        let sum = 0;
        for (let u = 0; u < m; u++) {
          const e = u < end && valid[base + lo + u] ? Math.exp(sc.p[row + u] * scale - max) : 0;
          sc.p[row + u] = e;
          sum += e;
        }
        const inv = 1 / sum; // the query itself is valid, so at least one key is allowed when causal
        for (let u = 0; u < end; u++) sc.p[row + u] *= inv;
        probs.set(sc.p.subarray(row, row + m), pr + (lo + t) * len + lo);
      }
      matmul(sc.p, sc.v, sc.o, m, m, d);
      scatter(sc.o, o, base, lo, m, s, h, false);
    }
  }
}

/**
 * Backward of {@link attentionForward}: with P the saved probabilities and dP = dO·vᵀ,
 * dS = P ⊙ (dP − rowsum(P ⊙ dP)) (the softmax Jacobian), dq += dS·k/√d, dk += dSᵀ·q/√d, dv += Pᵀ·dO.
 * `scratch` holds one row of dP (length ≥ len).
 *
 * @example
 * // after attentionForward(q, k, v, valid, o, probs, s):
 * attentionBackward(q, k, v, valid, probs, dO, dq, dk, dv, new Float64Array(s.len), s);
 */
export function attentionBackward(
  q: Vec,
  k: Vec,
  v: Vec,
  valid: Uint8Array,
  probs: Vec,
  dO: Vec,
  dq: Vec,
  dk: Vec,
  dv: Vec,
  scratch: Vec,
  s: AttentionShape,
): void {
  void scratch; // the block buffers below replace the one-row scratch of the scalar kernel
  const { batch, len, heads, headDim: d } = s;
  const scale = 1 / Math.sqrt(d);
  const sc = scratchFor(q, len, d);
  for (let b = 0; b < batch; b++) {
    const base = b * len;
    let lo = 0;
    while (lo < len && !valid[base + lo]) lo++;
    const m = len - lo;
    if (m === 0) continue;
    for (let h = 0; h < heads; h++) {
      const pr = (b * heads + h) * len * len;
      gather(q, sc.q, base + lo, m, s, h);
      gather(k, sc.k, base + lo, m, s, h);
      gather(v, sc.v, base + lo, m, s, h);
      gather(dO, sc.o, base + lo, m, s, h);
      for (let t = 0; t < m; t++) sc.p.set(probs.subarray(pr + (lo + t) * len + lo, pr + (lo + t + 1) * len), t * m);
      matmulNT(sc.o, sc.v, sc.dp, m, d, m); // dP = dO·vᵀ
      for (let t = 0; t < m; t++) {
        const row = t * m;
        let rowSum = 0;
        for (let u = 0; u < m; u++) rowSum += sc.p[row + u] * sc.dp[row + u];
        // P is 0 wherever the mask forbids, so dS is too; padded query rows have P = 0 throughout.
        for (let u = 0; u < m; u++) sc.dp[row + u] = sc.p[row + u] * (sc.dp[row + u] - rowSum) * scale;
      }
      matmul(sc.dp, sc.k, sc.dq, m, m, d); // dq = dS·k/√d (the scale is in dS)
      matmulTN(sc.dp, sc.q, sc.dk, m, m, d); // dk = dSᵀ·q/√d
      matmulTN(sc.p, sc.o, sc.dv, m, m, d); // dv = Pᵀ·dO
      scatter(sc.dq, dq, base, lo, m, s, h, true);
      scatter(sc.dk, dk, base, lo, m, s, h, true);
      scatter(sc.dv, dv, base, lo, m, s, h, true);
    }
  }
}
