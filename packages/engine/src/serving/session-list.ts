import { recommend, sessionRecommend, type RecommendResult } from 'kindred';
import type { FeedbackRecord } from '../storage/port.js';
import { sayWhyShort, servedItems } from './served-lists.js';
import type { ListRequest, ServedList, SessionEvent } from './serving-types.js';
import type { Snapshot } from './snapshot.js';
import { indexHistory, summarizeHistory, type FeedbackTypes } from './user-history.js';

/**
 * Recommendations for an anonymous visitor from this session's events only. When the active model scores histories
 * (a HistoryScorer: sequential models, autoencoders), the session's positive events — by timestamp, ties in the
 * order given — are the history it scores, and the request runs like that of a user unknown to the model with these
 * events (model candidates "Because you recently viewed X", beside popular, latest and category ones). Otherwise, or
 * when no session item is known to the model, kindred's `sessionRecommend`: item-to-item from the session's
 * positives blended with popular items; cold-start fallback without positives. Events on items the catalogue does
 * not know are ignored.
 *
 * @example
 * sessionList(snap, [{ itemId: 'i1', type: 'like' }], { n: 5 }, config.feedback.types, verbOf);
 */
export function sessionList(
  s: Snapshot,
  events: readonly SessionEvent[],
  req: ListRequest,
  types: FeedbackTypes,
  verbOf: (type: string) => string,
): ServedList {
  const now = Date.now();
  const rows: FeedbackRecord[] = events.map((e) => ({
    userId: '',
    itemId: e.itemId,
    type: e.type,
    value: e.value ?? 1,
    timestamp: e.timestamp ?? now,
  }));
  // Stable: events with equal (or no) timestamps keep the order they were given in.
  rows.sort((a, b) => a.timestamp - b.timestamp);
  const history = indexHistory(summarizeHistory(rows, types), s.catalog, 0, undefined, verbOf);
  const page = { n: req.n, offset: req.offset ?? 0, category: req.category, exclude: req.exclude, now };
  const rt = s.requestTime;
  const user = rt?.model.readsSessions ? rt.model.userState(history) : null;
  let r: RecommendResult;
  if (rt && user) {
    rt.user = user;
    try {
      r = recommend(s.pipeline, { ...page, userIndex: -1, context: history.context });
    } finally {
      rt.user = null;
    }
  } else r = sessionRecommend(s.pipeline, history.context, page);
  const out: ServedList = { items: servedItems(r, s).items, model: s.info, fallback: r.fallback };
  sayWhyShort(out, s, req, 'recommend', history.context.seen?.length ?? 0);
  return out;
}
