// Adam (Kingma & Ba 2015, Algorithm 1) and AdamW (Loshchilov & Hutter 2019, decoupled weight decay), in PyTorch's
// formulation: m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g², θ ← θ − lr·(m/(1 − β1ᵗ))/(√(v/(1 − β2ᵗ)) + ε).
// Adam's weight decay is L2 (λθ added to the gradient, so it passes through the adaptive scaling); AdamW's is
// decoupled (θ ← θ·(1 − lr·λ) before the step, independent of the gradient's scale).
//
// Embedding tables are updated lazily: only the rows the step touched, each with its own step count t_r (how often
// that row has had a gradient), so a row's bias correction is that of a fresh Adam on the steps that concern it. The
// standard lazy-Adam approximation (TensorFlow's LazyAdam, PyTorch's SparseAdam) uses the global step instead, which
// makes a long-tail item's first update ≈ (1 − β1)/√(1 − β2) ≈ 3.2× larger than a dense Adam's first step; per-row
// counts cost one Int32 per row and avoid it. Either way, untouched rows keep stale moments (their m is not decayed
// while they are absent), which is what makes the update O(touched rows). Weight decay on a table applies to the
// touched rows only (PyTorch's SparseAdam has none).
import type { Param } from './param.js';
import type { Vec, VecConstructor } from './vec.js';

/** Adam's hyper-parameters (PyTorch's defaults). */
export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** L2 penalty for Adam, decoupled decay rate for AdamW. */
  weightDecay?: number;
}

interface Moments {
  m: Vec;
  v: Vec;
  /** Per-row step counts of a table, null for a dense parameter. */
  rowSteps: Int32Array | null;
}

/**
 * Adam over a fixed list of parameters; moment buffers are allocated here, so `step()` allocates nothing.
 *
 * @example
 * const opt = new Adam(graph.params, { lr: 1e-3 });
 * // each step: zeroGrads(graph.params); forward; backward; opt.step();
 */
export class Adam {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** Steps taken (dense parameters' t). */
  steps = 0;
  private readonly moments: Moments[];

  constructor(
    readonly params: readonly Param[],
    opts: AdamOptions,
    private readonly decoupled = false,
  ) {
    this.lr = opts.lr;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    if (!(this.lr > 0)) throw new RangeError(`Adam: lr must be > 0, got ${this.lr}`);
    if (!(this.beta1 >= 0 && this.beta1 < 1 && this.beta2 >= 0 && this.beta2 < 1))
      throw new RangeError('Adam: betas must be in [0, 1)');
    this.moments = params.map((p) => {
      const ctor = p.value.constructor as VecConstructor;
      return {
        m: new ctor(p.value.length),
        v: new ctor(p.value.length),
        rowSteps: p.kind === 'table' ? new Int32Array(p.rows) : null,
      };
    });
  }

  /** One update of every parameter from its current gradient. */
  step(): void {
    this.steps++;
    for (let i = 0; i < this.params.length; i++) {
      const p = this.params[i];
      const s = this.moments[i];
      if (p.kind === 'dense') this.update(p.value, p.grad, s.m, s.v, 0, 0, p.value.length, this.steps);
      else {
        const g = p.grad;
        const steps = s.rowSteps!;
        for (let k = 0; k < g.count; k++) {
          const row = g.rows[k];
          const t = ++steps[row];
          this.update(p.value, g.values, s.m, s.v, row * p.dim, k * p.dim, p.dim, t);
        }
      }
    }
  }

  /** Updates value[off..off+n) from grad[gOff..gOff+n) with moments at the same offsets as the value, at step t. */
  private update(value: Vec, grad: Vec, m: Vec, v: Vec, off: number, gOff: number, n: number, t: number): void {
    const { lr, beta1: b1, beta2: b2, eps, weightDecay: wd } = this;
    const bc1 = 1 - Math.pow(b1, t);
    const bc2 = 1 - Math.pow(b2, t);
    const stepSize = lr / bc1;
    const rootBc2 = Math.sqrt(bc2);
    const l2 = this.decoupled ? 0 : wd;
    const keep = this.decoupled ? 1 - lr * wd : 1;
    for (let j = 0; j < n; j++) {
      const x = value[off + j];
      const g = grad[gOff + j] + l2 * x;
      const mj = b1 * m[off + j] + (1 - b1) * g;
      const vj = b2 * v[off + j] + (1 - b2) * g * g;
      m[off + j] = mj;
      v[off + j] = vj;
      value[off + j] = x * keep - (stepSize * mj) / (Math.sqrt(vj) / rootBc2 + eps);
    }
  }
}

/**
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019), default decay 0.01 as PyTorch's `AdamW`.
 *
 * @example
 * const opt = new AdamW(graph.params, { lr: 1e-3, weightDecay: 0.01 });
 */
export class AdamW extends Adam {
  constructor(params: readonly Param[], opts: AdamOptions) {
    super(params, { weightDecay: 0.01, ...opts }, true);
  }
}
