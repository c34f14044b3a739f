// The two-tower network (Yi et al. 2019, "Sampling-Bias-Corrected Neural Modeling for Large Corpus Item
// Recommendations"; the pooled history of Covington et al. 2016, "Deep Neural Networks for YouTube Recommendations")
// on the tape. User tower: [mean of the history items' embeddings | user features' embedding bag] → dense (ReLU) →
// dense → L2-normalised·(1/√τ). Item tower: [item features' embedding bag | item id embedding] → the same layers →
// the same normalisation. A batch is B (user, positive item) pairs; the logits are every user against every item of
// the batch (in-batch negatives), trained with the logQ-corrected sampled softmax. `towerVectors` is the same
// forward pass without the tape, for any number of rows (serving, validation, cold items from their features).
import type { Rng } from '../../math/rng.js';
import { reluForward } from './activations.js';
import { denseForward } from './dense.js';
import { embeddingBagForward } from './embedding-bag.js';
import { Graph } from './graph.js';
import { l2NormalizeForward } from './l2-normalize.js';
import type { Tensor } from './tensor.js';
import type { Vec } from './vec.js';

/** Sizes of the network. */
export interface TowerShape {
  /** Rows of the item id and history tables. */
  items: number;
  /** Columns of the item / user feature matrices (0: that side has no features). */
  itemFeatures: number;
  userFeatures: number;
  /** Width of every embedding table. */
  dim: number;
  /** Width of each tower's hidden ReLU layer (0: the tower is one linear layer). */
  hidden: number;
  /** Width of the towers' outputs: the factors the engine serves. */
  out: number;
  /** Scale of the normalised outputs, 1/√τ (0: outputs are not normalised). */
  scale: number;
}

/** The network's trainable arrays by name (what the model saves). */
export type TowerWeights = Record<string, Float32Array>;

/** CSR bags a batch fills: ids, per-entry weights and offsets (bags + 1). */
export interface Bag {
  ids: Int32Array;
  weights: Float32Array;
  offsets: Int32Array;
}

/** A built training graph and the buffers a step fills. */
export interface TowerNet {
  graph: Graph;
  history: Bag;
  userFeatures: Bag | null;
  itemFeatures: Bag | null;
  /** Item ids of the batch's positives (−1: the id embedding is dropped for that row). */
  itemIds: Int32Array;
  /** Per-row logQ [B·B]: log q of every in-batch candidate, +∞-like for a repeat of the row's own item. */
  logQ: Float32Array;
  targets: Int32Array;
  /** The towers' outputs [B, out] (what serving computes with `towerVectors`) and their in-batch logits [B, B]. */
  users: Tensor;
  items: Tensor;
  logits: Tensor;
}

const bag = (maxIds: number, bags: number): Bag => ({
  ids: new Int32Array(maxIds),
  weights: new Float32Array(maxIds),
  offsets: new Int32Array(bags + 1),
});

function xavier(rng: Rng, fanIn: number, fanOut: number): (v: Vec) => void {
  const std = Math.sqrt(2 / (fanIn + fanOut));
  return (v) => rng.fillNormal(v, 0, std);
}

function tableInit(rng: Rng, dim: number): (v: Vec) => void {
  const std = 1 / Math.sqrt(dim);
  return (v) => rng.fillNormal(v, 0, std);
}

const zero = (): void => {};

/** Input width of each tower. */
export function towerInputs(s: TowerShape): { user: number; item: number } {
  return {
    user: s.dim * (s.userFeatures > 0 ? 2 : 1),
    item: s.dim * (s.itemFeatures > 0 ? 2 : 1),
  };
}

/** The tower's layers on the tape: dense (ReLU) → dense, then the normalisation. */
function tower(g: Graph, x: Tensor, prefix: string, s: TowerShape, inDim: number, rng: Rng): Tensor {
  let h = x;
  let width = inDim;
  if (s.hidden > 0) {
    const w1 = g.weight(`${prefix}.w1`, [inDim, s.hidden], xavier(rng, inDim, s.hidden));
    h = g.relu(g.dense(h, w1, g.weight(`${prefix}.b1`, [s.hidden], zero)));
    width = s.hidden;
  }
  const w2 = g.weight(`${prefix}.w2`, [width, s.out], xavier(rng, width, s.out));
  const y = g.dense(h, w2, g.weight(`${prefix}.b2`, [s.out], zero));
  return s.scale > 0 ? g.l2Normalize(y, s.scale) : y;
}

/**
 * Builds the training graph for batches of `batch` pairs, with at most `maxHistory` history entries and
 * `maxUserFeatures` / `maxItemFeatures` feature entries per batch.
 *
 * @example
 * const net = buildTowerNet(shape, 512, 512 * 100, 0, 512 * 30, rng);
 */
export function buildTowerNet(
  s: TowerShape,
  batch: number,
  maxHistory: number,
  maxUserFeatures: number,
  maxItemFeatures: number,
  rng: Rng,
): TowerNet {
  const g = new Graph(Float32Array);
  const inputs = towerInputs(s);
  const history = bag(Math.max(1, maxHistory), batch);
  const hist = g.table('hist', s.items, s.dim, Math.max(1, maxHistory), tableInit(rng, s.dim));
  let user = g.embeddingBag(hist, history.ids, history.weights, history.offsets, batch);
  let userFeatures: Bag | null = null;
  if (s.userFeatures > 0) {
    userFeatures = bag(Math.max(1, maxUserFeatures), batch);
    const t = g.table('ufeat', s.userFeatures, s.dim, Math.max(1, maxUserFeatures), tableInit(rng, s.dim));
    user = g.concat(user, g.embeddingBag(t, userFeatures.ids, userFeatures.weights, userFeatures.offsets, batch));
  }
  const itemIds = new Int32Array(batch);
  const iid = g.table('iid', s.items, s.dim, batch, tableInit(rng, s.dim));
  let item = g.embedding(iid, itemIds);
  let itemFeatures: Bag | null = null;
  if (s.itemFeatures > 0) {
    itemFeatures = bag(Math.max(1, maxItemFeatures), batch);
    const t = g.table('ifeat', s.itemFeatures, s.dim, Math.max(1, maxItemFeatures), tableInit(rng, s.dim));
    item = g.concat(g.embeddingBag(t, itemFeatures.ids, itemFeatures.weights, itemFeatures.offsets, batch), item);
  }
  const u = tower(g, user, 'u', s, inputs.user, rng);
  const v = tower(g, item, 'i', s, inputs.item, rng);
  const logits = g.scores(u, v);
  const logQ = new Float32Array(batch * batch);
  const targets = Int32Array.from({ length: batch }, (_, r) => r);
  g.sampledSoftmaxCrossEntropy(logits, targets, logQ);
  return { graph: g, history, userFeatures, itemFeatures, itemIds, logQ, targets, users: u, items: v, logits };
}

/** The graph's parameters by name (views on the live arrays). */
export function towerWeights(net: TowerNet): TowerWeights {
  const out: TowerWeights = {};
  for (const p of net.graph.params) out[p.name] = p.value as Float32Array;
  return out;
}

/** Every weight's length for a shape: what a saved model must hold. */
export function towerWeightSizes(s: TowerShape): Record<string, number> {
  const inputs = towerInputs(s);
  const sizes: Record<string, number> = { hist: s.items * s.dim, iid: s.items * s.dim };
  if (s.userFeatures > 0) sizes.ufeat = s.userFeatures * s.dim;
  if (s.itemFeatures > 0) sizes.ifeat = s.itemFeatures * s.dim;
  for (const [prefix, inDim] of [
    ['u', inputs.user],
    ['i', inputs.item],
  ] as const) {
    if (s.hidden > 0) {
      sizes[`${prefix}.w1`] = inDim * s.hidden;
      sizes[`${prefix}.b1`] = s.hidden;
    }
    sizes[`${prefix}.w2`] = (s.hidden > 0 ? s.hidden : inDim) * s.out;
    sizes[`${prefix}.b2`] = s.out;
  }
  return sizes;
}

/**
 * The outputs of one tower for `rows` rows without the tape: `bags` are the tower's input bags in the order the
 * graph concatenates them ([history, user features] or [item features, item id]), each over its table, each
 * `dim` wide; `out` gets rows × shape.out values. Runs in chunks of 256 rows, so memory stays bounded.
 *
 * @example
 * towerVectors(weights, shape, 'u', [{ table: weights.hist, ...historyBag }], 943, userVectors);
 */
export function towerVectors(
  w: TowerWeights,
  s: TowerShape,
  prefix: 'u' | 'i',
  bags: readonly (Bag & { table: Float32Array })[],
  rows: number,
  out: Float32Array,
): void {
  const inDim = s.dim * bags.length;
  const chunk = Math.min(256, Math.max(1, rows));
  const x = new Float32Array(chunk * inDim);
  const part = new Float32Array(chunk * s.dim);
  const h = new Float32Array(chunk * Math.max(1, s.hidden));
  const y = new Float32Array(chunk * s.out);
  const norms = new Float32Array(chunk);
  const offsets = new Int32Array(chunk + 1);
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const n = Math.min(chunk, rows - r0);
    for (let b = 0; b < bags.length; b++) {
      const { table, ids, weights, offsets: all } = bags[b];
      const base = all[r0];
      for (let r = 0; r <= n; r++) offsets[r] = all[r0 + r] - base;
      embeddingBagForward(table, ids.subarray(base), weights.subarray(base), offsets, part, n, s.dim);
      for (let r = 0; r < n; r++) x.set(part.subarray(r * s.dim, (r + 1) * s.dim), r * inDim + b * s.dim);
    }
    let input = x;
    let width = inDim;
    if (s.hidden > 0) {
      denseForward(x, w[`${prefix}.w1`], w[`${prefix}.b1`], h, { batch: n, inDim, outDim: s.hidden });
      reluForward(h, h, n * s.hidden);
      input = h;
      width = s.hidden;
    }
    denseForward(input, w[`${prefix}.w2`], w[`${prefix}.b2`], y, { batch: n, inDim: width, outDim: s.out });
    if (s.scale > 0) l2NormalizeForward(y, y, norms, n, s.out, s.scale);
    out.set(y.subarray(0, n * s.out), r0 * s.out);
  }
}
