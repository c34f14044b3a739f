/**
 * A set of item indices as a byte mask that remembers what it marked, so clearing it costs only the marked items:
 * the per-user masks of a protocol (held-out validation items, a user's used items) without an O(catalogue) reset per
 * user.
 *
 * @example
 * const m = new ItemMarks(10);
 * m.add(3); m.add(3); m.add(7);
 * m.count;    // 2
 * m.marks[7]; // 1
 * m.clear();  // m.marks is all zeros again
 */
export class ItemMarks {
  readonly marks: Uint8Array;
  private readonly list: Int32Array;
  private n = 0;

  constructor(nItems: number) {
    this.marks = new Uint8Array(nItems);
    this.list = new Int32Array(nItems);
  }

  /** Marks item i (ignored when out of range, e.g. an item the model never saw). */
  add(i: number): void {
    if (i < 0 || i >= this.marks.length || this.marks[i] === 1) return;
    this.marks[i] = 1;
    this.list[this.n++] = i;
  }

  /** How many distinct items are marked. */
  get count(): number {
    return this.n;
  }

  /** The marked items, in the order they were first marked (a view, valid until the next change). */
  items(): Int32Array {
    return this.list.subarray(0, this.n);
  }

  clear(): void {
    for (let q = 0; q < this.n; q++) this.marks[this.list[q]] = 0;
    this.n = 0;
  }
}
