import { ModelFormatError } from '../../errors.js';
import type { ModelState } from '../recommender.js';
import { KnnBase, knnEntry, stateArray, type KnnOptions } from './knn-base.js';

/**
 * KNNBaseline (Surprise; Koren 2010, eq. 3): r̂(u,i) = b_ui + Σ_v sim(u,v)·(r(v,i) − b_vi) / Σ_v sim(u,v), with
 * b_ui = μ + b_u + b_i from `baselineMethod`, over the k most similar users that rated i (sim > 0), or the same over
 * items. Fewer than `minK` neighbours gives b_ui. A user or item without training ratings is not impossible here:
 * as in Surprise, the answer is μ plus whichever biases are known. Surprise recommends
 * `{ userBased: false, similarity: 'pearson_baseline' }`.
 *
 * @example
 * const model = new KnnBaseline({ userBased: false, similarity: 'pearson_baseline' }).fit(train);
 * model.predict('196', '242').value;
 */
export class KnnBaseline extends KnnBase {
  readonly name = 'knn-baseline';

  constructor(opts: Partial<KnnOptions> = {}) {
    super('knn-baseline', opts);
  }

  protected override needsBaselines(): boolean {
    return true;
  }

  protected override scoreUnknown(u: number, i: number): number {
    const b = this.baselines!;
    return b.mu + (this.knownUser(u) ? b.bu[u] : 0) + (this.knownItem(i) ? b.bi[i] : 0);
  }

  protected override estimate(x: number, y: number, count: number): number {
    const b = this.baselines!;
    const ub = this.params.userBased;
    const bx = ub ? b.bu : b.bi,
      by = ub ? b.bi : b.bu;
    const est = b.mu + bx[x] + by[y];
    if (count < this.params.minK) return est;
    const { sims, positions } = this.neighbours;
    const values = this.yValues,
      idx = this.yIndices;
    // The neighbours' baselines share μ + b_y; only b_x varies.
    const partial = b.mu + by[y];
    let sumSim = 0,
      sumDev = 0;
    for (let k = 0; k < count; k++) {
      const p = positions[k];
      sumSim += sims[k];
      sumDev += sims[k] * (values[p] - (partial + bx[idx[p]]));
    }
    return est + sumDev / sumSim;
  }

  protected override saveVariant(): ModelState {
    const b = this.baselines!;
    return { meta: { mu: b.mu }, arrays: { bu: b.bu, bi: b.bi } };
  }

  protected override loadVariant(state: ModelState): void {
    const s = this.training;
    const mu = Number(state.meta.mu);
    if (!Number.isFinite(mu)) throw new ModelFormatError('saved knn-baseline model lacks its global mean');
    this.baselines = {
      mu,
      bu: stateArray(state, 'bu', Float64Array, s.nUsers),
      bi: stateArray(state, 'bi', Float64Array, s.nItems),
    };
  }
}

/**
 * Registry entry of KnnBaseline.
 *
 * @example
 * registerModel(knnBaselineEntry); // createModel('knn-baseline') then builds it
 */
export const knnBaselineEntry = knnEntry(
  'knn-baseline',
  'Baseline plus similarity-weighted neighbour deviations from their baselines (Surprise KNNBaseline).',
  (p) => new KnnBaseline(p),
);
