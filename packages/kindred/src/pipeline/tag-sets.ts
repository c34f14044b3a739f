const EMPTY = new Int32Array(0);

/**
 * Per-row sets of small integer tags (an item's categories or labels) with their names, stored as CSR plus an
 * overlay of changed rows, and the inverse (tag → rows) kept up to date incrementally. Changing one row costs
 * O(its tags + rows of those tags), not a rebuild; the overlay is folded back into the CSR when it grows past an
 * eighth of the rows, so reads stay a subarray view.
 *
 * @example
 * const t = new TagSets();
 * t.set(0, [t.intern('Comedy'), t.intern('Drama')]);
 * t.get(0);            // Int32Array [0, 1]
 * t.rowsWith(1);       // [0]
 */
export class TagSets {
  private names: string[] = [];
  private byName = new Map<string, number>();
  private indptr = new Int32Array(1);
  private indices = EMPTY;
  private overlay = new Map<number, Int32Array>();
  /** Inverse lists: the rows holding each tag, in no particular order. */
  private inverse: number[][] = [];

  /** Number of distinct tags. */
  get size(): number {
    return this.names.length;
  }

  /** Index of tag `name`, adding it when new. */
  intern(name: string): number {
    let t = this.byName.get(name);
    if (t === undefined) {
      t = this.names.length;
      this.byName.set(name, t);
      this.names.push(name);
      this.inverse.push([]);
    }
    return t;
  }

  /** Index of tag `name`, or -1. */
  find(name: string): number {
    return this.byName.get(name) ?? -1;
  }

  name(t: number): string {
    return this.names[t];
  }

  /** Tags of `row` (a view: do not modify), sorted ascending. */
  get(row: number): Int32Array {
    const o = this.overlay.get(row);
    if (o) return o;
    if (row < 0 || row + 1 >= this.indptr.length) return EMPTY;
    return this.indices.subarray(this.indptr[row], this.indptr[row + 1]);
  }

  /** True when `row` has tag `t` (binary search on the sorted set, no allocation). */
  has(row: number, t: number): boolean {
    this.locate(row);
    const s = this.locArr;
    let lo = this.locStart,
      hi = this.locEnd - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid] === t) return true;
      if (s[mid] < t) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /** Number of tags of `row`. */
  count(row: number): number {
    this.locate(row);
    return this.locEnd - this.locStart;
  }

  /** |tags(a) ∩ tags(b)| by one merge pass over the sorted sets, no allocation (MMR's hot path). */
  overlap(a: number, b: number): number {
    this.locate(a);
    const A = this.locArr,
      aEnd = this.locEnd;
    let i = this.locStart;
    this.locate(b);
    const B = this.locArr,
      bEnd = this.locEnd;
    let j = this.locStart,
      inter = 0;
    while (i < aEnd && j < bEnd) {
      if (A[i] === B[j]) {
        inter++;
        i++;
        j++;
      } else if (A[i] < B[j]) i++;
      else j++;
    }
    return inter;
  }

  // Where `locate` found a row: locArr[locStart..locEnd). Fields instead of a returned tuple, so hot reads
  // allocate nothing (a subarray view per read costs ~100 ns and garbage).
  private locArr: Int32Array = EMPTY;
  private locStart = 0;
  private locEnd = 0;

  private locate(row: number): void {
    const o = this.overlay.size ? this.overlay.get(row) : undefined;
    if (o) {
      this.locArr = o;
      this.locStart = 0;
      this.locEnd = o.length;
    } else if (row < 0 || row + 1 >= this.indptr.length) {
      this.locArr = EMPTY;
      this.locStart = this.locEnd = 0;
    } else {
      this.locArr = this.indices;
      this.locStart = this.indptr[row];
      this.locEnd = this.indptr[row + 1];
    }
  }

  /** Rows holding tag `t` (a live view: do not modify). */
  rowsWith(t: number): readonly number[] {
    return this.inverse[t] ?? [];
  }

  /** Replaces the tags of `row`. */
  set(row: number, tags: ArrayLike<number>): void {
    const next = Int32Array.from(new Set(Array.from(tags))).sort();
    const prev = this.get(row);
    for (let k = 0; k < prev.length; k++) {
      if (binaryHas(next, prev[k])) continue;
      const list = this.inverse[prev[k]];
      const at = list.indexOf(row);
      if (at >= 0) {
        list[at] = list[list.length - 1];
        list.pop();
      }
    }
    for (let k = 0; k < next.length; k++) if (!binaryHas(prev, next[k])) this.inverse[next[k]].push(row);
    this.overlay.set(row, next);
    if (this.overlay.size > Math.max(256, (this.indptr.length - 1) >> 3)) this.compact();
  }

  /** Adds one tag to `row`. */
  add(row: number, t: number): void {
    if (this.has(row, t)) return;
    const s = this.get(row);
    const next = new Int32Array(s.length + 1);
    next.set(s);
    next[s.length] = t;
    this.set(row, next);
  }

  /** Folds the overlay back into the CSR (O(rows + tags), no per-row allocation). */
  compact(): void {
    let nRows = this.indptr.length - 1;
    for (const r of this.overlay.keys()) if (r + 1 > nRows) nRows = r + 1;
    const indptr = new Int32Array(nRows + 1);
    for (let r = 0; r < nRows; r++) {
      this.locate(r);
      indptr[r + 1] = indptr[r] + this.locEnd - this.locStart;
    }
    const indices = new Int32Array(indptr[nRows]);
    for (let r = 0; r < nRows; r++) {
      this.locate(r);
      const src = this.locArr;
      for (let k = this.locStart, o = indptr[r]; k < this.locEnd; k++, o++) indices[o] = src[k];
    }
    this.indptr = indptr;
    this.indices = indices;
    this.overlay.clear();
  }
}

function binaryHas(s: Int32Array, t: number): boolean {
  let lo = 0,
    hi = s.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (s[mid] === t) return true;
    if (s[mid] < t) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
