import type { Csr, Interactions } from '../../data/interactions.js';
import type { ModelState } from '../recommender.js';
import { KnnBase, knnEntry, stateArray, type KnnOptions } from './knn-base.js';
import { rowMeans, rowStds, valuesStd } from './row-stats.js';

/**
 * KNNWithZScore (Surprise): r̂(u,i) = μ_u + σ_u · Σ_v sim(u,v)·(r(v,i) − μ_v)/σ_v / Σ_v sim(u,v) over the k most
 * similar users that rated i (sim > 0), or the same over items. σ is the population deviation of an x's ratings;
 * where it is 0, the deviation of all training ratings. Fewer than `minK` neighbours gives μ_u.
 *
 * @example
 * const model = new KnnWithZScore().fit(train);
 * model.predict('196', '242').value;
 */
export class KnnWithZScore extends KnnBase {
  readonly name = 'knn-zscore';
  protected means: Float64Array = new Float64Array(0);
  protected sigmas: Float64Array = new Float64Array(0);

  constructor(opts: Partial<KnnOptions> = {}) {
    super('knn-zscore', opts);
  }

  protected override fitVariant(data: Interactions, xRows: Csr): void {
    this.means = rowMeans(xRows);
    this.sigmas = rowStds(xRows, this.means, valuesStd(data.values));
  }

  protected override estimate(x: number, _y: number, count: number): number {
    const est = this.means[x];
    if (count < this.params.minK) return est;
    const { sims, positions } = this.neighbours;
    const values = this.yValues,
      idx = this.yIndices,
      means = this.means,
      sigmas = this.sigmas;
    let sumSim = 0,
      sumZ = 0;
    for (let k = 0; k < count; k++) {
      const p = positions[k],
        nb = idx[p];
      sumSim += sims[k];
      sumZ += (sims[k] * (values[p] - means[nb])) / sigmas[nb];
    }
    return est + (sumZ / sumSim) * sigmas[x];
  }

  protected override saveVariant(): ModelState {
    return { meta: {}, arrays: { means: this.means, sigmas: this.sigmas } };
  }

  protected override loadVariant(state: ModelState): void {
    this.means = stateArray(state, 'means', Float64Array, this.nX);
    this.sigmas = stateArray(state, 'sigmas', Float64Array, this.nX);
  }
}

/**
 * Registry entry of KnnWithZScore.
 *
 * @example
 * registerModel(knnWithZScoreEntry); // createModel('knn-zscore') then builds it
 */
export const knnWithZScoreEntry = knnEntry(
  'knn-zscore',
  'Z-score normalised k-nearest-neighbours ratings (Surprise KNNWithZScore).',
  (p) => new KnnWithZScore(p),
);
