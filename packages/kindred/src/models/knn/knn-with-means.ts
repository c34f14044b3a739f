import type { Csr, Interactions } from '../../data/interactions.js';
import type { ModelState } from '../recommender.js';
import { KnnBase, knnEntry, stateArray, type KnnOptions } from './knn-base.js';
import { rowMeans } from './row-stats.js';

/**
 * KNNWithMeans (Surprise): r̂(u,i) = μ_u + Σ_v sim(u,v)·(r(v,i) − μ_v) / Σ_v sim(u,v) over the k most similar users
 * that rated i (sim > 0), or the same over items. With fewer than `minK` neighbours the prediction is μ_u.
 *
 * @example
 * const model = new KnnWithMeans({ userBased: false, similarity: 'pearson' }).fit(train);
 * model.predict('196', '242').value;
 */
export class KnnWithMeans extends KnnBase {
  readonly name = 'knn-means';
  /** Mean rating of each x (user when user-based). */
  protected means: Float64Array = new Float64Array(0);

  constructor(opts: Partial<KnnOptions> = {}) {
    super('knn-means', opts);
  }

  protected override fitVariant(_data: Interactions, xRows: Csr): void {
    this.means = rowMeans(xRows);
  }

  protected override estimate(x: number, _y: number, count: number): number {
    const est = this.means[x];
    if (count < this.params.minK) return est;
    const { sims, positions } = this.neighbours;
    const values = this.yValues,
      idx = this.yIndices,
      means = this.means;
    let sumSim = 0,
      sumDev = 0;
    for (let k = 0; k < count; k++) {
      const p = positions[k];
      sumSim += sims[k];
      sumDev += sims[k] * (values[p] - means[idx[p]]);
    }
    return est + sumDev / sumSim;
  }

  protected override saveVariant(): ModelState {
    return { meta: {}, arrays: { means: this.means } };
  }

  protected override loadVariant(state: ModelState): void {
    this.means = stateArray(state, 'means', Float64Array, this.nX);
  }
}

/**
 * Registry entry of KnnWithMeans.
 *
 * @example
 * registerModel(knnWithMeansEntry); // createModel('knn-means') then builds it
 */
export const knnWithMeansEntry = knnEntry(
  'knn-means',
  'Mean-centred k-nearest-neighbours ratings (Surprise KNNWithMeans).',
  (p) => new KnnWithMeans(p),
);
