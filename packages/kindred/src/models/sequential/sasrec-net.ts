// The SASRec network (Kang & McAuley 2018, "Self-Attentive Sequential Recommendation", ICDM) on the tape, in the
// block layout of the authors' code and of its PyTorch port (pmixer/SASRec.pytorch) that SASRec+ (Klenitskiy &
// Vasilev 2023) and gSASRec (Petrov & Macdonald 2023) built on, not RecBole's post-LN encoder:
//   x = dropout(E[item]·√d + P[slot])                                  (item table E tied to the output layer)
//   per block:  q = LN₁(x);  x = q + dropout(MHA(q·Wq, x·Wk, x·Wv)·Wo)   (causal, padded keys masked; query is the
//                                                                       normalised x, keys/values the raw x)
//               f = LN₂(x);  x = f + dropout(W₂·dropout(ReLU(W₁·f)))     (point-wise feed-forward, width d)
//   h = LN_last(x)
// Sequences are left-padded to `maxLength` slots (id −1, the newest item in the last slot) and slot t has the
// learned position P[t], as Kang's code. Position t's output scores the item at t + 1: with `loss: 'ce'` a full
// softmax over h·Eᵀ (fused and chunked, `tiedSoftmaxCrossEntropy`); with `loss: 'gbce'` the positive's logit and
// k negatives sampled per sequence under gBCE. One difference from the reference code: its dropout on the attention
// probabilities is applied here to the attention block's output (RecBole's placement), as the attention op saves no
// dropout mask. Padding costs nothing in the result: padded keys are never attended, padded rows feed no loss, so
// they pass no gradient anywhere.
import type { Rng } from '../../math/rng.js';
import { Graph } from '../neural/graph.js';
import type { Tensor } from '../neural/tensor.js';
import type { Vec } from '../neural/vec.js';

/** Shapes and choices of one network. */
export interface SasrecShape {
  items: number;
  hidden: number;
  blocks: number;
  heads: number;
  maxLength: number;
  dropout: number;
  /** 'ce': full softmax cross-entropy; 'gbce': gBCE over `negatives` sampled items per sequence; 'none': scoring only. */
  loss: 'ce' | 'gbce' | 'none';
  negatives: number;
  /** gBCE's β (see `gbceBeta`). */
  beta: number;
}

/** A built graph and the buffers a step fills. */
export interface SasrecNet {
  graph: Graph;
  batch: number;
  /** Input items [batch·maxLength], left-padded with −1. */
  ids: Int32Array;
  /** 1 where `ids` holds an item: the attention's padding mask. */
  valid: Uint8Array;
  /** Slot of each input position (−1 at padding): the position lookup. */
  slots: Int32Array;
  /** The next item of each position, −1 where there is none (padding, the newest item while scoring). */
  targets: Int32Array;
  /** gBCE: 1 where `targets` holds an item. */
  rowMask: Uint8Array;
  /** gBCE: the negatives of each sequence [batch·negatives]. */
  negatives: Int32Array;
  /** The sequence representation h [batch, maxLength, hidden]. */
  h: Tensor;
  /** The item table E [items, hidden] (input embedding and output layer). */
  items: Tensor;
}

function xavier(rng: Rng, fanIn: number, fanOut: number): (v: Vec) => void {
  const std = Math.sqrt(2 / (fanIn + fanOut)); // xavier_normal_, the reference code's initialisation
  return (v) => rng.fillNormal(v, 0, std);
}
const zero = (): void => {};
const one = (v: Vec): void => void v.fill(1);

/**
 * Builds the graph for batches of `batch` sequences; `rng` draws the initial weights and the dropout masks.
 *
 * @example
 * const net = buildSasrecNet({ items: 1682, hidden: 64, blocks: 2, heads: 1, maxLength: 50, dropout: 0.2,
 *   loss: 'ce', negatives: 0, beta: 1 }, 128, new Rng(0));
 */
export function buildSasrecNet(s: SasrecShape, batch: number, rng: Rng): SasrecNet {
  const g = new Graph(Float32Array);
  const [L, d] = [s.maxLength, s.hidden];
  const n = batch * L;
  const ids = new Int32Array(n).fill(-1);
  const valid = new Uint8Array(n);
  const slots = new Int32Array(n).fill(-1);
  const targets = new Int32Array(n).fill(-1);
  const rowMask = new Uint8Array(n);
  const negatives = new Int32Array(Math.max(1, batch * s.negatives)).fill(-1);
  const items = g.weight('items', [s.items, d], xavier(rng, s.items, d));
  const positions = g.weight('positions', [L, d], xavier(rng, L, d));
  const w = (name: string, rows: number, cols: number) => g.weight(name, [rows, cols], xavier(rng, rows, cols));
  const b = (name: string) => g.weight(name, [d], zero);
  const gain = (name: string) => g.weight(name, [d], one);
  const e = g.add(g.scale(g.lookup(items, ids, [batch, L]), Math.sqrt(d)), g.lookup(positions, slots, [batch, L]));
  let x = g.dropout(e, s.dropout, rng);
  for (let k = 0; k < s.blocks; k++) {
    const p = `b${k}.`;
    const q = g.layerNorm(x, gain(p + 'ln1.g'), b(p + 'ln1.b'), 1e-8);
    const att = g.attention(
      g.dense(q, w(p + 'wq', d, d), b(p + 'bq')),
      g.dense(x, w(p + 'wk', d, d), b(p + 'bk')),
      g.dense(x, w(p + 'wv', d, d), b(p + 'bv')),
      valid,
      s.heads,
      true,
    );
    x = g.add(q, g.dropout(g.dense(att, w(p + 'wo', d, d), b(p + 'bo')), s.dropout, rng));
    const f = g.layerNorm(x, gain(p + 'ln2.g'), b(p + 'ln2.b'), 1e-8);
    const inner = g.dropout(g.relu(g.dense(f, w(p + 'w1', d, d), b(p + 'b1'))), s.dropout, rng);
    x = g.add(f, g.dropout(g.dense(inner, w(p + 'w2', d, d), b(p + 'b2')), s.dropout, rng));
  }
  const h = g.layerNorm(x, gain('last.g'), b('last.b'), 1e-8);
  if (s.loss === 'ce') g.tiedSoftmaxCrossEntropy(h, items, targets);
  else if (s.loss === 'gbce') {
    const pos = g.rowDots(h, g.lookup(items, targets, [batch, L]));
    const neg = g.batchScores(h, g.lookup(items, negatives, [batch, s.negatives]));
    g.gbce(g.concat(pos, neg), rowMask, s.beta);
  }
  return { graph: g, batch, ids, valid, slots, targets, rowMask, negatives, h, items };
}

/**
 * Fills row `r` of the batch with `seq` (oldest → newest, at most maxLength items, right-aligned) and, when given,
 * each position's next item from `next` (same length as seq; −1 = none).
 *
 * @example
 * fillRow(net, 0, Int32Array.of(4, 9, 2), null); // scoring: slots L−3..L−1 hold 4, 9, 2
 */
export function fillRow(net: SasrecNet, r: number, seq: Int32Array, next: Int32Array | null): void {
  const L = net.ids.length / net.batch;
  const o = r * L;
  const pad = L - seq.length;
  for (let t = 0; t < L; t++) {
    const item = t < pad ? -1 : seq[t - pad];
    net.ids[o + t] = item;
    net.valid[o + t] = item >= 0 ? 1 : 0;
    net.slots[o + t] = item >= 0 ? t : -1;
    const target = item >= 0 && next ? next[t - pad] : -1;
    net.targets[o + t] = target;
    net.rowMask[o + t] = target >= 0 ? 1 : 0;
  }
}

/** Every parameter of the graph by name (views on the live arrays). */
export function sasrecWeights(net: SasrecNet): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const p of net.graph.params) out[p.name] = p.value as Float32Array;
  return out;
}
