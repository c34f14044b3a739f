// The tape: reverse-mode automatic differentiation over coarse ops, recorded ONCE when a model builds its graph and
// replayed by every training step (define-then-run, a static graph). Building allocates every activation, gradient
// and saved buffer for the graph's fixed batch shape, so a step allocates nothing: forward() runs the nodes in the
// order they were recorded, each loss term computes its value and adds dLoss/dlogits as it goes (fused, as PyTorch's
// cross-entropy; the terms are summed), and backward() runs the nodes' backward passes in reverse. Each op's forward and backward are the
// hand-written kernels beside this file; the tape only sequences them, so its overhead is a few dozen closure calls
// per step against millions of multiply-adds. A short last batch is padded: ids −1 (zero embedding, no gradient),
// targets −1 or a zero mask (the loss ignores the row), so shapes never change. See ARCHITECTURE.md "Neural substrate".
import type { Rng } from '../../math/rng.js';
import {
  geluBackward,
  geluForward,
  reluBackward,
  reluForward,
  sigmoidBackward,
  sigmoidForward,
  tanhBackward,
  tanhForward,
} from './activations.js';
import { attentionBackward, attentionForward, attentionProbsLength, type AttentionShape } from './attention.js';
import { bceWithLogits, gbce } from './bce.js';
import {
  batchScoresBackward,
  batchScoresForward,
  rowDotsBackward,
  rowDotsForward,
  type BatchScoresShape,
} from './batch-scores.js';
import { denseBackward, denseForward } from './dense.js';
import { matmul, matmulNT, matmulTN } from './matmul.js';
import { dropoutBackward, dropoutForward } from './dropout.js';
import { concatBackward, concatForward, mulBackward, mulForward } from './elementwise.js';
import { embeddingBagBackward, embeddingBagForward } from './embedding-bag.js';
import { embeddingBackward, embeddingBackwardDense, embeddingForward } from './embedding.js';
import { layerNormBackward, layerNormForward } from './layer-norm.js';
import { l2NormalizeBackward, l2NormalizeForward } from './l2-normalize.js';
import type { DenseParam, Param, TableParam } from './param.js';
import { RowGrad } from './row-grad.js';
import { sampledSoftmaxCrossEntropy, softmaxCrossEntropy } from './softmax-ce.js';
import { Tensor } from './tensor.js';
import { tiedSoftmaxCrossEntropy, tiedSoftmaxWorkspace } from './tied-softmax.js';
import { gaussianKl, gaussianSampleBackward, gaussianSampleForward, multinomialNll } from './vae.js';
import type { Vec, VecConstructor } from './vec.js';

interface Node {
  forward(): void;
  backward(): void;
}

/**
 * A static computation graph: parameters, inputs, ops and one loss, built once, then `forward()` / `backward()` per
 * step. `training` switches dropout off (evaluation) without rebuilding.
 *
 * @example
 * const g = new Graph();
 * const x = g.input([32, 8]);
 * const w = g.weight('w', [8, 1], (v) => rng.fillNormal(v, 0, 0.1));
 * const logits = g.dense(x, w, null);
 * const labels = new Float32Array(32);
 * g.bceWithLogits(logits, labels, null);
 * const opt = new Adam(g.params, { lr: 0.01 });
 * // per step: fill x.value and labels; zeroGrads(g.params); g.forward(); g.backward(); opt.step();
 */
export class Graph {
  readonly params: Param[] = [];
  training = true;
  private readonly nodes: Node[] = [];
  /** Outputs of ops: their gradients are zeroed at the start of every forward pass. */
  private readonly activations: Tensor[] = [];
  /** The loss terms, summed: each computes its value and adds its gradient as it runs. */
  private readonly losses: (() => number)[] = [];

  constructor(readonly ctor: VecConstructor = Float32Array) {}

  /** A dense trainable parameter of the given shape, filled by `init`. */
  weight(name: string, shape: readonly number[], init: (v: Vec) => void): Tensor {
    const t = new Tensor(shape, this.ctor);
    init(t.value);
    const p: DenseParam = { kind: 'dense', name, value: t.value, grad: t.grad };
    this.params.push(p);
    return t;
  }

  /** An embedding table rows×dim with a row-sparse gradient sized for at most `maxIdsPerStep` lookups a step. */
  table(name: string, rows: number, dim: number, maxIdsPerStep: number, init: (v: Vec) => void): TableParam {
    const value = new this.ctor(rows * dim);
    init(value);
    const grad = new RowGrad(rows, dim, Math.min(rows, maxIdsPerStep), this.ctor);
    const p: TableParam = { kind: 'table', name, value, rows, dim, grad };
    this.params.push(p);
    return p;
  }

  /** A tensor the caller fills before each forward pass (features, a batch of vectors); no gradient flows to it. */
  input(shape: readonly number[]): Tensor {
    const t = new Tensor(shape, this.ctor);
    t.requiresGrad = false;
    this.activations.push(t); // ops other than dense still add into its gradient: keep it zeroed
    return t;
  }

  private output(shape: readonly number[]): Tensor {
    const t = new Tensor(shape, this.ctor);
    this.activations.push(t);
    return t;
  }

  /** x·w + b over x's rows; w is [in, out]. */
  dense(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
    const [inDim, outDim] = w.shape;
    if (w.shape.length !== 2 || x.cols !== inDim)
      throw new RangeError(`dense: x has ${x.cols} columns, w is [${w.shape.join(', ')}]`);
    if (b && b.size !== outDim) throw new RangeError(`dense: bias has ${b.size} entries, needs ${outDim}`);
    const y = this.output([...x.shape.slice(0, -1), outDim]);
    const s = { batch: x.rows, inDim, outDim };
    this.nodes.push({
      forward: () => denseForward(x.value, w.value, b ? b.value : null, y.value, s),
      backward: () =>
        denseBackward(x.value, w.value, y.grad, x.requiresGrad ? x.grad : null, w.grad, b ? b.grad : null, s),
    });
    return y;
  }

  /** a·bᵀ for a [m, d] and b [n, d]: every row of a scored against every row of b (two-tower in-batch logits). */
  scores(a: Tensor, b: Tensor): Tensor {
    if (a.cols !== b.cols) throw new RangeError(`scores: widths ${a.cols} and ${b.cols} differ`);
    const [m, n, d] = [a.rows, b.rows, a.cols];
    const y = this.output([m, n]);
    this.nodes.push({
      forward: () => matmulNT(a.value, b.value, y.value, m, d, n),
      backward: () => {
        matmul(y.grad, b.value, a.grad, m, n, d, true); // da += dS·b
        matmulTN(y.grad, a.value, b.grad, n, m, d, true); // db += dSᵀ·a
      },
    });
    return y;
  }

  /** a[r]·b[r] per row (same shape): the score of each row against its own candidate, shaped [...rows, 1]. */
  rowDots(a: Tensor, b: Tensor): Tensor {
    if (a.size !== b.size || a.cols !== b.cols) throw new RangeError('rowDots: a and b differ in shape');
    const y = this.output([...a.shape.slice(0, -1), 1]);
    const [rows, d] = [a.rows, a.cols];
    this.nodes.push({
      forward: () => rowDotsForward(a.value, b.value, y.value, rows, d),
      backward: () => rowDotsBackward(a.value, b.value, y.grad, a.grad, b.grad, rows, d),
    });
    return y;
  }

  /** a[b]·c[b]ᵀ per group for a [batch, len, d] and c [batch, k, d]: each sequence against its own candidates. */
  batchScores(a: Tensor, c: Tensor): Tensor {
    if (a.shape.length !== 3 || c.shape.length !== 3 || a.shape[0] !== c.shape[0] || a.cols !== c.cols)
      throw new RangeError(`batchScores: a [${a.shape.join(', ')}] and c [${c.shape.join(', ')}] do not match`);
    const s: BatchScoresShape = { batch: a.shape[0], len: a.shape[1], k: c.shape[1], dim: a.cols };
    const y = this.output([s.batch, s.len, s.k]);
    this.nodes.push({
      forward: () => batchScoresForward(a.value, c.value, y.value, s),
      backward: () => batchScoresBackward(a.value, c.value, y.grad, a.grad, c.grad, s),
    });
    return y;
  }

  /** x·c for a constant c (SASRec's √d scaling of the item embeddings). */
  scale(x: Tensor, c: number): Tensor {
    const y = this.output(x.shape);
    this.nodes.push({
      forward: () => {
        for (let i = 0; i < x.size; i++) y.value[i] = x.value[i] * c;
      },
      backward: () => {
        for (let i = 0; i < x.size; i++) x.grad[i] += y.grad[i] * c;
      },
    });
    return y;
  }

  /** max(x, 0). */
  relu(x: Tensor): Tensor {
    const y = this.output(x.shape);
    this.nodes.push({
      forward: () => reluForward(x.value, y.value, x.size),
      backward: () => reluBackward(x.value, y.grad, x.grad, x.size),
    });
    return y;
  }

  /** GELU, tanh approximation. */
  gelu(x: Tensor): Tensor {
    const y = this.output(x.shape);
    this.nodes.push({
      forward: () => geluForward(x.value, y.value, x.size),
      backward: () => geluBackward(x.value, y.grad, x.grad, x.size),
    });
    return y;
  }

  /** tanh(x). */
  tanh(x: Tensor): Tensor {
    const y = this.output(x.shape);
    this.nodes.push({
      forward: () => tanhForward(x.value, y.value, x.size),
      backward: () => tanhBackward(y.value, y.grad, x.grad, x.size),
    });
    return y;
  }

  /** σ(x). */
  sigmoid(x: Tensor): Tensor {
    const y = this.output(x.shape);
    this.nodes.push({
      forward: () => sigmoidForward(x.value, y.value, x.size),
      backward: () => sigmoidBackward(y.value, y.grad, x.grad, x.size),
    });
    return y;
  }

  /** a + b (same shape): residual connections; both inputs receive the gradient. */
  add(a: Tensor, b: Tensor): Tensor {
    if (a.size !== b.size) throw new RangeError(`add: sizes ${a.size} and ${b.size} differ`);
    const y = this.output(a.shape);
    this.nodes.push({
      forward: () => {
        for (let i = 0; i < a.size; i++) y.value[i] = a.value[i] + b.value[i];
      },
      backward: () => {
        for (let i = 0; i < a.size; i++) {
          a.grad[i] += y.grad[i];
          b.grad[i] += y.grad[i];
        }
      },
    });
    return y;
  }

  /** a ⊙ b (same shape). */
  mul(a: Tensor, b: Tensor): Tensor {
    if (a.size !== b.size) throw new RangeError(`mul: sizes ${a.size} and ${b.size} differ`);
    const y = this.output(a.shape);
    this.nodes.push({
      forward: () => mulForward(a.value, b.value, y.value, a.size),
      backward: () => mulBackward(a.value, b.value, y.grad, a.grad, b.grad, a.size),
    });
    return y;
  }

  /** [a | b] along the last dimension (same number of rows). */
  concat(a: Tensor, b: Tensor): Tensor {
    if (a.rows !== b.rows) throw new RangeError(`concat: ${a.rows} rows and ${b.rows} rows differ`);
    const y = this.output([...a.shape.slice(0, -1), a.cols + b.cols]);
    const [rows, ca, cb] = [a.rows, a.cols, b.cols];
    this.nodes.push({
      forward: () => concatForward(a.value, b.value, y.value, rows, ca, cb),
      backward: () => concatBackward(y.grad, a.grad, b.grad, rows, ca, cb),
    });
    return y;
  }

  /** Rows of `table` for `ids` (filled by the caller each step; −1 = padding), shaped [...shape, dim]. */
  embedding(table: TableParam, ids: Int32Array, shape: readonly number[] = [ids.length]): Tensor {
    const count = shape.reduce((a, b) => a * b, 1);
    if (count > ids.length) throw new RangeError(`embedding: shape needs ${count} ids, the buffer has ${ids.length}`);
    const y = this.output([...shape, table.dim]);
    this.nodes.push({
      forward: () => embeddingForward(table.value, ids, y.value, count, table.dim),
      backward: () => embeddingBackward(ids, y.grad, table.grad, count, table.dim),
    });
    return y;
  }

  /** Rows of a dense [rows, dim] weight for `ids` (−1 = padding): a table that is also a dense output layer. */
  lookup(w: Tensor, ids: Int32Array, shape: readonly number[] = [ids.length]): Tensor {
    const count = shape.reduce((a, b) => a * b, 1);
    if (w.shape.length !== 2 || count > ids.length)
      throw new RangeError('lookup: w must be [rows, dim], ids large enough');
    const dim = w.cols;
    const y = this.output([...shape, dim]);
    this.nodes.push({
      forward: () => embeddingForward(w.value, ids, y.value, count, dim),
      backward: () => embeddingBackwardDense(ids, y.grad, w.grad, count, dim),
    });
    return y;
  }

  /** Weighted sums of table rows per bag (`offsets` [bags + 1], CSR; weights may be null), shaped [bags, dim]. */
  embeddingBag(table: TableParam, ids: Int32Array, weights: Vec | null, offsets: Int32Array, bags: number): Tensor {
    const y = this.output([bags, table.dim]);
    this.nodes.push({
      forward: () => embeddingBagForward(table.value, ids, weights, offsets, y.value, bags, table.dim),
      backward: () => embeddingBagBackward(ids, weights, offsets, y.grad, table.grad, bags, table.dim),
    });
    return y;
  }

  /** z = μ + ε·exp(logVar/2) with ε from `rng` while training, z = μ otherwise (the VAE's reparameterisation). */
  gaussianSample(mu: Tensor, logVar: Tensor, rng: Rng): Tensor {
    if (mu.size !== logVar.size) throw new RangeError('gaussianSample: μ and logVar differ in size');
    const z = this.output(mu.shape);
    const eps = new this.ctor(mu.size);
    this.nodes.push({
      forward: () => gaussianSampleForward(mu.value, logVar.value, eps, z.value, mu.size, this.training ? rng : null),
      backward: () => gaussianSampleBackward(logVar.value, eps, z.grad, mu.grad, logVar.grad, mu.size),
    });
    return z;
  }

  /** Layer norm over the last dimension with gain γ and shift β (each [cols]). */
  layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5): Tensor {
    const y = this.output(x.shape);
    const s = { rows: x.rows, dim: x.cols, eps };
    const mean = new this.ctor(x.rows);
    const rstd = new this.ctor(x.rows);
    this.nodes.push({
      forward: () => layerNormForward(x.value, gamma.value, beta.value, y.value, mean, rstd, s),
      backward: () => layerNormBackward(x.value, gamma.value, y.grad, mean, rstd, x.grad, gamma.grad, beta.grad, s),
    });
    return y;
  }

  /** scale·x/‖x‖ per row (two-tower outputs: with scale 1/√τ on both towers their dot product is cos/τ). */
  l2Normalize(x: Tensor, scale = 1): Tensor {
    const y = this.output(x.shape);
    const norms = new this.ctor(x.rows);
    const [rows, dim] = [x.rows, x.cols];
    this.nodes.push({
      forward: () => l2NormalizeForward(x.value, y.value, norms, rows, dim, scale),
      backward: () => l2NormalizeBackward(x.value, norms, y.grad, x.grad, rows, dim, scale),
    });
    return y;
  }

  /** Dropout with rate p from `rng` while `training`; the identity otherwise. */
  dropout(x: Tensor, p: number, rng: Rng): Tensor {
    const y = this.output(x.shape);
    const mask = new Uint8Array(x.size);
    let scale = 1;
    this.nodes.push({
      forward: () => {
        scale = dropoutForward(x.value, y.value, mask, x.size, p, this.training ? rng : null);
      },
      backward: () => dropoutBackward(y.grad, mask, x.grad, x.size, scale),
    });
    return y;
  }

  /** Multi-head self-attention over q, k, v [batch, len, heads·headDim]; `valid` [batch·len] marks real positions. */
  attention(q: Tensor, k: Tensor, v: Tensor, valid: Uint8Array, heads: number, causal: boolean): Tensor {
    if (q.shape.length !== 3 || q.cols % heads !== 0)
      throw new RangeError(`attention: q must be [batch, len, heads·headDim], got [${q.shape.join(', ')}]`);
    const [batch, len, width] = q.shape;
    const s: AttentionShape = { batch, len, heads, headDim: width / heads, causal };
    const y = this.output(q.shape);
    const probs = new this.ctor(attentionProbsLength(s));
    const scratch = new this.ctor(len);
    this.nodes.push({
      forward: () => attentionForward(q.value, k.value, v.value, valid, y.value, probs, s),
      backward: () =>
        attentionBackward(q.value, k.value, v.value, valid, probs, y.grad, q.grad, k.grad, v.grad, scratch, s),
    });
    return y;
  }

  /** A loss term: Mult-VAE's multinomial negative log-likelihood of the rows of `x` under softmax(logits). */
  multinomialNll(logits: Tensor, x: Vec, rowMask: Uint8Array | null): void {
    this.addLoss(() => multinomialNll(logits.value, x, rowMask, logits.grad, logits.rows, logits.cols));
  }

  /** A loss term: `weight.value` · KL(N(μ, e^logVar) ‖ N(0, I)) per row; change weight.value to anneal β. */
  gaussianKl(mu: Tensor, logVar: Tensor, weight: { value: number }): void {
    this.addLoss(() => gaussianKl(mu.value, logVar.value, mu.grad, logVar.grad, mu.rows, mu.cols, weight.value));
  }

  /** The loss: full softmax cross-entropy of logits [rows, n] against `targets` (−1 = ignore). */
  softmaxCrossEntropy(logits: Tensor, targets: Int32Array): void {
    this.addLoss(() => softmaxCrossEntropy(logits.value, targets, logits.grad, logits.rows, logits.cols));
  }

  /** The loss: full softmax over the rows of `w` [n, dim] (logits h·wᵀ, fused and chunked; −1 targets ignored). */
  tiedSoftmaxCrossEntropy(h: Tensor, w: Tensor, targets: Int32Array, chunkRows = 256): void {
    if (w.shape.length !== 2 || w.cols !== h.cols)
      throw new RangeError(`tiedSoftmaxCrossEntropy: h has ${h.cols} columns, w is [${w.shape.join(', ')}]`);
    const ws = tiedSoftmaxWorkspace(Math.min(chunkRows, h.rows), h.cols, w.rows, this.ctor);
    this.addLoss(() => tiedSoftmaxCrossEntropy(h.value, w.value, targets, h.grad, w.grad, ws, h.rows));
  }

  /** The loss: sampled softmax with logQ correction (logQ of length n or rows·n, filled by the caller). */
  sampledSoftmaxCrossEntropy(logits: Tensor, targets: Int32Array, logQ: Vec): void {
    this.addLoss(() => sampledSoftmaxCrossEntropy(logits.value, targets, logQ, logits.grad, logits.rows, logits.cols));
  }

  /** The loss: BCE with logits against `labels` (same size), entries with mask 0 ignored. */
  bceWithLogits(logits: Tensor, labels: Vec, mask: Uint8Array | null): void {
    this.addLoss(() => bceWithLogits(logits.value, labels, mask, logits.grad, logits.size));
  }

  /** The loss: gBCE over rows of [positive, k negatives] logits with calibration β. */
  gbce(logits: Tensor, rowMask: Uint8Array | null, beta: number): void {
    this.addLoss(() => gbce(logits.value, rowMask, logits.grad, logits.rows, logits.cols - 1, beta));
  }

  private addLoss(f: () => number): void {
    this.losses.push(f);
  }

  /** Runs every op in order and then the loss terms; returns their sum (NaN when the graph has none). */
  forward(): number {
    for (const t of this.activations) t.grad.fill(0);
    for (let i = 0; i < this.nodes.length; i++) this.nodes[i].forward();
    if (this.losses.length === 0) return NaN;
    let loss = 0;
    for (let i = 0; i < this.losses.length; i++) loss += this.losses[i]();
    return loss;
  }

  /** Runs every op's backward in reverse, adding into the parameters' gradients (zero them first: zeroGrads). */
  backward(): void {
    if (this.losses.length === 0) throw new Error('Graph: backward needs a loss');
    for (let i = this.nodes.length - 1; i >= 0; i--) this.nodes[i].backward();
  }
}
