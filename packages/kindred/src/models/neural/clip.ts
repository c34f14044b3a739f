// Global gradient-norm clipping (Pascanu, Mikolov & Bengio 2013), as PyTorch's `clip_grad_norm_`: the L2 norm over
// every parameter's gradient together, and when it exceeds maxNorm every gradient is scaled by maxNorm/(norm + 1e-6),
// so the update's direction is kept. Row-sparse table gradients count only their touched rows, which is exact: the
// untouched rows' gradient is zero.
import type { Param } from './param.js';

/**
 * Clips the gradients of `params` to a global L2 norm of at most `maxNorm`; returns the norm before clipping.
 *
 * @example
 * const norm = clipGradNorm(graph.params, 5); // gradients now have norm ≤ 5
 */
export function clipGradNorm(params: readonly Param[], maxNorm: number): number {
  if (!(maxNorm > 0)) throw new RangeError(`clipGradNorm: maxNorm must be > 0, got ${maxNorm}`);
  let sq = 0;
  for (const p of params) {
    if (p.kind === 'table') sq += p.grad.sumSquares();
    else for (let i = 0; i < p.grad.length; i++) sq += p.grad[i] * p.grad[i];
  }
  const norm = Math.sqrt(sq);
  if (norm > maxNorm) {
    const f = maxNorm / (norm + 1e-6);
    for (const p of params) {
      if (p.kind === 'table') p.grad.scale(f);
      else for (let i = 0; i < p.grad.length; i++) p.grad[i] *= f;
    }
  }
  return norm;
}
