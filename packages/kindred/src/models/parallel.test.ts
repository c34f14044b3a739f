import { describe, expect, it } from 'vitest';
import { costSplit } from './parallel.js';

describe('costSplit', () => {
  it('cuts rows into calls of about equal cost, capped in rows', () => {
    expect(costSplit(6, (r) => (r === 0 ? 10 : 1), 3, 100)).toEqual(new Int32Array([0, 1, 6]));
    // 10 unit rows into 5 parts: 2 rows each; with at most 3 rows a call the cap never binds.
    expect(costSplit(10, () => 1, 5, 3)).toEqual(new Int32Array([0, 2, 4, 6, 8, 10]));
    // The row cap binds: 1 part asked, at most 4 rows a call.
    expect(costSplit(10, () => 1, 1, 4)).toEqual(new Int32Array([0, 4, 8, 10]));
    expect(costSplit(0, () => 1, 4, 4)).toEqual(new Int32Array([0]));
  });
});
