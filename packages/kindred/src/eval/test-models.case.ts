// Tiny models and a k-fold helper shared by the eval tests (not part of the build: *.case.ts is excluded).
import { ScoreImpossibleError } from '../errors.js';
import type { Interactions } from '../data/interactions.js';
import type { Split } from '../data/split.js';
import { Rng } from '../math/rng.js';
import { Recommender, type ModelState } from '../models/recommender.js';

/** Every row lands in exactly one test fold; deterministic in the seed. */
export function simpleKFold(data: Interactions, folds: number, seed = 0): Split[] {
  const perm = new Rng(seed).permutation(data.length);
  const out: Split[] = [];
  for (let f = 0; f < folds; f++) {
    const train: number[] = [],
      test: number[] = [];
    for (let p = 0; p < perm.length; p++) (p % folds === f ? test : train).push(perm[p]);
    out.push({ name: `fold ${f + 1}/${folds}`, train: data.subset(train), test: data.subset(test) });
  }
  return out;
}

/** Rows each UserMean was fitted on, in order (lets a test check that every fold fits on its own train part). */
export const fitLog: number[] = [];

type UserMeanOptions = { shrink: number; offset: number };

/**
 * Predicts the user's training mean, shrunk towards the global mean by `shrink` pseudo-ratings, plus `offset`.
 * Users without training rows are impossible (so the base answers with the global mean).
 */
export class UserMean extends Recommender<UserMeanOptions> {
  readonly name = 'user-mean';
  readonly task = 'rating' as const;
  private means: Float64Array = new Float64Array(0);

  constructor(opts: Partial<UserMeanOptions> = {}) {
    super('user-mean', { shrink: 0, offset: 0 }, {}, opts);
  }

  protected fitModel(data: Interactions): void {
    fitLog.push(data.length);
    const csr = data.byUser();
    const mu = this.training.globalMean;
    this.means = new Float64Array(data.nUsers);
    for (let u = 0; u < data.nUsers; u++) {
      let s = 0;
      for (let p = csr.indptr[u]; p < csr.indptr[u + 1]; p++) s += csr.values[p];
      const n = csr.indptr[u + 1] - csr.indptr[u];
      this.means[u] = (s + this.params.shrink * mu) / (n + this.params.shrink);
    }
  }

  score(u: number): number {
    if (!this.knownUser(u)) throw new ScoreImpossibleError('unknown user');
    return this.means[u] + this.params.offset;
  }

  protected saveState(): ModelState {
    return { meta: {}, arrays: { means: this.means } };
  }
  protected loadState(state: ModelState): void {
    this.means = state.arrays.means as Float64Array;
  }
}

type PopularityOptions = { invert: boolean };

/** Ranks items by training popularity (or by unpopularity with `invert`). */
export class Popularity extends Recommender<PopularityOptions> {
  readonly name = 'tiny-pop';
  readonly task = 'ranking' as const;

  constructor(opts: Partial<PopularityOptions> = {}) {
    super('tiny-pop', { invert: false }, {}, opts);
  }

  protected fitModel(): void {}

  score(_u: number, i: number): number {
    const c = this.training.itemCounts[i];
    return this.params.invert ? -c : c;
  }

  protected saveState(): ModelState {
    return { meta: {}, arrays: {} };
  }
  protected loadState(): void {}
}
