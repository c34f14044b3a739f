// Full ranking for NeuMF without running the network once per (user, item) pair. Two identities make it cheap:
// - GMF: hᴳ·(p_u ⊙ q_i) = (hᴳ ⊙ p_u)·q_i, one dot product per item with a vector computed once per user.
// - MLP: the first layer is linear in the concatenation, W·[p'_u; q'_i] = W_u·p'_u + W_i·q'_i, so W_i·q'_i is computed
//   once per item (the item cache, refreshed whenever the weights change) and W_u·p'_u + b once per user; a user's
//   first layer is then an add and a ReLU per item, and only the narrower layers after it are matrix products, run over
//   chunks of items at once (one matmul per layer per chunk instead of a forward pass per pair).
import { matmul } from './matmul.js';
import type { NcfShape, NcfWeights } from './ncf-net.js';

/** Items scored per chunk: the chunk's activations stay in cache. */
const CHUNK = 512;

/**
 * Scores every item for a user with NeuMF's weights; `refresh()` recomputes the item cache after the weights change.
 *
 * @example
 * const scorer = new NcfScorer(weights, shape);
 * scorer.scoreUser(u, out); // out[i] = logit of (u, i) for every item i
 */
export class NcfScorer {
  private readonly itemSide: Float32Array;
  private readonly userSide: Float32Array;
  private readonly gmfUser: Float32Array;
  /** Activations of a chunk, one buffer per MLP layer after the embeddings. */
  private readonly acts: Float32Array[];

  constructor(
    private readonly w: NcfWeights,
    private readonly s: NcfShape,
  ) {
    const L = s.layers;
    const mlp = s.variant !== 'gmf';
    this.itemSide = new Float32Array(mlp ? s.items * L[1] : 0);
    this.userSide = new Float32Array(mlp ? L[1] : 0);
    this.gmfUser = new Float32Array(s.variant !== 'mlp' ? s.factors : 0);
    this.acts = mlp ? L.slice(1).map((width) => new Float32Array(CHUNK * width)) : [];
    this.refresh();
  }

  /** Recomputes W_i·q'_i for every item (call after the weights changed). */
  refresh(): void {
    if (this.s.variant === 'gmf') return;
    const [in0, out1] = [this.s.layers[0], this.s.layers[1]];
    const half = in0 / 2;
    // Rows half… of W1 ([in, out], row-major) multiply the item half of the concatenation.
    matmul(this.w['mlp.item'], this.w['mlp.w1'].subarray(half * out1), this.itemSide, this.s.items, half, out1);
  }

  /** Logits of items [from, to) for user index `u` into out[from … to). */
  scoreUser(u: number, out: Float32Array, from = 0, to = this.s.items): void {
    const { s, w } = this;
    const bias = w['out.b'][0];
    const h = w['out.w'];
    for (let i = from; i < to; i++) out[i] = bias;
    let hOff = 0;
    if (s.variant !== 'mlp') {
      const F = s.factors;
      const pu = w['gmf.user'];
      const qi = w['gmf.item'];
      for (let f = 0; f < F; f++) this.gmfUser[f] = h[f] * pu[u * F + f];
      for (let i = from; i < to; i++) {
        let dot = 0;
        for (let f = 0; f < F; f++) dot += this.gmfUser[f] * qi[i * F + f];
        out[i] += dot;
      }
      hOff = F;
    }
    if (s.variant !== 'gmf') this.scoreMlp(u, out, from, to, h.subarray(hOff));
  }

  private scoreMlp(u: number, out: Float32Array, from: number, to: number, hm: Float32Array): void {
    const { s, w } = this;
    const L = s.layers;
    const half = L[0] / 2;
    const out1 = L[1];
    // W_u·p'_u + b1: rows 0…half of W1 against the user's MLP embedding.
    matmul(w['mlp.user'].subarray(u * half, (u + 1) * half), w['mlp.w1'], this.userSide, 1, half, out1);
    const b1 = w['mlp.b1'];
    for (let j = 0; j < out1; j++) this.userSide[j] += b1[j];
    const last = L[L.length - 1];
    for (let c = from; c < to; c += CHUNK) {
      const n = Math.min(CHUNK, to - c);
      const a1 = this.acts[0];
      for (let r = 0; r < n; r++) {
        const o = r * out1;
        const io = (c + r) * out1;
        for (let j = 0; j < out1; j++) {
          const v = this.itemSide[io + j] + this.userSide[j];
          a1[o + j] = v > 0 ? v : 0;
        }
      }
      for (let l = 2; l < L.length; l++) {
        const y = this.acts[l - 1];
        const width = L[l];
        matmul(this.acts[l - 2], w[`mlp.w${l}`], y, n, L[l - 1], width);
        const b = w[`mlp.b${l}`];
        for (let r = 0; r < n; r++)
          for (let j = 0; j < width; j++) {
            const v = y[r * width + j] + b[j];
            y[r * width + j] = v > 0 ? v : 0;
          }
      }
      const top = this.acts[L.length - 2];
      for (let r = 0; r < n; r++) {
        let dot = 0;
        for (let j = 0; j < last; j++) dot += hm[j] * top[r * last + j];
        out[c + r] += dot;
      }
    }
  }
}
