// The Mult-VAE / Mult-DAE network (Liang et al. 2018) on the tape: encoder [items → hidden (tanh) → latent (μ, and
// logσ² for the VAE)], decoder [latent → hidden (tanh) → items]. The first layer is an embedding bag over the user's
// items (weights 1/‖x‖ and the input-dropout scale), so the n_items × hidden product costs O(history · hidden), not
// O(items · hidden); its bias is one extra table row that every bag holds with weight 1. `encodeScores` is the same
// forward pass for one history without the tape (serving, fold-in of an unseen user).
import type { Rng } from '../../math/rng.js';
import { tanhForward } from './activations.js';
import { denseForward } from './dense.js';
import { Graph } from './graph.js';
import type { Tensor } from './tensor.js';
import type { Vec } from './vec.js';

/** Shapes of the network. */
export interface MultNetShape {
  items: number;
  hidden: number;
  latent: number;
  /** true: VAE (μ, logσ², sampled z, KL); false: DAE (z = encoder output). */
  variational: boolean;
}

/** The network's trainable arrays by name (what the model saves). */
export type MultWeights = Record<string, Float32Array>;

/** A built training graph and the buffers a step fills. */
export interface MultNet {
  graph: Graph;
  ids: Int32Array;
  weights: Float32Array;
  offsets: Int32Array;
  /** Dense binary rows [batch, items]: the multinomial likelihood's targets. */
  x: Float32Array;
  rowMask: Uint8Array;
  logits: Tensor;
  beta: { value: number };
}

function xavier(rng: Rng, fanIn: number, fanOut: number): (v: Vec) => void {
  const std = Math.sqrt(2 / (fanIn + fanOut)); // xavier_normal_, RecBole's initialisation; biases start at 0
  return (v) => rng.fillNormal(v, 0, std);
}

const zero = (): void => {};

/**
 * Builds the training graph for batches of `batch` users with at most `maxIds` bag entries per batch.
 *
 * @example
 * const net = buildMultNet({ items: 1682, hidden: 600, latent: 200, variational: true }, 500, 60000, rng);
 */
export function buildMultNet(s: MultNetShape, batch: number, maxIds: number, rng: Rng): MultNet {
  const g = new Graph(Float32Array);
  const ids = new Int32Array(maxIds);
  const weights = new Float32Array(maxIds);
  const offsets = new Int32Array(batch + 1);
  const enc = g.table('enc.w', s.items + 1, s.hidden, maxIds, xavier(rng, s.items, s.hidden));
  enc.value.fill(0, s.items * s.hidden); // the bias row
  const h = g.tanh(g.embeddingBag(enc, ids, weights, offsets, batch));
  const mu = g.dense(
    h,
    g.weight('mu.w', [s.hidden, s.latent], xavier(rng, s.hidden, s.latent)),
    g.weight('mu.b', [s.latent], zero),
  );
  const beta = { value: 0 };
  let z = mu;
  let logVar: Tensor | null = null;
  if (s.variational) {
    logVar = g.dense(
      h,
      g.weight('lv.w', [s.hidden, s.latent], xavier(rng, s.hidden, s.latent)),
      g.weight('lv.b', [s.latent], zero),
    );
    z = g.gaussianSample(mu, logVar, rng);
  }
  const d = g.tanh(
    g.dense(
      z,
      g.weight('dec.w', [s.latent, s.hidden], xavier(rng, s.latent, s.hidden)),
      g.weight('dec.b', [s.hidden], zero),
    ),
  );
  const logits = g.dense(
    d,
    g.weight('out.w', [s.hidden, s.items], xavier(rng, s.hidden, s.items)),
    g.weight('out.b', [s.items], zero),
  );
  const x = new Float32Array(batch * s.items);
  const rowMask = new Uint8Array(batch).fill(1);
  g.multinomialNll(logits, x, rowMask);
  if (logVar) g.gaussianKl(mu, logVar, beta);
  return { graph: g, ids, weights, offsets, x, rowMask, logits, beta };
}

/** The graph's parameters by name (views on the live arrays). */
export function netWeights(net: MultNet): MultWeights {
  const out: MultWeights = {};
  for (const p of net.graph.params) out[p.name] = p.value as Float32Array;
  return out;
}

/** Scratch buffers of `encodeScores`. */
export interface EncodeScratch {
  h: Float32Array;
  z: Float32Array;
  d: Float32Array;
}

/**
 * Logits of every item for one history (item indices, binary, L2-normalised; no dropout; z = μ): serving, and
 * users not seen in training (no retraining).
 *
 * @example
 * encodeScores(weights, shape, Int32Array.of(3, 17), out, scratch);
 */
export function encodeScores(
  w: MultWeights,
  s: MultNetShape,
  items: Int32Array,
  out: Float32Array,
  sc: EncodeScratch,
): void {
  const H = s.hidden;
  const enc = w['enc.w'];
  sc.h.set(enc.subarray(s.items * H, (s.items + 1) * H));
  let n = 0;
  for (let k = 0; k < items.length; k++) if (items[k] >= 0 && items[k] < s.items) n++;
  const scale = n > 0 ? 1 / Math.sqrt(n) : 0;
  for (let k = 0; k < items.length; k++) {
    const i = items[k];
    if (i < 0 || i >= s.items) continue;
    const o = i * H;
    for (let j = 0; j < H; j++) sc.h[j] += scale * enc[o + j];
  }
  tanhForward(sc.h, sc.h, H);
  denseForward(sc.h, w['mu.w'], w['mu.b'], sc.z, { batch: 1, inDim: H, outDim: s.latent });
  denseForward(sc.z, w['dec.w'], w['dec.b'], sc.d, { batch: 1, inDim: s.latent, outDim: H });
  tanhForward(sc.d, sc.d, H);
  denseForward(sc.d, w['out.w'], w['out.b'], out, { batch: 1, inDim: H, outDim: s.items });
}
