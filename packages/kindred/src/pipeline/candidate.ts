import type { RequestState } from './request-state.js';

/** Where a candidate came from. Custom generators may use their own names. */
export type CandidateSource = 'model' | 'item-to-item' | 'popular' | 'latest' | 'category' | 'pinned' | (string & {});

/**
 * One item proposed by one generator, with its provenance: `because` lists the item indices that led to it (the
 * user's positives for item-to-item), `category` the category it was drawn from (popular/category generators).
 * `recent` says the score was computed from the user's recent history and `because` names items of it (newest
 * first): explained as "Because you recently {verb} {title}".
 */
export interface Candidate {
  item: number;
  score: number;
  source: CandidateSource;
  because?: number[];
  category?: number;
  recent?: boolean;
}

/**
 * A candidate generator: appends up to `n` candidates for the request to `out`, skipping items the request does
 * not allow (`state.allowed(i)`). Generators keep their own scratch buffers, so a call allocates O(n), not
 * O(items).
 *
 * @example
 * class Editorial implements CandidateGenerator {
 *   readonly source = 'editorial';
 *   generate(state: RequestState, n: number, out: Candidate[]) {
 *     for (const item of this.picks.slice(0, n)) if (state.allowed(item)) out.push({ item, score: 1, source: this.source });
 *   }
 * }
 */
export interface CandidateGenerator {
  readonly source: CandidateSource;
  generate(state: RequestState, n: number, out: Candidate[]): void;
}
