// Scaled dot-product multi-head self-attention (Vaswani et al. 2017) with a causal mask and a padding mask, the core
// of SASRec's blocks (Kang & McAuley 2018). It takes Q, K, V already projected (dense layers compose around it) as
// batch×len×(heads·headDim) row-major, head h in columns [h·headDim, (h+1)·headDim), which is how one projection
// of width heads·headDim lays them out, so no reshape is ever copied. Position t attends to the valid positions s
// with s ≤ t (causal) or every valid s; a padded query position outputs zeros and passes no gradient, and a padded
// key is never attended, so padding gets exactly zero gradient. The forward saves the attention probabilities
// (batch×heads×len×len; 50×50 per head for SASRec) for backward.
import type { Vec } from './vec.js';

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
  const w = heads * d;
  const scale = 1 / Math.sqrt(d);
  for (let b = 0; b < batch; b++) {
    const base = b * len;
    for (let h = 0; h < heads; h++) {
      const col = h * d;
      for (let t = 0; t < len; t++) {
        const qo = (base + t) * w + col;
        const pr = ((b * heads + h) * len + t) * len;
        probs.fill(0, pr, pr + len);
        o.fill(0, qo, qo + d);
        if (!valid[base + t]) continue;
        const end = s.causal ? t + 1 : len;
        let max = -Infinity;
        for (let u = 0; u < end; u++) {
          if (!valid[base + u]) continue;
          const ko = (base + u) * w + col;
          let dot = 0;
          for (let j = 0; j < d; j++) dot += q[qo + j] * k[ko + j];
          const sc = dot * scale;
          probs[pr + u] = sc;
          if (sc > max) max = sc;
        }
        let sum = 0;
        for (let u = 0; u < end; u++) {
          if (!valid[base + u]) continue;
          const e = Math.exp(probs[pr + u] - max);
          probs[pr + u] = e;
          sum += e;
        }
        const inv = 1 / sum; // the query itself is valid, so at least one key is allowed when causal
        for (let u = 0; u < end; u++) {
          if (!valid[base + u]) continue;
          const p = probs[pr + u] * inv;
          probs[pr + u] = p;
          const vo = (base + u) * w + col;
          for (let j = 0; j < d; j++) o[qo + j] += p * v[vo + j];
        }
      }
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
  const { batch, len, heads, headDim: d } = s;
  const w = heads * d;
  const scale = 1 / Math.sqrt(d);
  for (let b = 0; b < batch; b++) {
    const base = b * len;
    for (let h = 0; h < heads; h++) {
      const col = h * d;
      for (let t = 0; t < len; t++) {
        if (!valid[base + t]) continue;
        const qo = (base + t) * w + col;
        const pr = ((b * heads + h) * len + t) * len;
        const end = s.causal ? t + 1 : len;
        let rowSum = 0;
        for (let u = 0; u < end; u++) {
          if (!valid[base + u]) continue;
          const vo = (base + u) * w + col;
          let dp = 0;
          for (let j = 0; j < d; j++) dp += dO[qo + j] * v[vo + j];
          scratch[u] = dp;
          rowSum += probs[pr + u] * dp;
        }
        for (let u = 0; u < end; u++) {
          if (!valid[base + u]) continue;
          const p = probs[pr + u];
          const ds = p * (scratch[u] - rowSum) * scale;
          const ko = (base + u) * w + col;
          for (let j = 0; j < d; j++) {
            dv[ko + j] += p * dO[qo + j];
            dq[qo + j] += ds * k[ko + j];
            dk[ko + j] += ds * q[qo + j];
          }
        }
      }
    }
  }
}
