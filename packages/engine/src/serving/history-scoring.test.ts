import { Recommender, type HistoryScorer, type ModelState } from 'kindred';
import { describe, expect, it } from 'vitest';
import { InteractionsBuilder } from 'kindred';
import { historyScoring, modelHistory } from './history-scoring.js';
import type { IndexedHistory } from './user-history.js';

/** A HistoryScorer stub over items i0..i5 (i5 has no training rows), ordered or not, reading `limit` items. */
class Stub extends Recommender<{ limit: number }> implements HistoryScorer {
  readonly name = 'stub';
  readonly task = 'ranking' as const;
  constructor(
    readonly historyOrdered: boolean,
    limit: number,
  ) {
    super('stub', { limit }, {}, {});
  }
  get historyLimit(): number {
    return this.params.limit;
  }
  protected fitModel(): void {}
  scoreHistory(_items: Int32Array, out: Float32Array): void {
    out.fill(0);
  }
  score(): number {
    return 0;
  }
  override itemSupport(i: number, j: number): number {
    return i === 0 && j === 2 ? 1 : NaN; // item 2 supports item 0, nothing else is known
  }
  protected saveState(): ModelState {
    return { meta: {}, arrays: {} };
  }
  protected loadState(): void {}
}

function stub(ordered: boolean, limit: number): Stub {
  const b = new InteractionsBuilder();
  for (let i = 0; i < 6; i++) b.add('u', `i${i}`, 1);
  b.add('v', 'i0', 1);
  const all = b.build('sum');
  // i5 stays in the id map (a subset keeps its parent's) without a training row.
  const rows = Int32Array.from({ length: all.length }, (_, r) => r).filter((r) => all.items[r] !== 5);
  const m = new Stub(ordered, limit).fit(all.subset(rows));
  expect(m.training.nItems).toBe(6);
  expect(m.knownItem(5)).toBe(false);
  return m;
}

const history = (sequence: number[]): IndexedHistory => ({
  context: {},
  foldItems: new Int32Array(0),
  foldValues: new Float32Array(0),
  sequence: Int32Array.from(sequence),
});

describe('modelHistory', () => {
  it('ordered models get every event oldest → newest, unknown items dropped, the newest historyLimit', () => {
    // Catalogue index 5 has no training rows, 9 is past the model's items (added to the catalogue after training).
    expect(Array.from(modelHistory(stub(true, 10), history([1, 9, 2, 1, 5, 3])))).toEqual([1, 2, 1, 3]);
    expect(Array.from(modelHistory(stub(true, 3), history([1, 9, 2, 1, 5, 3])))).toEqual([2, 1, 3]);
  });

  it('unordered models get each item once, at its newest event, then the newest historyLimit', () => {
    expect(Array.from(modelHistory(stub(false, 10), history([1, 2, 1, 3, 2])))).toEqual([1, 3, 2]);
    expect(Array.from(modelHistory(stub(false, 2), history([1, 2, 1, 3, 2])))).toEqual([3, 2]);
  });
});

describe('historyScoring', () => {
  it('names the supporting recent item first, then the newest ones; nothing known gives no state', () => {
    const rt = historyScoring(stub(true, 10));
    expect(rt.userState(history([9]))).toBeNull();
    const user = rt.userState(history([4, 2, 3, 1]))!;
    expect(user.because!(0)).toEqual([2, 1, 3]); // item 2 supports 0; then the newest: 1, 3
    expect(user.because!(1)).toEqual([3, 2, 4]); // no support known: the newest, without the item itself
  });
});
