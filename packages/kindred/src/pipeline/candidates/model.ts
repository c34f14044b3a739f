import { ScoreImpossibleError } from '../../errors.js';
import { topK } from '../../math/top-k.js';
import type { Recommender } from '../../models/recommender.js';
import type { Candidate, CandidateGenerator } from '../candidate.js';
import type { RequestState } from '../request-state.js';

/**
 * The model's top-N for the user: the same ranking as `model.recommendIndex` (scoreItems + partial top-k), but
 * into a scratch score buffer reused across requests, and skipping items the request does not allow. With a
 * `pool` (e.g. the 5 000 most popular items, or an ANN shortlist) only those items are scored. Users the model does
 * not know produce nothing (the other generators serve them).
 *
 * @example
 * const gen = new ModelCandidates(model);
 * gen.generate(state, 200, out); // out gets {item, score, source: 'model'} entries
 */
export class ModelCandidates implements CandidateGenerator {
  readonly source = 'model';
  private scores: Float32Array;

  constructor(
    readonly model: Recommender,
    readonly pool: Int32Array | null = null,
  ) {
    this.scores = new Float32Array(model.training.nItems);
  }

  generate(state: RequestState, n: number, out: Candidate[]): void {
    const m = this.model;
    const u = state.userIndex;
    if (n <= 0 || u < 0 || u >= m.training.nUsers || !m.knownUser(u)) return;
    const scores = this.scores;
    if (this.pool) scorePool(m, u, this.pool, scores);
    else m.scoreItems(u, scores);
    // Without a pool every score is fresh, so a category filter can rank its members alone.
    const top = topK(scores, n, (i) => !state.allowed(i), this.pool ?? state.pool);
    for (let k = 0; k < top.indices.length; k++)
      out.push({ item: top.indices[k], score: top.scores[k], source: 'model' });
  }
}

function scorePool(m: Recommender, u: number, pool: Int32Array, out: Float32Array): void {
  for (let k = 0; k < pool.length; k++) {
    const i = pool[k];
    try {
      out[i] = m.score(u, i);
    } catch (e) {
      if (e instanceof ScoreImpossibleError) out[i] = -Infinity;
      else throw e;
    }
  }
}
