import type { Als } from 'kindred';
import type { RequestTimeModel } from './request-time-user.js';

/**
 * ALS fold-in as request-time user state (Hu, Koren & Volinsky 2008 §4; implicit's `recalculate_user`): a user with
 * feedback newer than the model, or unknown to it, gets a user vector solved from their aggregated positives
 * (`foldItems`/`foldValues`, the weights training uses) against the fixed item factors, and is scored by it.
 *
 * @example
 * const user = alsFoldIn(als).userState(history); // null when none of the user's positives is a model item
 * user?.scoreAll(scores);
 */
export function alsFoldIn(model: Als): RequestTimeModel {
  const itemCounts = model.training.itemCounts;
  return {
    kind: 'als-fold-in',
    readsSessions: false,
    userState(history) {
      const items = history.foldItems;
      let any = false;
      for (let k = 0; k < items.length; k++) if (itemCounts[items[k]] > 0) any = true;
      if (!any) return null;
      const x = model.recalculateUser(items, history.foldValues);
      return { scoreAll: (out) => model.scoreVector(x, 0, out) };
    },
  };
}
