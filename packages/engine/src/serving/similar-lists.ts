import { NotSupportedError, type Recommender } from 'kindred';
import { toUnitScale } from './list-scale.js';
import { finite, rankedItems, sayWhyShort } from './served-lists.js';
import type { ServedItem, ServedList, SimilarUsers } from './serving-types.js';
import type { Snapshot } from './snapshot.js';

/**
 * Items similar to `itemId` (which the catalogue has): the model's item neighbours (cosine of factors, or the kNN
 * similarity), else — no model, or an item the model has not seen — popular items of the item's first category
 * (`fallback: 'popular'`).
 *
 * @example
 * similarItemsList(snap, 'i1', 10).items.map((x) => x.id);
 */
export function similarItemsList(s: Snapshot, itemId: string, n: number): ServedList {
  const { catalog, model } = s;
  const i = catalog.itemIds.get(itemId);
  const title = catalog.title(i);
  if (model && s.neighbours && i < model.training.nItems && model.knownItem(i)) {
    const nb = s.neighbours(i, n + 32);
    const items: ServedItem[] = [];
    for (let k = 0; k < nb.indices.length && items.length < n; k++) {
      const j = nb.indices[k];
      if (j === i || catalog.isHidden(j)) continue;
      items.push({
        id: String(catalog.itemIds.id(j)),
        score: finite(nb.scores[k]),
        reason: { source: model.name, because: [itemId], sources: [model.name] },
        explanation: `Similar to ${title}`,
      });
    }
    // Similarity relative to the most similar item (cosine and kNN weights have different ranges).
    const out: ServedList = { items: toUnitScale(items, items[0]?.score ?? 0), model: s.info, fallback: null };
    sayWhyShort(out, s, { n }, 'similar');
    return out;
  }
  const cats = catalog.categoriesOf(i);
  const category = cats.length ? catalog.categoryName(cats[0]) : undefined;
  const out: ServedList = { items: rankedItems(s, 'popular', n, category, i), model: s.info, fallback: 'popular' };
  sayWhyShort(out, s, { n, category }, 'popular');
  return out;
}

/**
 * Users most similar to `userId` by the model's user vectors, leaving out users deleted since it was trained; null
 * when the model does not know the user. Throws NotSupportedError (400) when no model is loaded or it has no user
 * vectors.
 *
 * @example
 * similarUsersList(snap, 'u1', 5, deletedUsers)?.users; // [{ id: 'u7', score: 0.93 }, ...]
 */
export function similarUsersList(
  s: Snapshot,
  userId: string,
  n: number,
  deletedUsers: ReadonlySet<string>,
): SimilarUsers | null {
  const { model, info } = s;
  if (!model || !info) throw new NotSupportedError('similar users need a trained model; none is active');
  const m = model as Recommender & {
    similarUsers?: (u: string, k: number) => { ids: unknown[]; scores: Float32Array };
  };
  if (typeof m.similarUsers !== 'function')
    throw new NotSupportedError(`the active model (${model.name}) has no user vectors; similar users need e.g. als`);
  if (deletedUsers.has(userId)) return null;
  const u = model.training.userIds.get(userId);
  if (u < 0 || !model.knownUser(u)) return null;
  const r = m.similarUsers(userId, n + Math.min(deletedUsers.size, 100));
  const users: { id: string; score: number }[] = [];
  for (let k = 0; k < r.ids.length && users.length < n; k++) {
    const id = String(r.ids[k]);
    if (!deletedUsers.has(id)) users.push({ id, score: finite(r.scores[k]) });
  }
  return { users, model: info };
}
