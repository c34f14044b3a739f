// Trainable parameters as the optimisers and the clipper see them: a dense tensor with a dense gradient, or an
// embedding table with a row-sparse gradient (only the rows a step touched). The split is the point: an optimiser
// step on a table costs O(touched rows), not O(table).
import type { RowGrad } from './row-grad.js';
import type { Vec } from './vec.js';

/** A dense parameter: `value` and its gradient `grad` (same length), updated in place. */
export interface DenseParam {
  kind: 'dense';
  name: string;
  value: Vec;
  grad: Vec;
}

/** An embedding table (rows×dim, row-major) whose gradient is row-sparse. */
export interface TableParam {
  kind: 'table';
  name: string;
  value: Vec;
  rows: number;
  dim: number;
  grad: RowGrad;
}

/** Either kind of parameter. */
export type Param = DenseParam | TableParam;

/**
 * Zeroes every gradient before a step's backward pass (backward ops add into gradients).
 *
 * @example
 * zeroGrads(graph.params);
 */
export function zeroGrads(params: readonly Param[]): void {
  for (const p of params) {
    if (p.kind === 'dense') p.grad.fill(0);
    else p.grad.clear();
  }
}
