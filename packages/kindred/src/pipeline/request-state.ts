import type { RawId } from '../data/id-map.js';
import type { Catalog } from './catalog.js';

/**
 * What the caller knows about the user right now (the pipeline stores no user history itself). Items are catalog
 * indices; times are ms since the epoch.
 */
export interface UserContext {
  /** Items already seen or consumed: never recommended (when rerank.excludeSeen). */
  seen?: ArrayLike<number>;
  /** Recent positive items (likes, purchases, plays), any order. */
  positives?: ArrayLike<number>;
  /** When each positive happened (aligned with `positives`); without it every positive weighs 1. */
  positiveTimes?: ArrayLike<number>;
  /**
   * How the user interacted with each positive (aligned with `positives`), as a past-tense verb for explanations
   * ("Because you {verb} {title}": "watched", "bought"); default "liked".
   */
  positiveVerbs?: readonly string[];
  /** Negative feedback: never recommended (when rerank.excludeNegatives). */
  negatives?: ArrayLike<number>;
  /** Raw item ids to leave out of this response. */
  excluded?: readonly RawId[];
}

/**
 * The per-request view generators and re-rankers read: the user's index, recent positives with recency weights,
 * favourite categories, the requested category and an exclusion mask. The mask is a scratch buffer owned by the
 * pipeline; only the marked entries are cleared after the request, so a request costs O(marked), not O(items).
 *
 * @example
 * const state = new RequestState(catalog, scratchMask);
 * state.block(7);
 * state.allowed(7); // false
 * state.release();
 */
export class RequestState {
  userIndex = -1;
  now = 0;
  /** Requested category (-1: any). */
  category = -1;
  /** Categories the cold-start fallback draws from (empty: global lists). */
  fallbackCategories: Int32Array = new Int32Array(0);
  /** Recent positives, newest first, and their recency weights 0.5^(age / halfLife) (1 without times). */
  positives: Int32Array = new Int32Array(0);
  positiveWeights: Float64Array = new Float64Array(0);
  /** Favourite categories, best first, with affinity weights (max 1). */
  favouriteCategories: Int32Array = new Int32Array(0);
  favouriteWeights: Float64Array = new Float64Array(0);
  private marked: number[] = [];

  constructor(
    readonly catalog: Catalog,
    private readonly mask: Uint8Array,
  ) {}

  /** Excludes item `i` from this request. */
  block(i: number): void {
    if (i < 0 || i >= this.mask.length || this.mask[i] === 1) return;
    this.mask[i] = 1;
    this.marked.push(i);
  }

  isBlocked(i: number): boolean {
    return this.mask[i] === 1;
  }

  /** Not blocked, not hidden, and in the requested category when there is one. */
  /** The items a ranking needs to look at: the requested category's members, or null for the whole catalogue. */
  get pool(): Int32Array | null {
    return this.category < 0 ? null : this.catalog.categoryMembers(this.category);
  }

  allowed(i: number): boolean {
    if (this.mask[i] === 1 || this.catalog.hiddenMask[i] === 1) return false;
    return this.category < 0 || this.catalog.categories.has(i, this.category);
  }

  /** Clears the mask entries this request set. */
  release(): void {
    for (const i of this.marked) this.mask[i] = 0;
    this.marked.length = 0;
  }

  /**
   * Fills positives (newest `maxPositives`, weighted by recency with `halfLifeMs`) and favourite categories (sum of
   * positive weights per category, best `maxCategories`, normalised to max 1; ties by category index).
   */
  setPositives(ctx: UserContext, maxPositives: number, halfLifeMs: number, maxCategories: number): void {
    const items = ctx.positives ?? [];
    const times = ctx.positiveTimes;
    const n = items.length;
    const order = Array.from({ length: n }, (_, k) => k);
    if (times) order.sort((a, b) => times[b] - times[a] || a - b);
    else order.reverse(); // without times, assume the caller listed them oldest first, so the last is newest
    const m = Math.min(n, maxPositives);
    this.positives = new Int32Array(m);
    this.positiveWeights = new Float64Array(m);
    for (let k = 0; k < m; k++) {
      const src = order[k];
      this.positives[k] = items[src];
      this.positiveWeights[k] = times ? recencyWeight(this.now - times[src], halfLifeMs) : 1;
    }
    const affinity = new Map<number, number>();
    for (let k = 0; k < m; k++) {
      const i = this.positives[k];
      if (i < 0 || i >= this.catalog.size) continue;
      const cats = this.catalog.categoriesOf(i);
      for (let c = 0; c < cats.length; c++)
        affinity.set(cats[c], (affinity.get(cats[c]) ?? 0) + this.positiveWeights[k]);
    }
    const best = [...affinity.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, maxCategories);
    const top = best.length ? best[0][1] : 1;
    this.favouriteCategories = Int32Array.from(best, (e) => e[0]);
    this.favouriteWeights = Float64Array.from(best, (e) => (top > 0 ? e[1] / top : 0));
  }
}

/**
 * 0.5^(age / halfLife): 1 for now (and for future times), 0.5 one half-life ago.
 *
 * @example
 * recencyWeight(7 * 86_400_000, 7 * 86_400_000); // 0.5
 */
export function recencyWeight(ageMs: number, halfLifeMs: number): number {
  if (!(ageMs > 0)) return Number.isNaN(ageMs) ? 0 : 1;
  return Math.pow(0.5, ageMs / halfLifeMs);
}
