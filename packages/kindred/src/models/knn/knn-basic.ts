import { ScoreImpossibleError } from '../../errors.js';
import { KnnBase, knnEntry, type KnnOptions } from './knn-base.js';

/**
 * KNNBasic (Surprise): r̂(u,i) = Σ_v sim(u,v)·r(v,i) / Σ_v sim(u,v) over the k most similar users v that rated i
 * (sim > 0), or the same over items when `userBased` is false. Fewer than `minK` neighbours is impossible (the base
 * answers with the global mean), as Surprise raises PredictionImpossible.
 *
 * @example
 * const model = new KnnBasic({ k: 40, similarity: 'msd' }).fit(train);
 * model.predict('196', '242').value;
 */
export class KnnBasic extends KnnBase {
  readonly name = 'knn-basic';

  constructor(opts: Partial<KnnOptions> = {}) {
    super('knn-basic', opts);
  }

  protected override estimate(_x: number, _y: number, count: number): number {
    if (count < this.params.minK) throw new ScoreImpossibleError('not enough neighbours');
    const { sims, positions } = this.neighbours;
    const values = this.yValues;
    let sumSim = 0,
      sumRatings = 0;
    for (let k = 0; k < count; k++) {
      sumSim += sims[k];
      sumRatings += sims[k] * values[positions[k]];
    }
    return sumRatings / sumSim;
  }
}

/**
 * Registry entry of KnnBasic.
 *
 * @example
 * registerModel(knnBasicEntry); // createModel('knn-basic') then builds it
 */
export const knnBasicEntry = knnEntry(
  'knn-basic',
  "Weighted mean of the k nearest neighbours' ratings (Surprise KNNBasic).",
  (p) => new KnnBasic(p),
);
