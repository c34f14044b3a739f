import { InvalidParameterError } from '../errors.js';
import { IdMap, type RawId } from '../data/id-map.js';
import { TagSets } from './tag-sets.js';

/** One item as the application describes it. Missing fields keep their previous value on upsert. */
export interface CatalogItem {
  id: RawId;
  /** Category names, e.g. ['Comedy', 'Drama']. */
  categories?: readonly string[];
  /** Labels as key → value, e.g. {brand: 'acme'}; rules match them as 'brand=acme'. */
  labels?: Readonly<Record<string, string>>;
  /** When the item was published, in ms since the epoch. */
  timestamp?: number;
  hidden?: boolean;
  title?: string;
}

/** What changed about an item; `previous` holds its categories before a category change. */
export interface CatalogChange {
  item: number;
  kind: 'added' | 'categories' | 'timestamp' | 'hidden';
  previous?: Int32Array;
}

/**
 * The items the pipeline can recommend, aligned with an IdMap (item index = the model's item index for items the
 * model was trained on; new items get the next indices). Per item: categories and labels (CSR + overlay, see
 * TagSets), a publication timestamp (ms, NaN when unknown), a hidden flag and an optional title. Updates are
 * incremental: `upsert`, `hide` and `addCategory` touch only the item and notify listeners (the popularity and
 * freshness indexes) so nothing is rebuilt.
 *
 * @example
 * const catalog = Catalog.alignedWith(model.training.itemIds);
 * catalog.upsert({ id: 'i1', categories: ['Comedy'], timestamp: Date.parse('2024-05-01'), title: 'Heat' });
 * catalog.hide('i7');
 */
export class Catalog {
  readonly itemIds: IdMap;
  readonly categories = new TagSets();
  /** Labels interned as 'key=value' strings. */
  readonly labels = new TagSets();
  private ts: Float64Array;
  private hiddenFlags: Uint8Array;
  private titles = new Map<number, string>();
  private listeners: ((c: CatalogChange) => void)[] = [];
  private nTimestamped = 0;
  /** Items of each category, ascending, built on first use and dropped when that category's membership changes. */
  private readonly members = new Map<number, Int32Array>();

  /** A catalog over `itemIds` (shared, not copied: use `alignedWith` to copy a model's map). */
  constructor(itemIds: IdMap = new IdMap()) {
    this.itemIds = itemIds;
    const cap = Math.max(16, itemIds.size);
    this.ts = new Float64Array(cap).fill(NaN);
    this.hiddenFlags = new Uint8Array(cap);
  }

  /**
   * A catalog whose indices match a model's item indices; the map is copied so that items added later do not
   * change the model's own map.
   */
  static alignedWith(itemIds: IdMap): Catalog {
    return new Catalog(itemIds.clone());
  }

  /** Builds a catalog from item descriptions (over `itemIds` when given, copied). */
  static fromItems(items: Iterable<CatalogItem>, itemIds?: IdMap): Catalog {
    const c = itemIds ? Catalog.alignedWith(itemIds) : new Catalog();
    for (const it of items) c.upsert(it);
    return c;
  }

  /** Number of item indices (including items never described, which have no categories and no timestamp). */
  get size(): number {
    return this.itemIds.size;
  }

  /** Number of items with a timestamp. */
  get timestampedCount(): number {
    return this.nTimestamped;
  }

  /** Adds or updates an item; returns its index. */
  upsert(item: CatalogItem): number {
    const isNew = !this.itemIds.has(item.id);
    const i = this.itemIds.add(item.id);
    this.ensure(i + 1);
    if (isNew) this.emit({ item: i, kind: 'added' });
    if (item.title !== undefined) this.titles.set(i, item.title);
    if (item.labels !== undefined) {
      const tags = Object.entries(item.labels).map(([k, v]) => this.labels.intern(`${k}=${v}`));
      this.labels.set(i, tags);
    }
    if (item.categories !== undefined) this.setCategories(i, item.categories);
    if (item.timestamp !== undefined) this.setTimestamp(i, item.timestamp);
    if (item.hidden !== undefined) this.setHidden(i, item.hidden);
    return i;
  }

  /** Hides (or shows again) an item by raw id; hidden items are never recommended. */
  hide(id: RawId, hidden = true): void {
    this.setHidden(this.itemIds.index(id, 'item'), hidden);
  }

  /** Adds a category to an item by index. */
  addCategory(i: number, name: string): void {
    this.checkIndex(i);
    const prev = this.categories.get(i).slice();
    const c = this.categories.intern(name);
    if (this.categories.has(i, c)) return;
    this.categories.add(i, c);
    this.members.delete(c);
    this.emit({ item: i, kind: 'categories', previous: prev });
  }

  /** Replaces an item's categories. */
  setCategories(i: number, names: readonly string[]): void {
    this.checkIndex(i);
    const prev = this.categories.get(i).slice();
    const next = names.map((n) => this.categories.intern(n));
    this.categories.set(i, next);
    if (this.members.size > 0) for (const c of [...prev, ...next]) this.members.delete(c);
    this.emit({ item: i, kind: 'categories', previous: prev });
  }

  /**
   * The items of category `c` (an index from {@link categoryIndex}), ascending; hidden ones included. A request
   * filtered by category ranks only these instead of testing every item of the catalogue.
   *
   * @example
   * catalog.categoryMembers(catalog.categoryIndex('Comedy')); // Int32Array [0, 4, 9]
   */
  categoryMembers(c: number): Int32Array {
    let m = this.members.get(c);
    if (m === undefined) {
      // The inverse list is unordered; ascending order keeps a ranking's ties (lower index first) as a full scan has them.
      m = Int32Array.from(this.categories.rowsWith(c)).sort();
      this.members.set(c, m);
    }
    return m;
  }

  setTimestamp(i: number, ms: number): void {
    this.checkIndex(i);
    if (!Number.isFinite(ms)) throw new InvalidParameterError(`catalog: timestamp of item ${i} must be finite`);
    if (Number.isNaN(this.ts[i])) this.nTimestamped++;
    this.ts[i] = ms;
    this.emit({ item: i, kind: 'timestamp' });
  }

  setHidden(i: number, hidden: boolean): void {
    this.checkIndex(i);
    this.hiddenFlags[i] = hidden ? 1 : 0;
    this.emit({ item: i, kind: 'hidden' });
  }

  /** Publication time in ms, NaN when unknown. */
  timestamp(i: number): number {
    return i < this.ts.length ? this.ts[i] : NaN;
  }

  isHidden(i: number): boolean {
    return this.hiddenFlags[i] === 1;
  }

  /** The hidden flags (length ≥ size; a live view for hot loops). */
  get hiddenMask(): Uint8Array {
    return this.hiddenFlags;
  }

  /** Timestamps (length ≥ size, NaN when unknown; a live view for hot loops). */
  get timestamps(): Float64Array {
    return this.ts;
  }

  /** The item's title when one was given, else its raw id as a string. */
  title(i: number): string {
    return this.titles.get(i) ?? String(this.itemIds.id(i));
  }

  /** Category indices of item `i` (a view, sorted). */
  categoriesOf(i: number): Int32Array {
    return this.categories.get(i);
  }

  /** Index of a category name, or -1. */
  categoryIndex(name: string): number {
    return this.categories.find(name);
  }

  categoryName(c: number): string {
    return this.categories.name(c);
  }

  /** Index of a label 'key=value', or -1. */
  labelIndex(keyValue: string): number {
    return this.labels.find(keyValue);
  }

  /** Calls `fn` after every change (used by the popularity and freshness indexes); returns the unsubscribe. */
  onChange(fn: (c: CatalogChange) => void): () => void {
    this.listeners.push(fn);
    return () => {
      const at = this.listeners.indexOf(fn);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  private emit(c: CatalogChange): void {
    for (const fn of this.listeners) fn(c);
  }

  private checkIndex(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.itemIds.size)
      throw new InvalidParameterError(`catalog: item index ${i} out of range 0..${this.itemIds.size - 1}`);
    this.ensure(i + 1);
  }

  /** Grows the per-item arrays (doubling) to hold `n` items. */
  private ensure(n: number): void {
    if (n <= this.ts.length) return;
    const cap = Math.max(n, this.ts.length * 2);
    const ts = new Float64Array(cap).fill(NaN);
    ts.set(this.ts);
    const h = new Uint8Array(cap);
    h.set(this.hiddenFlags);
    this.ts = ts;
    this.hiddenFlags = h;
  }
}
