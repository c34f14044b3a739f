// I-AutoRec's network (Sedhain, Menon, Sanner & Xie 2015): an item's vector of observed ratings over the users,
// r_i ∈ R^users, is encoded to h_i = σ(b + Σ_u r_ui·W[u]) and decoded to r̂_ui = c_u + V[u]·h_i. The loss counts only
// the observed entries, Σ_(u,i) observed (r̂_ui − r_ui)² + λ/2·(‖W‖² + ‖V‖²) (the paper's eq. 2), so both the encoder
// (a sparse input) and the decoder (outputs at observed users only) cost O(observed · hidden) per epoch instead of
// O(items · users · hidden): a dense autoencoder over the whole 1682 × 943 matrix would spend 20× the work on entries
// the loss ignores. The tape has no op for "decode at a sparse set of (row, column) pairs", so the forward and
// backward passes are written here by hand and checked against finite differences in autorec.test.ts.
import type { Rng } from '../../math/rng.js';
import type { DenseParam } from './param.js';
import type { Vec, VecConstructor } from './vec.js';

/** Observed ratings by item (CSC: item i's users are users[indptr[i] … indptr[i+1]), with their ratings). */
export interface ItemColumns {
  indptr: Int32Array;
  users: Int32Array;
  ratings: ArrayLike<number>;
}

/** Sizes of the network: the input/output width (users) and the hidden layer. */
export interface AutoRecShape {
  users: number;
  hidden: number;
}

/**
 * The parameters (W [users, hidden], b [hidden], V [users, hidden], c [users]) with their gradients, and the scratch
 * of one item's pass. Rows of W and V are per user, so an item's pass reads only the rows of the users who rated it.
 *
 * @example
 * const net = new AutoRecNet({ users: 943, hidden: 500 }, rng);
 * zeroGrads(net.params); const sse = net.accumulate(columns, Int32Array.of(3, 7), 0.1, 0.01);
 */
export class AutoRecNet {
  readonly params: DenseParam[];
  readonly encW: DenseParam;
  readonly encB: DenseParam;
  readonly decW: DenseParam;
  readonly decB: DenseParam;
  private readonly h: Vec;
  private readonly dh: Vec;

  constructor(
    readonly shape: AutoRecShape,
    rng: Rng,
    ctor: VecConstructor = Float32Array,
  ) {
    const { users: N, hidden: H } = shape;
    const param = (name: string, n: number): DenseParam => ({
      kind: 'dense',
      name,
      value: new ctor(n),
      grad: new ctor(n),
    });
    this.encW = param('enc.w', N * H);
    this.encB = param('enc.b', H);
    this.decW = param('dec.w', N * H);
    this.decB = param('dec.b', N);
    // Xavier normal over the layers' nominal widths (users ↔ hidden); biases start at 0.
    const std = Math.sqrt(2 / (N + H));
    rng.fillNormal(this.encW.value, 0, std);
    rng.fillNormal(this.decW.value, 0, std);
    this.params = [this.encW, this.encB, this.decW, this.decB];
    this.h = new ctor(H);
    this.dh = new ctor(H);
  }

  /**
   * Adds the gradient of the batch's objective — Σ over the batch items' observed entries of (r̂ − r)², plus
   * `regShare`·λ/2·(‖W‖² + ‖V‖²) — into the parameters' gradients and returns the batch's sum of squared errors
   * (without the penalty). `regShare` is the batch's share of the items, so an epoch's batches add up to one
   * penalty. Unobserved entries take no part: neither as input (they are absent) nor as targets.
   */
  accumulate(cols: ItemColumns, items: Int32Array, lambda: number, regShare: number): number {
    const H = this.shape.hidden;
    const [W, V, c] = [this.encW.value, this.decW.value, this.decB.value];
    const [dW, db, dV, dc] = [this.encW.grad, this.encB.grad, this.decW.grad, this.decB.grad];
    const { h, dh } = this;
    let sse = 0;
    for (let k = 0; k < items.length; k++) {
      const i = items[k];
      const lo = cols.indptr[i],
        hi = cols.indptr[i + 1];
      if (hi === lo) continue;
      this.encodeInto(cols, i, h);
      dh.fill(0);
      for (let q = lo; q < hi; q++) {
        const u = cols.users[q];
        const o = u * H;
        let pred = c[u];
        for (let j = 0; j < H; j++) pred += V[o + j] * h[j];
        const e = pred - cols.ratings[q];
        sse += e * e;
        const g = 2 * e;
        dc[u] += g;
        for (let j = 0; j < H; j++) {
          dV[o + j] += g * h[j];
          dh[j] += g * V[o + j];
        }
      }
      for (let j = 0; j < H; j++) {
        const da = dh[j] * h[j] * (1 - h[j]); // σ' = σ(1 − σ)
        dh[j] = da;
        db[j] += da;
      }
      for (let q = lo; q < hi; q++) {
        const o = cols.users[q] * H;
        const r = cols.ratings[q];
        for (let j = 0; j < H; j++) dW[o + j] += r * dh[j];
      }
    }
    if (lambda > 0 && regShare > 0) {
      const f = lambda * regShare;
      for (let k = 0; k < W.length; k++) {
        dW[k] += f * W[k];
        dV[k] += f * V[k];
      }
    }
    return sse;
  }

  /** The penalty λ/2·(‖W‖² + ‖V‖²) of the current weights (for the objective's value in tests). */
  penalty(lambda: number): number {
    const [W, V] = [this.encW.value, this.decW.value];
    let s = 0;
    for (let k = 0; k < W.length; k++) s += W[k] * W[k] + V[k] * V[k];
    return 0.5 * lambda * s;
  }

  /** h = σ(b + Σ_u r_ui·W[u]) for item `i` of `cols`, into `out` (length hidden). */
  encodeInto(cols: ItemColumns, i: number, out: Vec): void {
    encodeItem(this.encW.value, this.encB.value, this.shape.hidden, cols, i, out);
  }
}

/**
 * The hidden code of item `i`: σ(b + Σ_u r_ui·W[u]) over the users who rated it (an item without ratings gets σ(b)).
 *
 * @example
 * encodeItem(W, b, 500, columns, 42, code);
 */
export function encodeItem(W: Vec, b: Vec, H: number, cols: ItemColumns, i: number, out: Vec): void {
  for (let j = 0; j < H; j++) out[j] = b[j];
  for (let q = cols.indptr[i]; q < cols.indptr[i + 1]; q++) {
    const o = cols.users[q] * H;
    const r = cols.ratings[q];
    for (let j = 0; j < H; j++) out[j] += r * W[o + j];
  }
  for (let j = 0; j < H; j++) out[j] = 1 / (1 + Math.exp(-out[j]));
}
