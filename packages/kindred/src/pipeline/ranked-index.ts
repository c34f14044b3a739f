import type { Catalog, CatalogChange } from './catalog.js';
import { TopList } from './top-list.js';

/**
 * The best items by a per-item key (popularity count, publication time), globally and per category, kept current
 * as keys and categories change (TopList). Per-category lists are built on first use from the catalog's
 * category → items index and then maintained incrementally, so a request reads a ready sorted list.
 *
 * @example
 * const idx = new RankedIndex(catalog, 500);
 * idx.setKey(3, 42);
 * idx.top().items.subarray(0, idx.top().size); // best items first
 */
export class RankedIndex {
  protected keys: Float64Array;
  private global: TopList;
  private perCategory: (TopList | undefined)[] = [];

  constructor(
    readonly catalog: Catalog,
    readonly capacity: number,
  ) {
    this.keys = new Float64Array(Math.max(16, catalog.size)).fill(-Infinity);
    this.global = new TopList(capacity);
    this.unsubscribe = catalog.onChange((c) => this.onCatalogChange(c));
  }

  private readonly unsubscribe: () => void;

  /** Stops following the catalog (call when the index is dropped, so the catalog does not keep it alive). */
  detach(): void {
    this.unsubscribe();
  }

  /** The key of item `i` (-Infinity when unset). */
  key(i: number): number {
    return i < this.keys.length ? this.keys[i] : -Infinity;
  }

  /** Sets item `i`'s key and updates the lists it belongs to. */
  setKey(i: number, value: number): void {
    this.ensure(i + 1);
    const old = this.keys[i];
    this.keys[i] = value;
    const cats = this.catalog.categoriesOf(i);
    if (value >= old) {
      this.global.offer(i, this.keys);
      for (let k = 0; k < cats.length; k++) this.perCategory[cats[k]]?.offer(i, this.keys);
    } else if (value < old) {
      this.global.decreased(i, this.keys);
      for (let k = 0; k < cats.length; k++) this.perCategory[cats[k]]?.decreased(i, this.keys);
    }
  }

  /** Replaces all keys at once (length ≤ catalog size) and rebuilds lazily. */
  setAll(keys: ArrayLike<number>): void {
    this.ensure(Math.max(keys.length, this.catalog.size));
    this.keys.fill(-Infinity);
    for (let i = 0; i < keys.length; i++) this.keys[i] = keys[i];
    this.global.stale = true;
    for (const t of this.perCategory) if (t) t.stale = true;
  }

  /** The sorted list, globally (category -1) or within category `c`; read `items[0..size)`. */
  top(c = -1): TopList {
    if (c < 0) {
      if (this.global.stale) this.global.rebuild(this.keysFor(this.catalog.size), null, this.catalog.size);
      return this.global;
    }
    let t = this.perCategory[c];
    if (!t) {
      t = this.perCategory[c] = new TopList(this.capacity);
      t.stale = true;
    }
    if (t.stale) t.rebuild(this.keysFor(this.catalog.size), this.catalog.categories.rowsWith(c), this.catalog.size);
    return t;
  }

  private keysFor(n: number): Float64Array {
    this.ensure(n);
    return this.keys;
  }

  protected onCatalogChange(c: CatalogChange): void {
    if (c.kind === 'added') {
      this.ensure(c.item + 1);
      this.global.offer(c.item, this.keys);
    } else if (c.kind === 'categories') {
      const now = this.catalog.categoriesOf(c.item);
      const prev = c.previous ?? new Int32Array(0);
      for (let k = 0; k < prev.length; k++) if (now.indexOf(prev[k]) < 0) this.perCategory[prev[k]]?.remove(c.item);
      for (let k = 0; k < now.length; k++)
        if (prev.indexOf(now[k]) < 0) this.perCategory[now[k]]?.offer(c.item, this.keys);
    }
  }

  protected ensure(n: number): void {
    if (n <= this.keys.length) return;
    const k = new Float64Array(Math.max(n, this.keys.length * 2)).fill(-Infinity);
    k.set(this.keys);
    this.keys = k;
  }
}

/**
 * Interaction counts per item (global and per category), updated incrementally: `add(item)` on every event costs
 * O(list capacity), never O(items).
 *
 * @example
 * const pop = PopularityIndex.fromCounts(catalog, model.training.itemCounts);
 * pop.add(catalog.itemIds.index('i7'));   // one more interaction
 */
export class PopularityIndex extends RankedIndex {
  /** An index whose counts start at `counts` (e.g. a model's itemCounts, or counts from the event store). */
  static fromCounts(catalog: Catalog, counts: ArrayLike<number> = [], capacity = 1000): PopularityIndex {
    const p = new PopularityIndex(catalog, capacity);
    const all = new Float64Array(catalog.size);
    for (let i = 0; i < counts.length && i < all.length; i++) all[i] = counts[i];
    p.setAll(all);
    return p;
  }

  /** Adds `weight` interactions to item `i`. */
  add(i: number, weight = 1): void {
    const k = this.key(i);
    this.setKey(i, (k > -Infinity ? k : 0) + weight);
  }

  count(i: number): number {
    const k = this.key(i);
    return k > -Infinity ? k : 0;
  }

  protected override onCatalogChange(c: CatalogChange): void {
    // New items start at zero interactions so they can fill a short category list.
    if (c.kind === 'added') {
      this.ensure(c.item + 1);
      if (!(this.keys[c.item] > -Infinity)) this.keys[c.item] = 0;
    }
    super.onCatalogChange(c);
  }
}

/**
 * The newest items by catalog timestamp, globally and per category, following catalog updates.
 *
 * @example
 * const latest = new LatestIndex(catalog);
 * latest.top().items[0]; // the most recently published item
 */
export class LatestIndex extends RankedIndex {
  constructor(catalog: Catalog, capacity = 1000) {
    super(catalog, capacity);
    const n = catalog.size;
    const all = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const t = catalog.timestamp(i);
      all[i] = Number.isNaN(t) ? -Infinity : t;
    }
    this.setAll(all);
  }

  protected override onCatalogChange(c: CatalogChange): void {
    super.onCatalogChange(c);
    if (c.kind === 'timestamp') this.setKey(c.item, this.catalog.timestamp(c.item));
  }
}
