import { topK, type Als, type Candidate, type CandidateGenerator, type RequestState } from 'kindred';

/**
 * Model candidates for a user vector computed at request time: ALS fold-in (Hu, Koren & Volinsky 2008 §4; implicit's
 * `recalculate_user`) of a user with feedback newer than the model, or unknown to it. The pipeline's own model
 * generator reads the model's stored user row, which is stale for such users, so the service runs the request as
 * anonymous and this generator (an ExtraGenerator of the pipeline) supplies the model top-N from the fresh vector.
 *
 * `vector` is set by the service just before a request and cleared after it: a Node server runs one synchronous
 * request at a time, and the pipeline itself is not re-entrant either.
 *
 * @example
 * const gen = new FoldInCandidates(als);
 * gen.vector = als.recalculateUser(items, values);
 * try { recommend(pipeline, { userIndex: -1, context }); } finally { gen.vector = null; }
 */
export class FoldInCandidates implements CandidateGenerator {
  /** 'model', so the response names the model (it is the model's score, for a fresh user vector). */
  readonly source = 'model';
  vector: Float32Array | null = null;
  private readonly scores: Float32Array;
  private readonly itemCounts: Int32Array;

  constructor(readonly model: Als) {
    this.itemCounts = model.training.itemCounts;
    this.scores = new Float32Array(model.training.nItems);
  }

  /** The fold-in vector for these (model item index, aggregated weight) pairs, or null when none is known. */
  foldIn(items: Int32Array, values: Float32Array): Float32Array | null {
    let any = false;
    for (let k = 0; k < items.length; k++) if (this.itemCounts[items[k]] > 0) any = true;
    return any ? this.model.recalculateUser(items, values) : null;
  }

  generate(state: RequestState, n: number, out: Candidate[]): void {
    const x = this.vector;
    if (!x || n <= 0) return;
    this.model.scoreVector(x, 0, this.scores);
    const top = topK(this.scores, n, (i) => !state.allowed(i), state.pool);
    for (let k = 0; k < top.indices.length; k++)
      out.push({ item: top.indices[k], score: top.scores[k], source: this.source });
  }
}
