import {
  Als,
  isHistoryScorer,
  topK,
  type Candidate,
  type CandidateGenerator,
  type Recommender,
  type RequestState,
} from 'kindred';
import { alsFoldIn } from './fold-in.js';
import { historyScoring } from './history-scoring.js';
import type { IndexedHistory } from './user-history.js';

// Request-time user state: a model's view of a user computed from the user's current history when the request
// runs, for users the model does not know or who have feedback newer than the model. The pipeline's own model
// generator reads the model's stored user row, which is stale (or missing) for them, so the service runs the request
// as anonymous and `RequestTimeCandidates` (an ExtraGenerator of the pipeline) supplies the model's top-N from this
// state instead. Two implementations: ALS fold-in (a fresh user vector, fold-in.ts) and history scoring (a
// HistoryScorer scores the user's newest positive events directly, history-scoring.ts).

/** One user's model state, computed once per user per snapshot from their history (cached in their entry). */
export interface RequestTimeUser {
  /** Fills `out` (length: the model's items) with every item's score for this user; −∞ where it cannot score. */
  scoreAll(out: Float32Array): void;
  /**
   * The user's items a candidate's score came from, newest first (history scoring: the recent items it read), or
   * undefined when the state names none (the pipeline's explanations then find the user's item behind it).
   */
  because?(item: number): number[] | undefined;
}

/** How a model turns a user's current history into request-time state. */
export interface RequestTimeModel {
  /** The model's name for what it does (`als-fold-in`, `history`), for logs and tests. */
  readonly kind: string;
  /**
   * Whether an anonymous session's events are a history it serves (history scoring). ALS fold-in is not used for
   * sessions: a handful of events give a vector dominated by its regularisation, and the session's item-to-item
   * neighbours already serve them.
   */
  readonly readsSessions: boolean;
  /** The state for this history, or null when the history holds nothing the model knows. */
  userState(history: IndexedHistory): RequestTimeUser | null;
}

/**
 * The request-time model of `model`: ALS fold-in for `Als`, history scoring for a `HistoryScorer`, else null (the
 * model serves only the users it was trained on; others get item-to-item and the fallbacks).
 *
 * @example
 * const rt = requestTimeModel(model);
 * const user = rt?.userState(history); // null when nothing in the history is known to the model
 */
export function requestTimeModel(model: Recommender | null): RequestTimeModel | null {
  if (model instanceof Als) return alsFoldIn(model);
  if (model && isHistoryScorer(model)) return historyScoring(model);
  return null;
}

/**
 * The model's top-N from the request's user state: the pipeline's generator for request-time users. `user` is set by
 * the service just before a request and cleared after it (a Node server runs one synchronous request at a time, and
 * the pipeline itself is not re-entrant either).
 *
 * @example
 * const gen = new RequestTimeCandidates(requestTimeModel(model)!, model.training.nItems);
 * gen.user = gen.model.userState(history);
 * try { recommend(pipeline, { userIndex: -1, context }); } finally { gen.user = null; }
 */
export class RequestTimeCandidates implements CandidateGenerator {
  /** 'model', so the response names the model (it is the model's score, for the user's current state). */
  readonly source = 'model';
  user: RequestTimeUser | null = null;
  private readonly scores: Float32Array;

  constructor(
    readonly model: RequestTimeModel,
    nItems: number,
  ) {
    this.scores = new Float32Array(nItems);
  }

  generate(state: RequestState, n: number, out: Candidate[]): void {
    const user = this.user;
    if (!user || n <= 0) return;
    user.scoreAll(this.scores);
    const top = topK(this.scores, n, (i) => !state.allowed(i) || !(this.scores[i] > -Infinity), state.pool);
    for (let k = 0; k < top.indices.length; k++) {
      const c: Candidate = { item: top.indices[k], score: top.scores[k], source: this.source };
      const because = user.because?.(c.item);
      if (because?.length) {
        c.because = because;
        c.recent = true;
      }
      out.push(c);
    }
  }
}
