import { ScoreImpossibleError } from '../../errors.js';
import type { Interactions } from '../../data/interactions.js';
import type { ParamDoc } from '../params.js';
import type { ModelEntry } from '../registry.js';
import { Recommender, type ModelState } from '../recommender.js';

// Surprise's SlopeOne takes no parameters.
const DEFAULTS = {} as const;
export type SlopeOneOptions = Record<never, never>;
const DOCS: Partial<Record<keyof SlopeOneOptions, ParamDoc>> = {};

/**
 * Slope One (Lemire & Maclachlan 2005; Surprise `SlopeOne`):
 * r̂(u,i) = μ_u + (1/|R_i(u)|) Σ_{j∈R_i(u)} dev(i,j), with dev(i,j) = mean over users who rated both of (r_ui − r_uj)
 * and R_i(u) the items rated by u that share at least one rater with i. Users or items without training ratings
 * cannot be scored (the fallback answers). Keeps dense nItems² deviation and support matrices, so it suits
 * catalogues of a few thousand items.
 *
 * @example
 * const model = new SlopeOne().fit(train);
 * model.predict('196', '242').value; // e.g. 3.82
 */
export class SlopeOne extends Recommender<SlopeOneOptions> {
  readonly name = 'slope-one';
  readonly task = 'rating' as const;
  /** dev(i,j) at i·n + j (0 where i and j share no rater). */
  private dev: Float64Array = new Float64Array(0);
  /** |U_ij|: users who rated both i and j. */
  private freq: Int32Array = new Int32Array(0);
  private userMean: Float64Array = new Float64Array(0);

  constructor(opts: Partial<SlopeOneOptions> = {}) {
    super('slope-one', DEFAULTS as SlopeOneOptions, DOCS, opts);
  }

  protected fitModel(data: Interactions): void {
    const n = data.nItems;
    const { indptr, indices, values } = data.byUser();
    this.freq = new Int32Array(n * n);
    this.dev = new Float64Array(n * n);
    accumulateDeviations(indptr, indices, values, n, this.freq, this.dev);
    this.userMean = rowMeans(indptr, values);
  }

  /** Mean deviation dev(i, j) of item i over item j, and how many users rated both. */
  deviation(i: number, j: number): { dev: number; support: number } {
    const n = this.training.nItems;
    return { dev: this.dev[i * n + j], support: this.freq[i * n + j] };
  }

  score(u: number, i: number): number {
    if (!this.knownUser(u)) throw new ScoreImpossibleError('unknown user');
    if (!this.knownItem(i)) throw new ScoreImpossibleError('unknown item');
    const s = this.training;
    const n = s.nItems;
    const row = i * n;
    let sum = 0,
      count = 0;
    for (let p = s.seenIndptr[u]; p < s.seenIndptr[u + 1]; p++) {
      const j = s.seenIndices[p];
      if (this.freq[row + j] > 0) {
        sum += this.dev[row + j];
        count++;
      }
    }
    return this.userMean[u] + (count ? sum / count : 0);
  }

  /** All items at once: walk the rows dev(j, ·) = −dev(·, j) of the user's items, reading memory in order. */
  override scoreItems(u: number, out: Float32Array): void {
    const s = this.training;
    if (!this.knownUser(u)) {
      out.fill(-Infinity);
      return;
    }
    const n = s.nItems;
    const sum = new Float64Array(n),
      count = new Int32Array(n);
    for (let p = s.seenIndptr[u]; p < s.seenIndptr[u + 1]; p++) {
      const row = s.seenIndices[p] * n;
      for (let i = 0; i < n; i++) {
        if (this.freq[row + i] > 0) {
          sum[i] -= this.dev[row + i];
          count[i]++;
        }
      }
    }
    const mu = this.userMean[u];
    for (let i = 0; i < n; i++) out[i] = s.itemCounts[i] === 0 ? -Infinity : mu + (count[i] ? sum[i] / count[i] : 0);
  }

  protected saveState(): ModelState {
    return { meta: {}, arrays: { dev: this.dev, freq: this.freq, userMean: this.userMean } };
  }

  protected loadState(state: ModelState): void {
    const s = this.training;
    const { dev, freq, userMean } = state.arrays;
    if (!(dev instanceof Float64Array) || dev.length !== s.nItems * s.nItems)
      throw new Error('array "dev" is missing or has the wrong length');
    if (!(freq instanceof Int32Array) || freq.length !== s.nItems * s.nItems)
      throw new Error('array "freq" is missing or has the wrong length');
    if (!(userMean instanceof Float64Array) || userMean.length !== s.nUsers)
      throw new Error('array "userMean" is missing or has the wrong length');
    this.dev = dev;
    this.freq = freq;
    this.userMean = userMean;
  }
}

/**
 * freq[i,j] = |U_ij| and dev[i,j] = mean_{u∈U_ij}(r_ui − r_uj) from the users' CSR rows: each user adds every pair of
 * its items once (upper triangle), then the lower triangle is mirrored (freq symmetric, dev antisymmetric).
 * Cost Σ_u |I_u|²/2.
 */
function accumulateDeviations(
  indptr: Int32Array,
  indices: Int32Array,
  values: Float32Array,
  n: number,
  freq: Int32Array,
  dev: Float64Array,
): void {
  const nUsers = indptr.length - 1;
  for (let u = 0; u < nUsers; u++) {
    const start = indptr[u],
      end = indptr[u + 1];
    for (let a = start; a < end; a++) {
      const i = indices[a];
      const ri = values[a];
      const row = i * n;
      for (let b = a; b < end; b++) {
        const j = indices[b];
        // Items are sorted within a row, so j ≥ i; a repeated item (j = i) only adds to the diagonal count.
        freq[row + j]++;
        dev[row + j] += ri - values[b];
      }
    }
  }
  for (let i = 0; i < n; i++) {
    const row = i * n;
    // Surprise sets dev(i,i) = 0; duplicate ratings would otherwise leave a non-zero sum there.
    dev[row + i] = 0;
    for (let j = i + 1; j < n; j++) {
      const c = freq[row + j];
      const d = c > 0 ? dev[row + j] / c : 0;
      dev[row + j] = d;
      dev[j * n + i] = -d;
      freq[j * n + i] = c;
    }
  }
}

/** Mean of each CSR row's values (0 for empty rows). */
function rowMeans(indptr: Int32Array, values: Float32Array): Float64Array {
  const rows = indptr.length - 1;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let k = indptr[r]; k < indptr[r + 1]; k++) s += values[k];
    const n = indptr[r + 1] - indptr[r];
    out[r] = n ? s / n : 0;
  }
  return out;
}

export const slopeOneEntry: ModelEntry<SlopeOneOptions> = {
  name: 'slope-one',
  description: "Slope One: the user's mean plus the average rating deviation to the items they rated (Lemire 2005).",
  task: 'rating',
  defaults: DEFAULTS as SlopeOneOptions,
  docs: DOCS,
  create: (p) => new SlopeOne(p),
};
