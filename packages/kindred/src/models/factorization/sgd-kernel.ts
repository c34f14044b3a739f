import { allFinite } from '../../math/finite.js';

/**
 * Learning rates and regularisation of one biased-MF SGD run (Surprise's SVD names them lr_bu … reg_qi).
 * With `biased` false, `mu` must be 0 and the biases are neither used nor updated (Surprise's `biased=False`).
 */
export interface SgdHyper {
  mu: number;
  biased: boolean;
  lrBu: number;
  lrBi: number;
  lrPu: number;
  lrQi: number;
  regBu: number;
  regBi: number;
  regPu: number;
  regQi: number;
}

/**
 * What an SGD run trains: `factors` floats per row in `userFactors` (nUsers rows) and `itemFactors` (nItems rows),
 * biases in float64, and the ratings as three parallel arrays.
 */
export interface SgdProblem {
  factors: number;
  userFactors: Float32Array;
  itemFactors: Float32Array;
  userBias: Float64Array;
  itemBias: Float64Array;
  users: Int32Array;
  items: Int32Array;
  values: Float32Array;
}

/**
 * Runs SGD epochs over one problem. A trainer may work on private copies (the WebAssembly one does); `read` writes
 * the current parameters back into the problem's arrays.
 */
export interface SgdTrainer {
  readonly kind: 'wasm' | 'js';
  /** Sets the visiting order (row numbers into the ratings) used by the following epochs. */
  setOrder(order: Int32Array): void;
  /** One pass over the ratings; returns the sum of squared errors, each measured just before its update. */
  epoch(h: SgdHyper): number;
  /** True when every factor and bias is finite (LightFM's `_check_finite`, done after each epoch). */
  finite(): boolean;
  /** Copies the parameters back into the problem's arrays. */
  read(): void;
}

/**
 * The reference SGD epoch, written as Surprise's SVD.fit (matrix_factorization.pyx) does it, on plain typed arrays:
 * for each rating (u, i, r) in `order`: err = r − (μ + b_u + b_i + q_iᵀp_u); then
 * b_u += γ_bu(err − λ_bu b_u), b_i += γ_bi(err − λ_bi b_i), and for every factor f, using the old p_uf in the
 * q_if update: p_uf += γ_pu(err q_if − λ_pu p_uf), q_if += γ_qi(err p_uf − λ_qi q_if).
 * Returns the sum of squared errors (measured before each update). Also the fallback when WebAssembly is missing.
 *
 * @example
 * const sse = sgdEpochJs(problem, order, hyper);
 * const rmse = Math.sqrt(sse / order.length);
 */
export function sgdEpochJs(p: SgdProblem, order: Int32Array, h: SgdHyper): number {
  const F = p.factors;
  const P = p.userFactors,
    Q = p.itemFactors,
    bu = p.userBias,
    bi = p.itemBias;
  const users = p.users,
    items = p.items,
    values = p.values;
  const mu = h.mu,
    biased = h.biased;
  const lrBu = h.lrBu,
    lrBi = h.lrBi,
    lrPu = h.lrPu,
    lrQi = h.lrQi;
  const regBu = h.regBu,
    regBi = h.regBi,
    regPu = h.regPu,
    regQi = h.regQi;
  let sse = 0;
  for (let k = 0; k < order.length; k++) {
    const row = order[k];
    const u = users[row],
      i = items[row];
    const po = u * F,
      qo = i * F;
    let dot = 0;
    for (let f = 0; f < F; f++) dot += Q[qo + f] * P[po + f];
    const err = values[row] - (mu + bu[u] + bi[i] + dot);
    sse += err * err;
    if (biased) {
      bu[u] += lrBu * (err - regBu * bu[u]);
      bi[i] += lrBi * (err - regBi * bi[i]);
    }
    for (let f = 0; f < F; f++) {
      const puf = P[po + f],
        qif = Q[qo + f];
      P[po + f] = puf + lrPu * (err * qif - regPu * puf);
      Q[qo + f] = qif + lrQi * (err * puf - regQi * qif);
    }
  }
  return sse;
}

/**
 * The pure-JS trainer: works in place on the problem's arrays with `sgdEpochJs`.
 *
 * @example
 * const t = jsSgdTrainer(problem);
 * t.setOrder(order);
 * const sse = t.epoch(hyper);
 */
export function jsSgdTrainer(p: SgdProblem): SgdTrainer {
  let order: Int32Array = new Int32Array(0);
  return {
    kind: 'js',
    setOrder(o) {
      order = o;
    },
    epoch: (h) => sgdEpochJs(p, order, h),
    finite: () =>
      allFinite(p.userFactors) && allFinite(p.itemFactors) && allFinite(p.userBias) && allFinite(p.itemBias),
    read() {},
  };
}

export { allFinite };
