import type { RawId } from '../data/id-map.js';
import type { Catalog } from './catalog.js';
import type { CandidateSource } from './candidate.js';
import type { ExplanationTemplates } from './config.js';
import type { RankedItem } from './rank.js';

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
 * Explains an item from its provenance: a pin if any, else the reason with the largest contribution (ties: pinned > item-to-item >
 * category > model > popular > latest) picks the template — "Because you liked {title}" (item-to-item, the
 * positive that contributed most), "Popular in {category}" / "Popular right now", "New this week" (published
 * within 7 days of `now`, else "New arrival"), "Because you like {category}", "Recommended for you" (model and
 * unknown sources), "Featured" (pins).
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
): Explained {
  // A pin is a business decision: it explains the item whatever else proposed it.
  let best = r.reasons.find((x) => x.source === 'pinned') ?? r.reasons[0];
  if (best?.source !== 'pinned')
    for (const x of r.reasons) {
      if (x.contribution > best.contribution) best = x;
      else if (x.contribution === best.contribution && rank(x.source) < rank(best.source)) best = x;
    }
  const sources = [...new Set(r.reasons.map((x) => x.source))];
  if (!best) return { reason: { source: 'model', because: [], sources }, explanation: templates.model };
  const because = (best.because ?? []).map((i) => catalog.itemIds.id(i));
  const category = best.category !== undefined ? catalog.categoryName(best.category) : undefined;
  const reason: RecommendationReason = { source: best.source, because, sources };
  if (category !== undefined) reason.category = category;
  let template: string;
  switch (best.source) {
    case 'item-to-item':
      template = best.because?.length ? templates.itemToItem : templates.model;
      break;
    case 'popular':
      template = category !== undefined ? templates.popularInCategory : templates.popular;
      break;
    case 'latest':
      template = now - catalog.timestamp(r.item) <= WEEK_MS ? templates.latest : templates.latestOlder;
      break;
    case 'category':
      template = templates.category;
      break;
    case 'pinned':
      template = templates.pinned;
      break;
    default:
      template = templates.model;
  }
  const explanation = template
    .replace(/\{title\}/g, () => (best.because?.length ? titleOf(best.because[0]) : ''))
    .replace(/\{category\}/g, () => category ?? '');
  return { reason, explanation };
}

function rank(s: string): number {
  const p = PRIORITY.indexOf(s);
  return p < 0 ? PRIORITY.length : p;
}
