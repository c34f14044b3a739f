import type { Candidate, CandidateGenerator } from '../candidate.js';
import type { PopularityIndex } from '../ranked-index.js';
import type { RequestState } from '../request-state.js';

/**
 * The most interacted-with items: within the requested category when there is one, else within the cold-start
 * categories when set (round robin, so every category is represented), else globally. Score = interaction count;
 * items with no interactions are not "popular" and are skipped.
 *
 * @example
 * const gen = new PopularCandidates(PopularityIndex.fromCounts(catalog, model.training.itemCounts));
 */
export class PopularCandidates implements CandidateGenerator {
  readonly source = 'popular';

  constructor(readonly popularity: PopularityIndex) {}

  generate(state: RequestState, n: number, out: Candidate[]): void {
    if (n <= 0) return;
    const cats = state.category >= 0 ? Int32Array.of(state.category) : state.fallbackCategories;
    if (cats.length === 0) {
      const t = this.popularity.top();
      let taken = 0;
      for (let p = 0; p < t.size && taken < n; p++) {
        const i = t.items[p];
        const c = this.popularity.count(i);
        if (!(c > 0)) break;
        if (!state.allowed(i)) continue;
        out.push({ item: i, score: c, source: 'popular' });
        taken++;
      }
      return;
    }
    roundRobin(
      cats,
      n,
      (c) => this.popularity.top(c),
      (i) => this.popularity.count(i),
      true,
      state,
      'popular',
      out,
    );
  }
}

/**
 * Takes items from several per-category sorted lists in turn (best of each list first) until `n`, skipping
 * disallowed and already-taken items. Shared by the popular and latest generators.
 */
export function roundRobin(
  cats: Int32Array,
  n: number,
  list: (c: number) => { items: Int32Array; size: number },
  scoreOf: (i: number) => number,
  positiveOnly: boolean,
  state: RequestState,
  source: string,
  out: Candidate[],
): void {
  const lists = Array.from(cats, list);
  const cursor = new Int32Array(cats.length);
  const taken = new Set<number>();
  let progress = true;
  while (taken.size < n && progress) {
    progress = false;
    for (let c = 0; c < lists.length && taken.size < n; c++) {
      const l = lists[c];
      while (cursor[c] < l.size) {
        const i = l.items[cursor[c]++];
        const s = scoreOf(i);
        if (positiveOnly && !(s > 0)) {
          cursor[c] = l.size;
          break;
        }
        if (taken.has(i) || !state.allowed(i)) continue;
        taken.add(i);
        out.push({ item: i, score: s, source, category: cats[c] });
        progress = true;
        break;
      }
    }
  }
}
