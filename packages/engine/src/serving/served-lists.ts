import { explainItem, recencyWeight, type PipelineConfig, type RecommendResult } from 'kindred';
import { toUnitScale } from './list-scale.js';
import { shortListReason, type ShortListQuery } from './short-list.js';
import type { ListRequest, ServedItem, ServedList, ServedReason } from './serving-types.js';
import type { Snapshot } from './snapshot.js';

/** A list as the pipeline computed it, in the API's shape, with the catalogue indices of its items. */
export interface ComputedList {
  items: ServedItem[];
  indices: Int32Array;
  fallback: string | null;
}

/**
 * The pipeline's result as the API shows it ('model' named by the model, ids as strings, finite scores).
 *
 * @example
 * servedItems(recommend(snap.pipeline, { userIndex: 3, n: 10 }), snap).items[0].reason.source; // 'als'
 */
export function servedItems(r: RecommendResult, s: Snapshot): ComputedList {
  const name = s.model?.name ?? 'model';
  const src = (x: string) => (x === 'model' ? name : x);
  const items = r.items.map((it): ServedItem => {
    const reason: ServedReason = {
      source: src(it.reason.source),
      because: it.reason.because.map(String),
      sources: it.reason.sources.map(src),
    };
    if (it.reason.category !== undefined) reason.category = it.reason.category;
    return { id: String(it.id), score: finite(it.score), reason, explanation: it.explanation };
  });
  return { items, indices: Int32Array.from(r.items, (it) => it.index), fallback: r.fallback };
}

/**
 * Popular or latest items straight from the pipeline's ranked indexes, explained by the pipeline's templates, on
 * the responses' score scale (see `toUnitScale`); `skip` is an item index to leave out (-1: none).
 *
 * @example
 * rankedItems(snap, 'popular', 10, 'drama', -1).map((x) => x.id);
 */
export function rankedItems(
  s: Snapshot,
  kind: 'popular' | 'latest',
  n: number,
  category: string | undefined,
  skip: number,
): ServedItem[] {
  const { catalog, pipeline } = s;
  const c = category !== undefined ? catalog.categoryIndex(category) : -1;
  if (category !== undefined && c < 0) return [];
  const index = kind === 'popular' ? pipeline.popularity : s.latest;
  const top = index.top(c);
  const now = Date.now();
  const cfg = pipeline.config as PipelineConfig;
  const out: ServedItem[] = [];
  for (let k = 0; k < top.size && out.length < n; k++) {
    const i = top.items[k];
    if (i === skip || catalog.isHidden(i)) continue;
    let score: number;
    if (kind === 'popular') {
      score = pipeline.popularity.count(i);
      if (!(score > 0)) break; // the rest have no interactions
    } else {
      const t = catalog.timestamp(i);
      if (Number.isNaN(t)) break;
      score = recencyWeight(now - t, cfg.candidates.latest.halfLifeMs);
    }
    const reason = { item: i, score, source: kind, contribution: 1, ...(c >= 0 ? { category: c } : {}) };
    const ex = explainItem(
      { item: i, score, candidateScore: score, modelScore: NaN, reasons: [reason] },
      catalog,
      (j) => catalog.title(j),
      cfg.explanations,
      now,
    );
    const sr: ServedReason = { source: kind, because: [], sources: [kind] };
    if (ex.reason.category !== undefined) sr.category = ex.reason.category;
    out.push({ id: String(catalog.itemIds.id(i)), score: finite(score), reason: sr, explanation: ex.explanation });
  }
  // Counts relative to the top item's; recency weights are on [0, 1] already.
  return toUnitScale(out, kind === 'popular' ? (out[0]?.score ?? 0) : 1);
}

/**
 * The popular or latest list as the routes answer it (see {@link rankedItems}), with the reason when it is short.
 *
 * @example
 * rankedList(snap, 'latest', 10, undefined).items.length; // up to 10
 */
export function rankedList(
  s: Snapshot,
  kind: 'popular' | 'latest',
  n: number,
  category: string | undefined,
): ServedList {
  const out: ServedList = { items: rankedItems(s, kind, n, category, -1), model: s.info, fallback: null };
  sayWhyShort(out, s, { n, category }, kind);
  return out;
}

/**
 * Sets `list.reason` to why it is shorter than `req.n` (see `shortListReason`; only called for short lists).
 *
 * @example
 * sayWhyShort(list, snap, { n: 10 }, 'popular');
 */
export function sayWhyShort(
  list: ServedList,
  s: Snapshot,
  req: ListRequest,
  kind: ShortListQuery['kind'],
  seen = 0,
): void {
  if (list.items.length >= req.n) return;
  list.reason = shortListReason(s.catalog, {
    kind,
    category: req.category,
    offset: req.offset ?? 0,
    seen,
    excluded: req.exclude?.length ?? 0,
    returned: list.items.length,
  });
}

/** A score as JSON can carry it (non-finite scores become 0). */
export function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}
