// The gradient of an embedding table as touched rows only. A 50k×64 item table has 3.2M entries; one SASRec batch
// touches a few thousand rows, so a dense gradient would cost a 12.8 MB clear and a full optimiser sweep per step for
// nothing. PyTorch's `sparse=True` embeddings return the same thing (indices + values); here the rows are merged as
// they arrive, through a slot map, so each touched row appears once and the optimiser visits it once.
import type { Vec, VecConstructor } from './vec.js';

/**
 * Row-sparse gradient of a rows×dim table: `count` touched rows, row `rows[s]` with its gradient at
 * `values[s·dim .. s·dim + dim)`. Preallocated for at most `capacity` distinct rows per step, so a step allocates
 * nothing; `clear()` costs O(touched rows), not O(table).
 *
 * @example
 * const g = new RowGrad(50_000, 64, 4096);
 * const s = g.slotOf(17); // the slot of row 17, zeroed on first touch
 * g.values[s * 64] += 1;
 * g.count; // 1
 * g.clear();
 */
export class RowGrad {
  readonly rows: Int32Array;
  readonly values: Vec;
  count = 0;
  /** slot[r] is row r's slot this step, or −1: the O(1) de-duplication of repeated ids in a batch. */
  private readonly slot: Int32Array;

  constructor(
    readonly tableRows: number,
    readonly dim: number,
    readonly capacity: number,
    ctor: VecConstructor = Float32Array,
  ) {
    this.rows = new Int32Array(capacity);
    this.values = new ctor(capacity * dim);
    this.slot = new Int32Array(tableRows).fill(-1);
  }

  /** The slot holding `row`'s gradient, claiming (and zeroing) a new one on first touch. */
  slotOf(row: number): number {
    let s = this.slot[row];
    if (s >= 0) return s;
    if (this.count >= this.capacity)
      throw new RangeError(`RowGrad: more than ${this.capacity} distinct rows touched in one step`);
    s = this.count++;
    this.slot[row] = s;
    this.rows[s] = row;
    this.values.fill(0, s * this.dim, (s + 1) * this.dim);
    return s;
  }

  /** Forgets every touched row (the per-step zero_grad). */
  clear(): void {
    for (let s = 0; s < this.count; s++) this.slot[this.rows[s]] = -1;
    this.count = 0;
  }

  /** Multiplies every stored gradient entry by `f` (gradient clipping). */
  scale(f: number): void {
    const n = this.count * this.dim;
    for (let i = 0; i < n; i++) this.values[i] *= f;
  }

  /** Σ g² over the stored rows (gradient clipping's global norm). */
  sumSquares(): number {
    let s = 0;
    const n = this.count * this.dim;
    for (let i = 0; i < n; i++) s += this.values[i] * this.values[i];
    return s;
  }
}
