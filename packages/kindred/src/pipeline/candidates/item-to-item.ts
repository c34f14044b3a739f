import { topK } from '../../math/top-k.js';
import type { Candidate, CandidateGenerator } from '../candidate.js';
import type { NeighbourFn } from '../neighbours.js';
import type { RequestState } from '../request-state.js';

/**
 * Neighbours of the user's recent positives (Linden, Smith & York 2003, "Amazon.com recommendations: item-to-item
 * collaborative filtering"): score(j) = Σ_p w_p · sim(p, j) over the positives p whose `perItem` nearest
 * neighbours include j, with w_p the recency weight of p. `because` lists those positives, largest contribution
 * first, so the explanation names the item that mattered most.
 *
 * Accumulation runs on typed scratch arrays owned by the generator (item → slot map, per-slot sums and a linked
 * list of contributions), reset only where touched: a request allocates only its n output candidates.
 *
 * @example
 * const gen = new ItemToItemCandidates(modelNeighbours(model), 50);
 */
export class ItemToItemCandidates implements CandidateGenerator {
  readonly source = 'item-to-item';
  private slotOf = new Int32Array(0);
  private slotItem = new Int32Array(64);
  private slotScore = new Float64Array(64);
  private slotHead = new Int32Array(64);
  private linkPositive = new Int32Array(64);
  private linkContrib = new Float64Array(64);
  private linkNext = new Int32Array(64);

  constructor(
    readonly neighbours: NeighbourFn,
    readonly perItem = 50,
  ) {}

  generate(state: RequestState, n: number, out: Candidate[]): void {
    const pos = state.positives;
    if (n <= 0 || pos.length === 0) return;
    const nItems = state.catalog.size;
    if (this.slotOf.length < nItems) this.slotOf = new Int32Array(Math.max(nItems, this.slotOf.length * 2)).fill(-1);
    let slots = 0,
      links = 0;
    try {
      for (let p = 0; p < pos.length; p++) {
        const w = state.positiveWeights[p];
        if (!(w > 0)) continue;
        const { indices, scores } = this.neighbours(pos[p], this.perItem);
        if (slots + indices.length > this.slotItem.length || links + indices.length > this.linkNext.length)
          this.grow(slots + indices.length, links + indices.length);
        for (let k = 0; k < indices.length; k++) {
          const j = indices[k];
          const s = scores[k];
          if (!(s > 0) || j === pos[p] || j >= nItems || !state.allowed(j)) continue;
          let slot = this.slotOf[j];
          if (slot < 0) {
            slot = this.slotOf[j] = slots++;
            this.slotItem[slot] = j;
            this.slotScore[slot] = 0;
            this.slotHead[slot] = -1;
          }
          const c = w * s;
          this.slotScore[slot] += c;
          // The same positive may list j twice only through a faulty neighbour source; merge it into its link.
          let l = this.slotHead[slot];
          while (l >= 0 && this.linkPositive[l] !== pos[p]) l = this.linkNext[l];
          if (l >= 0) this.linkContrib[l] += c;
          else {
            this.linkPositive[links] = pos[p];
            this.linkContrib[links] = c;
            this.linkNext[links] = this.slotHead[slot];
            this.slotHead[slot] = links++;
          }
        }
      }
    } catch (e) {
      for (let s = 0; s < slots; s++) this.slotOf[this.slotItem[s]] = -1;
      throw e;
    }
    // Best n slots; ties → lower item index (slots are re-ordered by item through the scratch).
    const top = topK(this.slotScore.subarray(0, slots), slots <= n ? slots : n);
    const order = Array.from(top.indices).sort(
      (a, b) => this.slotScore[b] - this.slotScore[a] || this.slotItem[a] - this.slotItem[b],
    );
    for (const slot of order) {
      const because: number[] = [];
      const contrib: number[] = [];
      for (let l = this.slotHead[slot]; l >= 0; l = this.linkNext[l]) {
        because.push(this.linkPositive[l]);
        contrib.push(this.linkContrib[l]);
      }
      const idx = because.map((_, k) => k).sort((a, b) => contrib[b] - contrib[a] || because[a] - because[b]);
      out.push({
        item: this.slotItem[slot],
        score: this.slotScore[slot],
        source: 'item-to-item',
        because: idx.map((k) => because[k]),
      });
    }
    for (let s = 0; s < slots; s++) this.slotOf[this.slotItem[s]] = -1;
  }

  private grow(slots: number, links: number): void {
    const g = <T extends Int32Array | Float64Array>(a: T, need: number): T => {
      if (need <= a.length) return a;
      const b = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
      b.set(a);
      return b;
    };
    this.slotItem = g(this.slotItem, slots);
    this.slotScore = g(this.slotScore, slots);
    this.slotHead = g(this.slotHead, slots);
    this.linkPositive = g(this.linkPositive, links);
    this.linkContrib = g(this.linkContrib, links);
    this.linkNext = g(this.linkNext, links);
  }
}
