import { topK } from '../math/top-k.js';

/**
 * The `capacity` best items by an external key array (higher key first, lower index on ties), kept sorted and
 * maintained incrementally: when an item's key grows, `offer` moves or inserts it in O(capacity) with no
 * allocation. The list stays exact while keys only grow (an outside item can only enter by beating the last one);
 * a key decrease or a removal from a full list marks it `stale`, and its owner rebuilds it from the universe.
 *
 * @example
 * const keys = new Float64Array([3, 1, 2]);
 * const t = new TopList(2);
 * t.rebuild(keys, null, 3);  // items [0, 2]
 * keys[1] = 5; t.offer(1, keys); // items [1, 0]
 */
export class TopList {
  readonly items: Int32Array;
  size = 0;
  stale = false;
  /** Membership, so an item outside the list that cannot enter costs O(1) (the long tail of events). */
  private readonly members = new Set<number>();

  constructor(readonly capacity: number) {
    this.items = new Int32Array(capacity);
  }

  /** Item `i`'s key grew (or `i` is new): insert or move it up. */
  offer(i: number, keys: Float64Array): void {
    const k = keys[i];
    if (!(k > -Infinity)) return;
    const items = this.items;
    let pos: number;
    if (!this.members.has(i)) {
      if (this.size < this.capacity) pos = this.size++;
      else if (this.capacity > 0 && better(keys, i, items[this.size - 1])) {
        pos = this.size - 1;
        this.members.delete(items[pos]);
      } else return;
      items[pos] = i;
      this.members.add(i);
    } else pos = this.indexOf(i);
    while (pos > 0 && better(keys, i, items[pos - 1])) {
      items[pos] = items[pos - 1];
      items[--pos] = i;
    }
  }

  /** Item `i`'s key shrank: move it down; a full list may now miss a better outsider, so it becomes stale. */
  decreased(i: number, keys: Float64Array): void {
    if (!this.members.has(i)) return;
    let pos = this.indexOf(i);
    if (pos < 0) return;
    const items = this.items;
    while (pos + 1 < this.size && better(keys, items[pos + 1], i)) {
      items[pos] = items[pos + 1];
      items[++pos] = i;
    }
    if (this.size === this.capacity) this.stale = true;
  }

  /** Drops item `i` (it left the universe, e.g. lost the category). */
  remove(i: number): void {
    const pos = this.indexOf(i);
    if (pos < 0) return;
    this.members.delete(i);
    const full = this.size === this.capacity;
    this.items.copyWithin(pos, pos + 1, this.size);
    this.size--;
    if (full) this.stale = true;
  }

  /** Recomputes from scratch over `universe` (item indices) or, when null, items 0..n-1: O(U log capacity). */
  rebuild(keys: Float64Array, universe: ArrayLike<number> | null, n: number): void {
    const top = topK(universe ? keys : keys.subarray(0, n), this.capacity, null, universe);
    this.items.set(top.indices);
    this.size = top.indices.length;
    this.members.clear();
    for (let p = 0; p < this.size; p++) this.members.add(this.items[p]);
    this.stale = false;
  }

  /** Position of `i` in the list, -1 when absent (popular items sit near the front, so the scan is short). */
  indexOf(i: number): number {
    if (!this.members.has(i)) return -1;
    const items = this.items;
    for (let p = 0; p < this.size; p++) if (items[p] === i) return p;
    return -1;
  }
}

function better(keys: Float64Array, a: number, b: number): boolean {
  return keys[a] > keys[b] || (keys[a] === keys[b] && a < b);
}
