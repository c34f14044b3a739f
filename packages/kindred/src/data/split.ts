import type { Interactions } from './interactions.js';

/**
 * One train/test split. Both sides share the parent's id maps, so indices agree. `name` says which fold or rule
 * produced it (e.g. 'fold 1/5', 'u1').
 */
export interface Split {
  name: string;
  train: Interactions;
  test: Interactions;
  /**
   * A validation part, disjoint from both (three-way splits such as `leaveLastOutValidTest`): for early stopping and
   * model selection, never trained on; at test time its items are masked like training items (RecBole's rule).
   */
  validation?: Interactions;
}

/** Produces splits of a dataset; every splitter is seeded and deterministic. */
export type Splitter = (data: Interactions) => Split[];
