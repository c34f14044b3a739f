import type { Interactions } from '../../data/interactions.js';

/** User and item biases around the global mean: r̂(u,i) = μ + b_u + b_i (Koren 2010, §2.1). */
export interface Baselines {
  mu: number;
  bu: Float64Array;
  bi: Float64Array;
}

export interface BaselineAlsOptions {
  epochs: number;
  regUser: number;
  regItem: number;
}

export interface BaselineSgdOptions {
  epochs: number;
  learningRate: number;
  reg: number;
}

/** Surprise's `bsl_options` defaults for the ALS method. */
export const BASELINE_ALS_DEFAULTS: BaselineAlsOptions = { epochs: 10, regUser: 15, regItem: 10 };
/** Surprise's `bsl_options` defaults for the SGD method. */
export const BASELINE_SGD_DEFAULTS: BaselineSgdOptions = { epochs: 20, learningRate: 0.005, reg: 0.02 };

/**
 * Biases by alternating least squares, exactly as Surprise's `baseline_als`: each epoch first sets every item bias
 * to Σ(r − μ − b_u) / (λ_i + |R(i)|), then every user bias to Σ(r − μ − b_i) / (λ_u + |R(u)|).
 *
 * @example
 * const { mu, bu, bi } = baselinesAls(train, BASELINE_ALS_DEFAULTS);
 */
export function baselinesAls(data: Interactions, opts: BaselineAlsOptions): Baselines {
  const mu = data.mean();
  const bu = new Float64Array(data.nUsers),
    bi = new Float64Array(data.nItems);
  const byItem = data.byItem(),
    byUser = data.byUser();
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    alsHalfStep(byItem.indptr, byItem.indices, byItem.values, mu, bu, bi, opts.regItem);
    alsHalfStep(byUser.indptr, byUser.indices, byUser.values, mu, bi, bu, opts.regUser);
  }
  return { mu, bu, bi };
}

/** Sets `target[row]` = Σ (r − μ − other[col]) / (reg + n) over the row's entries. */
function alsHalfStep(
  indptr: Int32Array,
  indices: Int32Array,
  values: Float32Array,
  mu: number,
  other: Float64Array,
  target: Float64Array,
  reg: number,
): void {
  const rows = indptr.length - 1;
  for (let r = 0; r < rows; r++) {
    const start = indptr[r],
      end = indptr[r + 1];
    let dev = 0;
    for (let k = start; k < end; k++) dev += values[k] - mu - other[indices[k]];
    target[r] = dev / (reg + (end - start));
  }
}

/**
 * Biases by stochastic gradient descent, as Surprise's `baseline_sgd`: for each rating in user order,
 * e = r − (μ + b_u + b_i); b_u += γ(e − λ b_u); b_i += γ(e − λ b_i).
 */
export function baselinesSgd(data: Interactions, opts: BaselineSgdOptions): Baselines {
  const mu = data.mean();
  const bu = new Float64Array(data.nUsers),
    bi = new Float64Array(data.nItems);
  const { indptr, indices, values } = data.byUser();
  const lr = opts.learningRate,
    reg = opts.reg;
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    for (let u = 0; u < data.nUsers; u++) {
      for (let k = indptr[u]; k < indptr[u + 1]; k++) {
        const i = indices[k];
        const err = values[k] - (mu + bu[u] + bi[i]);
        bu[u] += lr * (err - reg * bu[u]);
        bi[i] += lr * (err - reg * bi[i]);
      }
    }
  }
  return { mu, bu, bi };
}
