// Adagrad (Duchi, Hazan & Singer 2011) as PyTorch's `Adagrad` without learning-rate decay: G ← G + g²,
// θ ← θ − lr·g/(√G + ε). Per-coordinate accumulators make it naturally lazy for embedding tables: an untouched row
// has g = 0, so skipping it is exact (unlike Adam, whose moments would decay).
import type { Param } from './param.js';
import type { Vec, VecConstructor } from './vec.js';

/** Adagrad's hyper-parameters (PyTorch's defaults for eps and the initial accumulator). */
export interface AdagradOptions {
  lr: number;
  eps?: number;
  initialAccumulator?: number;
  /** L2 penalty added to the gradient (touched rows only for tables). */
  weightDecay?: number;
}

/**
 * Adagrad over a fixed list of parameters; accumulators are allocated here, so `step()` allocates nothing.
 *
 * @example
 * const opt = new Adagrad(graph.params, { lr: 0.05 });
 * opt.step();
 */
export class Adagrad {
  lr: number;
  readonly eps: number;
  readonly weightDecay: number;
  private readonly sums: Vec[];

  constructor(
    readonly params: readonly Param[],
    opts: AdagradOptions,
  ) {
    this.lr = opts.lr;
    this.eps = opts.eps ?? 1e-10;
    this.weightDecay = opts.weightDecay ?? 0;
    if (!(this.lr > 0)) throw new RangeError(`Adagrad: lr must be > 0, got ${this.lr}`);
    const init = opts.initialAccumulator ?? 0;
    this.sums = params.map((p) => new (p.value.constructor as VecConstructor)(p.value.length).fill(init));
  }

  /** One update of every parameter from its current gradient. */
  step(): void {
    for (let i = 0; i < this.params.length; i++) {
      const p = this.params[i];
      if (p.kind === 'dense') this.update(p.value, p.grad, this.sums[i], 0, 0, p.value.length);
      else
        for (let k = 0; k < p.grad.count; k++)
          this.update(p.value, p.grad.values, this.sums[i], p.grad.rows[k] * p.dim, k * p.dim, p.dim);
    }
  }

  private update(value: Vec, grad: Vec, sum: Vec, off: number, gOff: number, n: number): void {
    const { lr, eps, weightDecay: wd } = this;
    for (let j = 0; j < n; j++) {
      const g = grad[gOff + j] + wd * value[off + j];
      const s = sum[off + j] + g * g;
      sum[off + j] = s;
      value[off + j] -= (lr * g) / (Math.sqrt(s) + eps);
    }
  }
}
