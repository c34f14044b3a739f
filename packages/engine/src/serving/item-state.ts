import type { Catalog, CatalogItem, Pipeline } from 'kindred';
import type { FeedbackRecord, ItemRecord } from '../storage/port.js';
import { toCatalogItem } from './snapshot.js';

/** The parts of the serving snapshot that catalogue changes and new feedback update in place. */
type LiveSnapshot = { readonly catalog: Catalog; readonly pipeline: Pipeline };

/**
 * The serving thread's copy of the store's catalogue and of the popularity counts, kept across model swaps (each
 * snapshot is built from them), and the stamp that every catalogue change bumps. Changes are applied to the active
 * snapshot at once as well, so requests see them before the next model swap.
 *
 * @example
 * const state = new ItemState(new Set(['like']), false);
 * const byUser = state.applyFeedback(rows, snapshot); // new items created, popularity counted
 */
export class ItemState {
  /** Item descriptions by id (the store's catalogue), to rebuild a catalogue aligned with each new model. */
  items = new Map<string, CatalogItem>();
  /** Interaction counts (events with a positive weight) by item id, kept across model swaps. */
  counts = new Map<string, number>();
  /** Bumped by every catalogue change: a short cached list may be missing items added since. */
  stamp = 0;

  constructor(
    /** Feedback types that count for popularity (a positive weight, not seen-only). */
    readonly positiveTypes: ReadonlySet<string>,
    /** Whether a pipeline rule reads item labels (else the catalogue skips them). */
    readonly useLabels: boolean,
  ) {}

  /** The store's items as catalogue items by id (what {@link items} holds after a reload). */
  catalogItems(records: readonly ItemRecord[]): Map<string, CatalogItem> {
    const map = new Map<string, CatalogItem>();
    for (const it of records) map.set(it.id, toCatalogItem(it, this.useLabels));
    return map;
  }

  /**
   * New feedback's share of the catalogue: items the store created for it, and popularity. A batch is folded per
   * distinct item (one popularity update with the batch's count); returns the batch's rows by user, in order.
   */
  applyFeedback(rows: readonly FeedbackRecord[], s: LiveSnapshot): Map<string, FeedbackRecord[]> {
    const positives = new Map<string, number>();
    const byUser = new Map<string, FeedbackRecord[]>();
    for (const r of rows) {
      if (!this.items.has(r.itemId)) {
        // Created by the store on this feedback (feedback.autoCreateItems): no categories, published now.
        const it: CatalogItem = { id: r.itemId, categories: [], labels: {}, timestamp: Date.now(), hidden: false };
        this.stamp++;
        this.items.set(r.itemId, it);
        s.catalog.upsert(it);
      }
      if (this.positiveTypes.has(r.type)) positives.set(r.itemId, (positives.get(r.itemId) ?? 0) + 1);
      let list = byUser.get(r.userId);
      if (!list) byUser.set(r.userId, (list = []));
      list.push(r);
    }
    for (const [itemId, k] of positives) {
      this.counts.set(itemId, (this.counts.get(itemId) ?? 0) + k);
      const i = s.catalog.itemIds.get(itemId);
      if (i >= 0) s.pipeline.recordInteraction(i, k);
    }
    return byUser;
  }

  /** Items created or replaced in the store. */
  upsert(records: readonly ItemRecord[], s: LiveSnapshot): void {
    this.stamp++;
    for (const rec of records) {
      const it = toCatalogItem(rec, this.useLabels);
      this.items.set(rec.id, it);
      s.catalog.upsert(it);
    }
  }

  /** An item deleted from the store. */
  remove(id: string, s: LiveSnapshot): void {
    this.stamp++;
    this.items.delete(id);
    // All its events went with it: its popularity is zero now (not just hidden), also if the id is created again.
    this.counts.delete(id);
    const i = s.catalog.itemIds.get(id);
    if (i >= 0) {
      s.pipeline.recordInteraction(i, -s.pipeline.popularity.count(i));
      s.catalog.hide(id);
    }
  }
}
