// Small helpers over row-major factor tables shared by the implicit-feedback factor models (ALS, BPR).
import { allFinite } from '../../math/finite.js';
import { topK, type TopK } from '../../math/top-k.js';

/**
 * ‖row‖ for each row of a row-major table with `f` columns.
 *
 * @example
 * rowNorms(new Float32Array([3, 4, 0, 1]), 2); // Float64Array [5, 1]
 */
export function rowNorms(T: Float32Array, f: number): Float64Array {
  const n = T.length / Math.max(1, f);
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let o = r * f; o < (r + 1) * f; o++) s += T[o] * T[o];
    out[r] = Math.sqrt(s);
  }
  return out;
}

/**
 * The `k` rows most cosine-similar to row `r` (itself and zero rows left out), e.g. similar users of a factor model.
 *
 * @example
 * similarRowsIndex(userFactors, 64, rowNorms(userFactors, 64), 12, 5).indices;
 */
export function similarRowsIndex(T: Float32Array, f: number, norms: Float64Array, r: number, k: number): TopK {
  const n = norms.length;
  const sims = new Float32Array(n).fill(-Infinity);
  const nr = norms[r];
  if (nr > 0) {
    const ro = r * f;
    for (let j = 0; j < n; j++) {
      const nj = norms[j];
      if (!(nj > 0) || j === r) continue;
      const jo = j * f;
      let s = 0;
      for (let a = 0; a < f; a++) s += T[ro + a] * T[jo + a];
      sims[j] = s / (nr * nj);
    }
  }
  return topK(sims, k);
}

export { allFinite };
