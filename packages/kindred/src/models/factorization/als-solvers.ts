// The per-row least-squares solves of implicit ALS (Hu, Koren & Volinsky 2008, eq. 4):
//   x_u = (YᵀY + Yᵀ(C_u − I)Y + λI)⁻¹ Yᵀ C_u p_u
// with the Gram matrix G = YᵀY + λI computed once per half-iteration (the "implicit trick": only the n_u observed
// rows add to it). Two solvers, as in benfred/implicit `_als.pyx`: an exact Cholesky solve, O(n_u f² + f³) per row,
// and conjugate gradient warm-started from the previous x (Takács, Pilászy & Tikk 2011), O(steps·(n_u f + f²)).
// Every solver works on a [start, end) range of rows so the loop can be split across workers.
import { choleskyInPlace, choleskySolveInPlace } from '../../math/linalg-spd.js';
import type { ConfidenceCsr } from './confidence.js';

/** Per-worker scratch of the solvers (allocated once, reused for every row). */
export interface AlsScratch {
  x: Float64Array;
  r: Float64Array;
  p: Float64Array;
  ap: Float64Array;
  /** f × f system matrix (Cholesky) / its factor. */
  a: Float64Array;
}

/**
 * Scratch buffers for `f` factors.
 *
 * @example
 * const s = alsScratch(64);
 */
export function alsScratch(f: number): AlsScratch {
  return {
    x: new Float64Array(f),
    r: new Float64Array(f),
    p: new Float64Array(f),
    ap: new Float64Array(f),
    a: new Float64Array(f * f),
  };
}

/** out = G v (G symmetric f × f). */
function symv(G: Float64Array, v: Float64Array, f: number, out: Float64Array): void {
  for (let a = 0; a < f; a++) {
    const o = a * f;
    let s = 0;
    for (let b = 0; b < f; b++) s += G[o + b] * v[b];
    out[a] = s;
  }
}

/**
 * Conjugate-gradient update of rows [start, end) of X (row-major, f per row) against the fixed factors Y, exactly
 * the loop of implicit's `_least_squares_cg`: r = Yᵀc⁺ − (G + Yᵀ(C−I)Y)x, then `steps` CG iterations, stopping early
 * when ‖r‖² < 1e-20. Rows without entries become 0.
 *
 * @example
 * alsCgRange(byUser, userFactors, itemFactors, gram, 64, 3, 0, nUsers, alsScratch(64));
 */
export function alsCgRange(
  m: ConfidenceCsr,
  X: Float32Array,
  Y: Float32Array,
  G: Float64Array,
  f: number,
  steps: number,
  start: number,
  end: number,
  s: AlsScratch,
): void {
  const { indptr, indices, conf } = m;
  const x = s.x,
    r = s.r,
    p = s.p,
    ap = s.ap;
  for (let u = start; u < end; u++) {
    const xo = u * f;
    const k0 = indptr[u],
      k1 = indptr[u + 1];
    if (k0 === k1) {
      X.fill(0, xo, xo + f);
      continue;
    }
    for (let a = 0; a < f; a++) x[a] = X[xo + a];
    // r = b − A x, A x = G x + Σ (c−1)(y·x) y
    symv(G, x, f, r);
    for (let a = 0; a < f; a++) r[a] = -r[a];
    for (let k = k0; k < k1; k++) {
      const yo = indices[k] * f;
      const c = conf[k];
      const ca = c > 0 ? c : -c;
      let d = 0;
      for (let a = 0; a < f; a++) d += Y[yo + a] * x[a];
      const t = (c > 0 ? c : 0) - (ca - 1) * d;
      for (let a = 0; a < f; a++) r[a] += t * Y[yo + a];
    }
    let rsold = 0;
    for (let a = 0; a < f; a++) {
      p[a] = r[a];
      rsold += r[a] * r[a];
    }
    if (rsold < 1e-20) continue;
    for (let it = 0; it < steps; it++) {
      symv(G, p, f, ap);
      for (let k = k0; k < k1; k++) {
        const c = conf[k];
        const w = (c > 0 ? c : -c) - 1;
        if (w === 0) continue;
        const yo = indices[k] * f;
        let d = 0;
        for (let a = 0; a < f; a++) d += Y[yo + a] * p[a];
        const t = w * d;
        for (let a = 0; a < f; a++) ap[a] += t * Y[yo + a];
      }
      let pap = 0;
      for (let a = 0; a < f; a++) pap += p[a] * ap[a];
      const alpha = rsold / pap;
      let rsnew = 0;
      for (let a = 0; a < f; a++) {
        x[a] += alpha * p[a];
        r[a] -= alpha * ap[a];
        rsnew += r[a] * r[a];
      }
      if (rsnew < 1e-20) break;
      const beta = rsnew / rsold;
      for (let a = 0; a < f; a++) p[a] = r[a] + beta * p[a];
      rsold = rsnew;
    }
    for (let a = 0; a < f; a++) X[xo + a] = x[a];
  }
}

/**
 * Builds A = G + Σ_k (|c_k| − 1) y_k y_kᵀ (lower triangle) into `s.a` and b = Σ_{c_k>0} c_k y_k into `out`, factors
 * A by Cholesky and solves, leaving x in `out` and the factor L in `s.a` (which `explain` reuses). Entries are
 * `indices[k0..k1)` / `conf[k0..k1)`. Returns false when A is not positive definite.
 *
 * @example
 * const x = new Float64Array(f);
 * alsSolveRow(items, conf, 0, items.length, itemFactors, gram, f, alsScratch(f), x);
 */
export function alsSolveRow(
  indices: Int32Array,
  conf: Float32Array,
  k0: number,
  k1: number,
  Y: Float32Array,
  G: Float64Array,
  f: number,
  s: AlsScratch,
  out: Float64Array,
): boolean {
  const A = s.a;
  A.set(G.subarray(0, f * f));
  out.fill(0, 0, f);
  for (let k = k0; k < k1; k++) {
    const yo = indices[k] * f;
    const c = conf[k];
    if (c > 0) for (let a = 0; a < f; a++) out[a] += c * Y[yo + a];
    const w = (c > 0 ? c : -c) - 1;
    if (w === 0) continue;
    for (let a = 0; a < f; a++) {
      const t = w * Y[yo + a];
      if (t === 0) continue;
      const ao = a * f;
      for (let b = 0; b <= a; b++) A[ao + b] += t * Y[yo + b];
    }
  }
  if (!choleskyInPlace(A, f)) return false;
  choleskySolveInPlace(A, f, out);
  return true;
}

/**
 * Exact (Cholesky) update of rows [start, end) of X, implicit's `_least_squares`. Returns the first row whose system
 * was not positive definite, or −1.
 *
 * @example
 * alsCholeskyRange(byUser, userFactors, itemFactors, gram, 64, 0, nUsers, alsScratch(64));
 */
export function alsCholeskyRange(
  m: ConfidenceCsr,
  X: Float32Array,
  Y: Float32Array,
  G: Float64Array,
  f: number,
  start: number,
  end: number,
  s: AlsScratch,
): number {
  const { indptr, indices, conf } = m;
  for (let u = start; u < end; u++) {
    const xo = u * f;
    const k0 = indptr[u],
      k1 = indptr[u + 1];
    if (k0 === k1) {
      X.fill(0, xo, xo + f);
      continue;
    }
    if (!alsSolveRow(indices, conf, k0, k1, Y, G, f, s, s.x)) return u;
    for (let a = 0; a < f; a++) X[xo + a] = s.x[a];
  }
  return -1;
}

/**
 * The weighted training loss of implicit's `calculate_loss`, normalised the same way:
 * [Σ_{u,i} c_ui (p_ui − x_uᵀy_i)² + λ(‖X‖² + ‖Y‖²)] / (Σ c_obs + n_users·n_items − nnz), computed without touching
 * the unobserved pairs: Σ_u x_uᵀ(YᵀY)x_u + Σ_obs [(c−1)s² − 2cps + cp²] with s = x_uᵀy_i. `gram` is YᵀY (no λ).
 *
 * @example
 * const loss = alsLoss(byUser, X, Y, gram, 64, nItems, 0.01, alsScratch(64));
 */
export function alsLoss(
  m: ConfidenceCsr,
  X: Float32Array,
  Y: Float32Array,
  gram: Float64Array,
  f: number,
  nItems: number,
  reg: number,
  s: AlsScratch,
): number {
  const { indptr, indices, conf } = m;
  const nRows = indptr.length - 1;
  const x = s.x,
    gx = s.r;
  let loss = 0,
    totalConf = 0,
    norms = 0;
  for (let u = 0; u < nRows; u++) {
    const xo = u * f;
    for (let a = 0; a < f; a++) x[a] = X[xo + a];
    symv(gram, x, f, gx);
    for (let a = 0; a < f; a++) {
      loss += gx[a] * x[a];
      norms += x[a] * x[a];
    }
    for (let k = indptr[u]; k < indptr[u + 1]; k++) {
      const yo = indices[k] * f;
      const c = conf[k];
      const ca = c > 0 ? c : -c;
      let d = 0;
      for (let a = 0; a < f; a++) d += Y[yo + a] * x[a];
      loss += (ca - 1) * d * d;
      if (c > 0) loss += c - 2 * c * d;
      totalConf += ca;
    }
  }
  for (let k = 0; k < Y.length; k++) norms += Y[k] * Y[k];
  const nnz = indices.length;
  return (loss + reg * norms) / (totalConf + nRows * nItems - nnz);
}
