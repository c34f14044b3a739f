// Models that score from a history handed to them at request time: sequential models (SASRec reads the order) and
// autoencoders/two-tower models (they pool it). The engine serves such a model from the user's newest events without
// retraining, and uses the session's events directly for an anonymous visitor.
import type { Recommender } from './recommender.js';

/** A model that scores every item from a history of training item indices given at request time. */
export interface HistoryScorer {
  /** True when the order of the history matters (sequential models): pass it oldest → newest. */
  readonly historyOrdered: boolean;
  /** The longest history the model reads (its newest items); longer histories may be passed and are cut. */
  readonly historyLimit: number;
  /**
   * Fills `out` (length nItems) with every item's score for this history, oldest → newest; items the model cannot
   * score get −∞. Items of the history may be repeated; −1 entries are ignored.
   */
  scoreHistory(items: Int32Array, out: Float32Array): void;
}

/**
 * Whether a model implements `HistoryScorer`.
 *
 * @example
 * if (isHistoryScorer(model)) model.scoreHistory(Int32Array.of(4, 9, 2), out);
 */
export function isHistoryScorer(model: Recommender): model is Recommender & HistoryScorer {
  const m = model as Partial<HistoryScorer>;
  return typeof m.scoreHistory === 'function' && typeof m.historyOrdered === 'boolean';
}
