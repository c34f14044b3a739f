/**
 * A bounded map for id↔key translations: when full, the oldest entry goes (a Map iterates in insertion order, so
 * eviction is O(1) and needs no bookkeeping). First-in-first-out rather than LRU: a lookup costs one `Map.get`, and
 * a miss only costs one indexed SQLite read, so the cache need not be clever, only bounded.
 *
 * @example
 * const keys = new KeyCache<string, number>(2);
 * keys.set('a', 1); keys.set('b', 2); keys.set('c', 3);
 * keys.get('a'); // undefined (evicted)
 */
export class KeyCache<K, V> {
  private readonly map = new Map<K, V>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  set(key: K, value: V): void {
    if (this.capacity <= 0) return;
    if (!this.map.has(key) && this.map.size >= this.capacity) this.map.delete(this.map.keys().next().value as K);
    this.map.set(key, value);
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }
}
