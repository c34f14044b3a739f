// A node's output in the graph: a value and its gradient, both allocated once when the graph is built and reused by
// every step. Shapes are explicit and row-major; the last dimension is the row width every op works along.
import type { Vec, VecConstructor } from './vec.js';

/**
 * A value with its gradient buffer and shape (e.g. [batch, len, width]).
 *
 * @example
 * const t = new Tensor([2, 3]);
 * t.rows; // 2
 * t.cols; // 3
 */
export class Tensor {
  readonly value: Vec;
  readonly grad: Vec;
  readonly size: number;
  /** False for graph inputs: ops may skip computing a gradient nobody reads. */
  requiresGrad = true;

  constructor(
    readonly shape: readonly number[],
    ctor: VecConstructor = Float32Array,
  ) {
    if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d <= 0))
      throw new RangeError(`Tensor: bad shape [${shape.join(', ')}]`);
    this.size = shape.reduce((a, b) => a * b, 1);
    this.value = new ctor(this.size);
    this.grad = new ctor(this.size);
  }

  /** Width of a row: the last dimension. */
  get cols(): number {
    return this.shape[this.shape.length - 1];
  }

  /** Number of rows: the product of every dimension but the last. */
  get rows(): number {
    return this.size / this.cols;
  }
}
