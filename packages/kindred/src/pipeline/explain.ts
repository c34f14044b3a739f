import type { RawId } from '../data/id-map.js';
import type { Catalog } from './catalog.js';
import type { CandidateSource } from './candidate.js';
import type { ExplanationTemplates } from './config.js';
import type { RankedItem } from './rank.js';
import type { BecauseContext } from './because.js';

const WEEK_MS = 7 * 86_400_000;
/** Tie-break between reasons of equal contribution: the more personal explanation wins. */
const PRIORITY: readonly string[] = ['pinned', 'item-to-item', 'category', 'model', 'popular', 'latest'];

/** The structured reason behind a recommendation. */
export interface RecommendationReason {
  /** The source that contributed most to the item's candidate score. */
  source: CandidateSource;
  /** Raw ids of the items that led to it (the user's positives, for item-to-item). */
  because: RawId[];
  /** Category name for popular-in-category and favourite-category reasons. */
  category?: string;
  /** Every source that proposed the item. */
  sources: CandidateSource[];
}

export interface Explained {
  reason: RecommendationReason;
  explanation: string;
}

/**
 * Explains an item from its provenance, as specifically as the provenance allows: a pin if any ("Featured"); else
 * the reasons in order of contribution (ties: pinned > item-to-item > category > model > popular > latest), the
 * first that names something specific wins — "Because you {verb} {title}" (item-to-item: the positive that
 * contributed most; model: the user's item behind the score, from `ctx.because`; a score computed from the user's
 * recent history (`recent`): "Because you recently {verb} {title}", with the recent items in `reason.because`),
 * "Because you like {category}",
 * "Popular in {category}" (a category list, or an item in one of the user's favourite categories), "New this week"
 * (published within 7 days of `now`, else "New arrival"). Only when none does: the user's item behind it anyway,
 * else the generic "Popular right now" / "Recommended for you" (model and unknown sources). `{verb}` is the verb
 * of the user's interaction with the named item (`ctx.verbOf`, default "liked").
 *
 * @example
 * explainItem(ranked[0], catalog, (i) => catalog.title(i), DEFAULT_PIPELINE_CONFIG.explanations, Date.now());
 * // { reason: { source: 'item-to-item', because: ['i42'], sources: [...] }, explanation: 'Because you liked Heat' }
 */
export function explainItem(
  r: RankedItem,
  catalog: Catalog,
  titleOf: (item: number) => string,
  templates: ExplanationTemplates,
  now: number,
  ctx?: BecauseContext,
): Explained {
  const sources = [...new Set(r.reasons.map((x) => x.source))];
  // A pin is a business decision: it explains the item whatever else proposed it.
  const pin = r.reasons.find((x) => x.source === 'pinned');
  const ordered = pin
    ? [pin]
    : r.reasons.slice().sort((a, b) => b.contribution - a.contribution || rank(a.source) - rank(b.source));
  const fill = (template: string, because: number, category: number | undefined) =>
    template
      .replace(/\{verb\}/g, () => (because >= 0 ? ctx?.verbOf(because) : undefined) ?? DEFAULT_VERB)
      .replace(/\{title\}/g, () => (because >= 0 ? titleOf(because) : ''))
      .replace(/\{category\}/g, () => (category !== undefined ? catalog.categoryName(category) : ''));
  const out = (
    source: CandidateSource,
    because: number,
    category: number | undefined,
    template: string,
    more: readonly number[] = [],
  ) => {
    const reason: RecommendationReason = {
      source,
      because: because >= 0 ? [because, ...more.filter((j) => j !== because)].map((j) => catalog.itemIds.id(j)) : [],
      sources,
    };
    if (category !== undefined) reason.category = catalog.categoryName(category);
    return { reason, explanation: fill(template, because, category) };
  };
  // The model's "because" for this item, asked at most once (for ALS it costs an F² solve).
  let userItem: number | undefined;
  const behind = () => (userItem ??= ctx ? ctx.because(r.item) : -1);
  const favourite = () => {
    const fav = ctx?.favouriteCategories;
    if (fav) for (let k = 0; k < fav.length; k++) if (catalog.categories.has(r.item, fav[k])) return fav[k];
    return undefined;
  };
  for (const x of ordered) {
    switch (x.source) {
      case 'pinned':
        return out('pinned', -1, undefined, templates.pinned);
      case 'item-to-item':
        if (x.because?.length) return out(x.source, x.because[0], undefined, templates.itemToItem);
        break;
      case 'category':
        if (x.category !== undefined) return out(x.source, -1, x.category, templates.category);
        break;
      case 'popular': {
        const c = x.category ?? favourite();
        if (c !== undefined) return out(x.source, -1, c, templates.popularInCategory);
        break;
      }
      case 'latest':
        // Newness is specific while the item is new; an older one ("New arrival") only if nothing else is.
        if (now - catalog.timestamp(r.item) <= WEEK_MS) return out(x.source, -1, x.category, templates.latest);
        break;
      default: {
        const j = x.because?.length ? x.because[0] : behind();
        if (j < 0) break;
        // A score from the user's recent history names its items (newest first), the first in the sentence.
        if (x.recent && x.because?.length) return out(x.source, j, x.category, templates.recent, x.because);
        return out(x.source, j, x.category, templates.itemToItem);
      }
    }
  }
  // Nothing specific in the provenance: the user's item behind it, their category, else the generic line.
  const best = ordered[0];
  const j = behind();
  if (j >= 0) return out(best?.source ?? 'model', j, undefined, templates.itemToItem);
  const fav = favourite();
  if (fav !== undefined) return out(best?.source ?? 'model', -1, fav, templates.category);
  if (!best) return out('model', -1, undefined, templates.model);
  const generic =
    best.source === 'popular' ? templates.popular : best.source === 'latest' ? templates.latestOlder : templates.model;
  return out(best.source, -1, best.category, generic);
}

/** `{verb}` when the context does not know the user's interaction with the named item. */
const DEFAULT_VERB = 'liked';

/**
 * Whether an explanation names nothing specific (the generic model/popular lines of `templates`): for measuring
 * how often lists fall back to them.
 *
 * @example
 * isGenericExplanation('Recommended for you', DEFAULT_PIPELINE_CONFIG.explanations); // true
 */
export function isGenericExplanation(explanation: string, templates: ExplanationTemplates): boolean {
  return explanation === templates.model || explanation === templates.popular;
}

function rank(s: string): number {
  const p = PRIORITY.indexOf(s);
  return p < 0 ? PRIORITY.length : p;
}
