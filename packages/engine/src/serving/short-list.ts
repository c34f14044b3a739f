import type { Catalog } from 'kindred';

/** What a list request asked for and what is known about the user, to say why fewer items came back. */
export interface ShortListQuery {
  /** 'recommend' (personal lists, sessions), 'popular', 'latest' or 'similar'. */
  kind: 'recommend' | 'popular' | 'latest' | 'similar';
  category?: string;
  offset: number;
  /** Items the user has seen (history and training rows) — excluded from personal lists. */
  seen: number;
  /** Items the request excluded explicitly. */
  excluded: number;
  returned: number;
}

/**
 * Why a list came back shorter than requested (empty included), in words for the response's `reason`: the
 * catalogue is empty, a category filter matched nothing, the page starts past the end, every remaining candidate
 * was already seen (or excluded), or the source has no more (popularity needs interactions, similarity a model).
 * Only called for short lists: it counts visible items, O(catalogue) — never on a full page.
 *
 * @example
 * shortListReason(catalog, { kind: 'recommend', offset: 0, seen: 1, excluded: 0, returned: 0 });
 * // 'every candidate was already seen'
 */
export function shortListReason(catalog: Catalog, q: ShortListQuery): string {
  const hidden = catalog.hiddenMask;
  let visible = 0;
  for (let i = 0; i < catalog.size; i++) if (hidden[i] !== 1) visible++;
  if (visible === 0) return 'no items in the catalogue';
  let pool = visible;
  if (q.category !== undefined) {
    const c = catalog.categoryIndex(q.category);
    pool = 0;
    if (c >= 0) for (const i of catalog.categoryMembers(c)) if (hidden[i] !== 1) pool++;
    if (pool === 0) return `filter matched no items (no visible item has category "${q.category}")`;
  }
  if (q.offset > 0 && q.offset >= pool) return `offset ${q.offset} is past the end (${pool} items qualify)`;
  const rest = q.returned === 0 ? 'every candidate' : 'every other candidate';
  if (q.kind === 'recommend' && (q.seen > 0 || q.excluded > 0))
    return q.excluded > 0 ? `${rest} was already seen or excluded` : `${rest} was already seen`;
  if (q.kind === 'popular') return 'no other item has interactions yet';
  if (q.kind === 'latest') return 'no other item has a publication time';
  if (q.kind === 'similar') return 'no other similar items';
  return q.excluded > 0 ? `${rest} was excluded` : 'no more candidates';
}
