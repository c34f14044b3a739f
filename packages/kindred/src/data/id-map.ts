import { UnknownIdError } from '../errors.js';

/** A raw id as it appears in the user's data: MovieLens uses numbers, most apps strings. */
export type RawId = string | number;

/**
 * Translates raw ids to dense indices 0..size-1 and back (convention 4: raw ids only at the edges; models see
 * Int32Array indices). Numbers and strings are distinct keys: `1` and `"1"` are different ids.
 *
 * @example
 * const users = new IdMap();
 * users.add('alice'); // 0
 * users.add('bob');   // 1
 * users.index('bob'); // 1
 * users.id(0);        // 'alice'
 */
export class IdMap {
  private readonly toIndex = new Map<RawId, number>();
  private readonly toId: RawId[] = [];

  /** Builds a map from ids in order; duplicates keep their first index. */
  static from(ids: Iterable<RawId>): IdMap {
    const m = new IdMap();
    for (const id of ids) m.add(id);
    return m;
  }

  get size(): number {
    return this.toId.length;
  }

  /** Index of `id`, adding it when new. */
  add(id: RawId): number {
    let idx = this.toIndex.get(id);
    if (idx === undefined) {
      idx = this.toId.length;
      this.toIndex.set(id, idx);
      this.toId.push(id);
    }
    return idx;
  }

  /** Index of `id`, or -1 when unknown. */
  get(id: RawId): number {
    return this.toIndex.get(id) ?? -1;
  }

  has(id: RawId): boolean {
    return this.toIndex.has(id);
  }

  /** Index of `id`; throws UnknownIdError when unknown. */
  index(id: RawId, kind: 'user' | 'item' = 'item'): number {
    const idx = this.toIndex.get(id);
    if (idx === undefined) throw new UnknownIdError(kind, id);
    return idx;
  }

  /** Raw id at `index`. */
  id(index: number): RawId {
    if (index < 0 || index >= this.toId.length) throw new RangeError(`index ${index} out of range 0..${this.size - 1}`);
    return this.toId[index];
  }

  /** All raw ids in index order (a copy). */
  ids(): RawId[] {
    return this.toId.slice();
  }

  clone(): IdMap {
    return IdMap.from(this.toId);
  }

  toJSON(): RawId[] {
    return this.toId;
  }
}
