// The NeuMF network (He, Liao, Zhang, Nie, Hu & Chua 2017, "Neural Collaborative Filtering", WWW '17) on the tape:
// a GMF tower p_u ⊙ q_i (eq. 9) and an MLP tower ReLU layers over [p'_u; q'_i] (eq. 10), their outputs concatenated
// and mapped to one logit by h (eq. 12), trained with BCE on positives and sampled negatives (eq. 7). The `gmf` and
// `mlp` variants keep one tower. Each tower has its own embeddings, as the paper (sharing them limits the fused
// model's flexibility, §3.4). The graph sees the plain concatenation; the fast full-ranking path (ncf-scorer.ts) splits
// the first layer instead, and a test checks the two agree.
import type { Rng } from '../../math/rng.js';
import { Graph } from './graph.js';
import type { TableParam } from './param.js';
import type { Tensor } from './tensor.js';
import type { Vec } from './vec.js';

/** Which towers the model has: NeuMF fuses both (the paper's headline model). */
export type NcfVariant = 'neumf' | 'gmf' | 'mlp';

/** Shapes of the network. */
export interface NcfShape {
  users: number;
  items: number;
  variant: NcfVariant;
  /** GMF embedding size (its predictive factors). */
  factors: number;
  /** MLP tower widths from its input [p'_u; q'_i] (2 × the MLP embedding size) to its last hidden layer. */
  layers: readonly number[];
}

/** The network's trainable arrays by name (what the model saves). */
export type NcfWeights = Record<string, Float32Array>;

/** A built training graph and the buffers a step fills. */
export interface NcfNet {
  graph: Graph;
  users: Int32Array;
  items: Int32Array;
  labels: Float32Array;
  /** 1 for a real row, 0 for padding of a short last batch. */
  mask: Uint8Array;
  logits: Tensor;
}

const hasGmf = (s: NcfShape): boolean => s.variant !== 'mlp';
const hasMlp = (s: NcfShape): boolean => s.variant !== 'gmf';

/** Width of the vector the output layer h reads: GMF factors and/or the MLP's last layer. */
export function ncfPredictiveWidth(s: NcfShape): number {
  return (hasGmf(s) ? s.factors : 0) + (hasMlp(s) ? s.layers[s.layers.length - 1] : 0);
}

/**
 * Every weight's name and length for a shape: the save/load contract and what `buildNcfNet` creates.
 *
 * @example
 * ncfWeightSizes({ users: 10, items: 5, variant: 'gmf', factors: 4, layers: [8, 4] }); // { 'gmf.user': 40, ... }
 */
export function ncfWeightSizes(s: NcfShape): Record<string, number> {
  const out: Record<string, number> = {};
  if (hasGmf(s)) {
    out['gmf.user'] = s.users * s.factors;
    out['gmf.item'] = s.items * s.factors;
  }
  if (hasMlp(s)) {
    const half = s.layers[0] / 2;
    out['mlp.user'] = s.users * half;
    out['mlp.item'] = s.items * half;
    for (let l = 1; l < s.layers.length; l++) {
      out[`mlp.w${l}`] = s.layers[l - 1] * s.layers[l];
      out[`mlp.b${l}`] = s.layers[l];
    }
  }
  out['out.w'] = ncfPredictiveWidth(s);
  out['out.b'] = 1;
  return out;
}

const zero = (): void => {};

/**
 * Builds the training graph for batches of `batch` (user, item, label) rows. Embeddings start at N(0, initStd²)
 * (the paper's 0.01 by default); dense layers use PyTorch's `nn.Linear` default U(±1/√fan_in) (RecBole's NeuMF does the same), biases 0.
 *
 * @example
 * const net = buildNcfNet({ users: 943, items: 1682, variant: 'neumf', factors: 16, layers: [64, 32, 16] }, 256, 0, rng);
 */
export function buildNcfNet(s: NcfShape, batch: number, dropout: number, rng: Rng, initStd = 0.01): NcfNet {
  const g = new Graph(Float32Array);
  const users = new Int32Array(batch);
  const items = new Int32Array(batch);
  const normal = (v: Vec): void => rng.fillNormal(v as Float32Array, 0, initStd);
  const uniform = (fanIn: number) => (v: Vec) => {
    const a = 1 / Math.sqrt(fanIn);
    for (let k = 0; k < v.length; k++) v[k] = (2 * rng.next() - 1) * a;
  };
  const tower = (t: TableParam, ids: Int32Array): Tensor => g.embedding(t, ids, [batch]);
  let gmf: Tensor | null = null;
  if (hasGmf(s)) {
    const pu = tower(g.table('gmf.user', s.users, s.factors, batch, normal), users);
    const qi = tower(g.table('gmf.item', s.items, s.factors, batch, normal), items);
    gmf = g.mul(pu, qi);
  }
  let mlp: Tensor | null = null;
  if (hasMlp(s)) {
    const half = s.layers[0] / 2;
    const pu = tower(g.table('mlp.user', s.users, half, batch, normal), users);
    const qi = tower(g.table('mlp.item', s.items, half, batch, normal), items);
    let h = g.concat(pu, qi);
    for (let l = 1; l < s.layers.length; l++) {
      const [inDim, outDim] = [s.layers[l - 1], s.layers[l]];
      if (dropout > 0) h = g.dropout(h, dropout, rng);
      const w = g.weight(`mlp.w${l}`, [inDim, outDim], uniform(inDim));
      h = g.relu(g.dense(h, w, g.weight(`mlp.b${l}`, [outDim], zero)));
    }
    mlp = h;
  }
  const joint = gmf && mlp ? g.concat(gmf, mlp) : (gmf ?? mlp)!;
  const width = ncfPredictiveWidth(s);
  const logits = g.dense(joint, g.weight('out.w', [width, 1], uniform(width)), g.weight('out.b', [1], zero));
  const labels = new Float32Array(batch);
  const mask = new Uint8Array(batch);
  g.bceWithLogits(logits, labels, mask);
  return { graph: g, users, items, labels, mask, logits };
}

/** The graph's parameters by name (views on the live arrays). */
export function ncfNetWeights(net: NcfNet): NcfWeights {
  const out: NcfWeights = {};
  for (const p of net.graph.params) out[p.name] = p.value as Float32Array;
  return out;
}
