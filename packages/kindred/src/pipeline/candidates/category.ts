import type { Candidate, CandidateGenerator } from '../candidate.js';
import type { LatestIndex, PopularityIndex } from '../ranked-index.js';
import type { RequestState } from '../request-state.js';

/**
 * Items of the user's favourite categories (from recent positives, see RequestState.setPositives). Each category
 * c with affinity a_c ∈ (0, 1] gets a share of `n` proportional to a_c; within it, the r-th item drawn (by
 * popularity, by age, or alternating for 'both') scores a_c · (1 − r / share). An item in several favourite
 * categories keeps its best score and the category that gave it.
 *
 * @example
 * const gen = new CategoryCandidates(popularity, latest, 'both');
 */
export class CategoryCandidates implements CandidateGenerator {
  readonly source = 'category';

  constructor(
    readonly popularity: PopularityIndex,
    readonly latest: LatestIndex,
    public by: 'popular' | 'latest' | 'both' = 'both',
  ) {}

  generate(state: RequestState, n: number, out: Candidate[]): void {
    const cats = state.favouriteCategories;
    if (n <= 0 || cats.length === 0) return;
    let total = 0;
    for (let k = 0; k < cats.length; k++) total += state.favouriteWeights[k];
    const best = new Map<number, Candidate>();
    for (let k = 0; k < cats.length; k++) {
      const c = cats[k];
      if (state.category >= 0 && c !== state.category) continue;
      const a = state.favouriteWeights[k];
      const share = Math.max(1, Math.round((n * a) / total));
      const pop = this.by === 'latest' ? null : this.popularity.top(c);
      const lat = this.by === 'popular' ? null : this.latest.top(c);
      let pp = 0,
        lp = 0,
        r = 0;
      while (r < share && ((pop && pp < pop.size) || (lat && lp < lat.size))) {
        // Alternate sources for 'both'; fall through to the other list when one runs out.
        const useLatest = !pop || pp >= pop.size || (lat !== null && lp < lat.size && r % 2 === 1);
        const i = useLatest ? lat!.items[lp++] : pop!.items[pp++];
        if (!state.allowed(i)) continue;
        const prev = best.get(i);
        if (prev && prev.category === c) continue; // already drawn from this category's other list
        const s = a * (1 - r / share);
        r++;
        if (!prev || s > prev.score) best.set(i, { item: i, score: s, source: 'category', category: c });
      }
    }
    const list = [...best.values()].sort((x, y) => y.score - x.score || x.item - y.item).slice(0, n);
    for (const c of list) out.push(c);
  }
}
