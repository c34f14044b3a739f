import type { Candidate, CandidateGenerator } from '../candidate.js';
import type { LatestIndex } from '../ranked-index.js';
import { recencyWeight, type RequestState } from '../request-state.js';
import { roundRobin } from './popular.js';

/**
 * The newest items (by catalog timestamp), in the requested or cold-start categories like PopularCandidates.
 * Score = 0.5^(age / halfLifeMs). This is the path that makes items with no interactions reachable.
 *
 * @example
 * const gen = new LatestCandidates(new LatestIndex(catalog), 7 * 86_400_000);
 */
export class LatestCandidates implements CandidateGenerator {
  readonly source = 'latest';

  constructor(
    readonly latest: LatestIndex,
    public halfLifeMs: number,
  ) {}

  generate(state: RequestState, n: number, out: Candidate[]): void {
    if (n <= 0) return;
    const score = (i: number) => recencyWeight(state.now - this.latest.key(i), this.halfLifeMs);
    const cats = state.category >= 0 ? Int32Array.of(state.category) : state.fallbackCategories;
    if (cats.length === 0) {
      const t = this.latest.top();
      let taken = 0;
      for (let p = 0; p < t.size && taken < n; p++) {
        const i = t.items[p];
        if (!state.allowed(i)) continue;
        out.push({ item: i, score: score(i), source: 'latest' });
        taken++;
      }
      return;
    }
    roundRobin(cats, n, (c) => this.latest.top(c), score, false, state, 'latest', out);
  }
}
