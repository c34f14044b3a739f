import type { Catalog } from 'kindred';
import type { ServedItem, ServedReason } from './service.js';

/** A reason and its explanation as served; items share them (most lists repeat a few dozen of these). */
export interface SharedReason {
  reason: ServedReason;
  explanation: string;
}

/** Fallback codes of a precomputed list. */
const FALLBACKS = [null, 'popular', 'latest'] as const;
export type FallbackCode = 0 | 1 | 2;
export function fallbackCode(f: string | null): FallbackCode {
  return f === 'popular' ? 1 : f === 'latest' ? 2 : 0;
}

/**
 * A batch of users' lists as a precompute worker sends it: typed columns (no per-item objects cross the thread),
 * item indices in the worker's catalogue and reason ids in the worker's reason table, whose new entries ride along.
 */
export interface ListChunk {
  users: string[];
  /** Items per user. */
  lengths: Uint8Array;
  fallbacks: Uint8Array;
  items: Int32Array;
  scores: Float64Array;
  reasons: Int32Array;
  /** Reasons first used in this chunk: they get the next ids of the worker's table, in order. */
  newReasons: SharedReason[];
}

/**
 * Every active user's default list (the first `listSize` items of an unfiltered request) for one serving snapshot,
 * in flat typed arrays: 100k users × 50 items take ~80 MB, where the same lists as objects would take gigabytes.
 * Serving one is a lookup and the construction of the requested page. Lists go stale item by item (a hidden or
 * deleted item voids a list) and user by user (new feedback or deletion drops the user), never silently: every
 * item of the page is checked in the serving catalogue (by id when a model swap brought a newer one), the catalogue
 * stamp and the drops on every read. Responses from the lists name the model that computed them.
 *
 * @example
 * const lists = new PrecomputedLists(50, itemStamp, 100_000, snapshot.catalog, snapshot.info);
 * lists.add(chunk, remap, reasonIds);
 * lists.page('u1', catalog, 0, 10, itemStamp); // { items, fallback } or null: compute on demand
 */
export class PrecomputedLists {
  private readonly slotOf = new Map<string, number>();
  private capacity: number;
  private used = 0;
  private items: Int32Array;
  private scores: Float64Array;
  private reasons: Int32Array;
  private lengths: Uint8Array;
  private fallbacks: Uint8Array;
  private readonly table: SharedReason[] = [];
  /** JSON of each table entry as `"reason":{…},"explanation":"…"`, made on first use. */
  private readonly tableJson: string[] = [];
  /** JSON of each item id (by this snapshot's catalogue index), made on first use. */
  private readonly idJson: string[] = [];

  /** Whether the run that filled these lists reached every user it meant to. */
  complete = false;
  /** `JSON.stringify(model)`, for pre-serialized responses. */
  readonly modelJson: string;

  constructor(
    readonly listSize: number,
    /** The catalogue stamp when the computation started: a short list is complete only while it holds. */
    readonly stamp: number,
    expectedUsers: number,
    /** That snapshot's catalogue: the item indices stored here are its indices. */
    readonly home: Catalog,
    /** The model that computed the lists (what a response served from them names). */
    readonly model: { name: string; version: number } | null,
  ) {
    this.modelJson = JSON.stringify(model);
    this.capacity = Math.max(16, expectedUsers);
    this.items = new Int32Array(this.capacity * listSize);
    this.scores = new Float64Array(this.capacity * listSize);
    this.reasons = new Int32Array(this.capacity * listSize);
    this.lengths = new Uint8Array(this.capacity);
    this.fallbacks = new Uint8Array(this.capacity);
  }

  /** Users with a list. */
  get size(): number {
    return this.slotOf.size;
  }

  /** Appends shared reasons to this store's table; returns their ids here (the worker's ids map through it). */
  addReasons(reasons: readonly SharedReason[]): number[] {
    return reasons.map((r) => this.table.push(r) - 1);
  }

  /**
   * Stores a chunk: `remap[i]` is this snapshot's catalogue index for the worker's item i (-1: unknown here, which
   * voids that user's list), `reasonIds[r]` this store's id for the worker's reason r. Users in `skip` (feedback or
   * deletion since the computation started) are left out.
   */
  add(chunk: ListChunk, remap: Int32Array, reasonIds: ArrayLike<number>, skip: ReadonlySet<string>): void {
    const L = this.listSize;
    let at = 0;
    for (let u = 0; u < chunk.users.length; u++) {
      const len = chunk.lengths[u];
      const from = at;
      at += len;
      const id = chunk.users[u];
      if (skip.has(id) || len > L) continue;
      let ok = true;
      for (let k = from; k < at; k++) if (chunk.items[k] >= remap.length || remap[chunk.items[k]] < 0) ok = false;
      if (!ok) continue;
      let slot = this.slotOf.get(id);
      if (slot === undefined) {
        if (this.used === this.capacity) this.grow();
        slot = this.used++;
        this.slotOf.set(id, slot);
      }
      const base = slot * L;
      for (let k = 0; k < len; k++) {
        this.items[base + k] = remap[chunk.items[from + k]];
        this.scores[base + k] = chunk.scores[from + k];
        this.reasons[base + k] = reasonIds[chunk.reasons[from + k]];
      }
      this.lengths[slot] = len;
      this.fallbacks[slot] = chunk.fallbacks[u];
    }
  }

  /** Forgets a user's list (their feedback changed, or they were deleted). */
  drop(userId: string): void {
    this.slotOf.delete(userId);
  }

  /**
   * Items [offset, end) of the user's list, or null when it cannot answer: no list, an item of the page or before
   * it hidden or deleted since, a short list while the catalogue changed (new items could belong in it), or a list
   * shorter than `end`.
   * `catalog` is the serving snapshot's catalogue now: after a model swap it is a newer one than {@link home}, and
   * items are checked in it by id.
   */
  page(
    userId: string,
    catalog: Catalog,
    offset: number,
    end: number,
    stamp: number,
  ): { items: ServedItem[]; fallback: string | null } | null {
    const slot = this.servable(userId, catalog, end, stamp);
    if (slot < 0) return null;
    const base = slot * this.listSize;
    const stop = Math.min(end, this.lengths[slot]);
    const items: ServedItem[] = [];
    for (let k = offset; k < stop; k++) {
      const r = this.table[this.reasons[base + k]];
      items.push({
        id: String(this.home.itemIds.id(this.items[base + k])),
        score: this.scores[base + k],
        reason: r.reason,
        explanation: r.explanation,
      });
    }
    return { items, fallback: FALLBACKS[this.fallbacks[slot]] };
  }

  /** The user's slot if their list can answer a page ending at `end` (see {@link page}), else -1. */
  private servable(userId: string, catalog: Catalog, end: number, stamp: number): number {
    const slot = this.slotOf.get(userId);
    if (slot === undefined) return -1;
    const len = this.lengths[slot];
    if (len < this.listSize && stamp !== this.stamp) return -1;
    // A page the list cannot fill goes to the on-demand path, which says why it is short (`reason`).
    if (len < end) return -1;
    const base = slot * this.listSize;
    const stop = Math.min(end, len);
    for (let k = 0; k < stop; k++) if (!this.live(this.items[base + k], catalog)) return -1;
    return slot;
  }

  /** Whether item `i` of the home catalogue is in `catalog` now and not hidden there. */
  private live(i: number, catalog: Catalog): boolean {
    if (catalog === this.home) return !catalog.isHidden(i);
    const j = catalog.itemIds.get(this.home.itemIds.id(i));
    return j >= 0 && !catalog.isHidden(j);
  }

  /**
   * The same page as {@link page}, already serialized: the JSON array of its items, keys in the order of the API's
   * response schema. Id and reason fragments are serialized once per lists object, so a request costs one string
   * concatenation per item instead of a serializer walk over objects. Null exactly when `page` is.
   */
  pageJson(userId: string, catalog: Catalog, offset: number, end: number, stamp: number): string | null {
    const slot = this.servable(userId, catalog, end, stamp);
    if (slot < 0) return null;
    const base = slot * this.listSize;
    const stop = Math.min(end, this.lengths[slot]);
    let out = '[';
    for (let k = offset; k < stop; k++) {
      const item = this.items[base + k];
      const r = this.reasons[base + k];
      const id = (this.idJson[item] ??= JSON.stringify(String(this.home.itemIds.id(item))));
      const reason = (this.tableJson[r] ??= reasonJson(this.table[r]));
      // Scores are finite (the pipeline drops the rest): '' + x is JSON.stringify(x) for them.
      out += `${k === offset ? '' : ','}{"id":${id},"score":${this.scores[base + k]},${reason}}`;
    }
    return out + ']';
  }

  /** The fallback of the user's list (meaningful when {@link pageJson} answered). */
  fallbackOf(userId: string): string | null {
    const slot = this.slotOf.get(userId);
    return slot === undefined ? null : FALLBACKS[this.fallbacks[slot]];
  }

  private grow(): void {
    const L = this.listSize;
    this.capacity *= 2;
    const g = <T extends Int32Array | Float64Array | Uint8Array>(a: T, n: number): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.items = g(this.items, this.capacity * L);
    this.scores = g(this.scores, this.capacity * L);
    this.reasons = g(this.reasons, this.capacity * L);
    this.lengths = g(this.lengths, this.capacity);
    this.fallbacks = g(this.fallbacks, this.capacity);
  }
}

/** `"reason":{…},"explanation":"…"` with the keys in the response schema's order (source, because, category, sources). */
function reasonJson(r: SharedReason): string {
  const { source, because, category, sources } = r.reason;
  const reason = category === undefined ? { source, because, sources } : { source, because, category, sources };
  return `"reason":${JSON.stringify(reason)},"explanation":${JSON.stringify(r.explanation)}`;
}

/**
 * Builds list chunks on the computing side: interns each (reason, explanation) once and writes items as columns.
 *
 * @example
 * const enc = new ListEncoder();
 * enc.push('u1', served.items, served.indices, served.fallback);
 * port.postMessage(enc.flush());
 */
export class ListEncoder {
  private readonly ids = new Map<string, number>();
  private users: string[] = [];
  private lengths: number[] = [];
  private fallbacks: number[] = [];
  private items: number[] = [];
  private scores: number[] = [];
  private reasons: number[] = [];
  private newReasons: SharedReason[] = [];

  get pending(): number {
    return this.users.length;
  }

  push(userId: string, items: readonly ServedItem[], indices: Int32Array, fallback: string | null): void {
    this.users.push(userId);
    this.lengths.push(items.length);
    this.fallbacks.push(fallbackCode(fallback));
    for (let k = 0; k < items.length; k++) {
      const it = items[k];
      const key = JSON.stringify([it.reason, it.explanation]);
      let r = this.ids.get(key);
      if (r === undefined) {
        r = this.ids.size;
        this.ids.set(key, r);
        this.newReasons.push({ reason: it.reason, explanation: it.explanation });
      }
      this.items.push(indices[k]);
      this.scores.push(it.score);
      this.reasons.push(r);
    }
  }

  /** The pending users as one chunk (then empty). */
  flush(): ListChunk {
    const chunk: ListChunk = {
      users: this.users,
      lengths: Uint8Array.from(this.lengths),
      fallbacks: Uint8Array.from(this.fallbacks),
      items: Int32Array.from(this.items),
      scores: Float64Array.from(this.scores),
      reasons: Int32Array.from(this.reasons),
      newReasons: this.newReasons,
    };
    this.users = [];
    this.lengths = [];
    this.fallbacks = [];
    this.items = [];
    this.scores = [];
    this.reasons = [];
    this.newReasons = [];
    return chunk;
  }
}
