// Finite-difference gradient checks for the neural ops' tests. The ops are generic over Float32Array/Float64Array,
// and the checks run them in float64: a central difference (f(x + h) − f(x − h))/2h has truncation error O(h²·f''')
// ≈ 1e-10 and rounding error O(ε·|f|/h) ≈ 1e-11 at h = 1e-5, so a tolerance of 1e-6·(1 + |numeric|) is 10⁴ above
// the noise and a real gradient bug (errors of order 1e-2 and up) cannot hide under it. In float32 the same check
// would need h ≈ 1e-2 and a tolerance near 1e-2, loose enough to miss a wrong constant factor close to 1.
import { Rng } from '../../math/rng.js';
import type { Param } from './param.js';

/** Uniform values in [−scale, scale). */
export function randomVec(rng: Rng, n: number, scale = 1): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = (2 * rng.next() - 1) * scale;
  return v;
}

/** Σ a·b: the scalar probe L = Σ y·r that turns an op's output y into a loss with dL/dy = r. */
export function dotAll(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Largest |numeric − analytic|/(1 + |numeric|) over every entry of x (f must read x afresh on each call). */
export function gradError(f: () => number, x: Float64Array, analytic: ArrayLike<number>, h = 1e-5): number {
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const keep = x[i];
    x[i] = keep + h;
    const up = f();
    x[i] = keep - h;
    const down = f();
    x[i] = keep;
    const numeric = (up - down) / (2 * h);
    const err = Math.abs(numeric - analytic[i]) / (1 + Math.abs(numeric));
    if (!(err <= worst)) worst = err; // NaN propagates as the worst
  }
  return worst;
}

/** The tolerance every op's check uses (see the file comment). */
export const GRAD_TOL = 1e-6;

/** A parameter's gradient as a dense array (a table's row-sparse gradient scattered into zeros). */
export function denseGradOf(p: Param): Float64Array {
  if (p.kind === 'dense') return Float64Array.from(p.grad);
  const out = new Float64Array(p.rows * p.dim);
  for (let s = 0; s < p.grad.count; s++)
    for (let j = 0; j < p.dim; j++) out[p.grad.rows[s] * p.dim + j] = p.grad.values[s * p.dim + j];
  return out;
}

export { Rng };
