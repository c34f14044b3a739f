import { describe, expect, it } from 'vitest';
import { dot4x4 } from './dense.js';
import { denseWorkspace } from './dense-wasm.js';
import { Rng } from './rng.js';

describe('WebAssembly dot4x4', () => {
  it('is available in Node 20 and equals the JS kernel on even, odd and empty column ranges', () => {
    const n = 13;
    const ws = denseWorkspace(n * n + 16);
    expect(ws).not.toBeNull();
    const m = ws!.memory.subarray(0, n * n);
    const out = ws!.memory.subarray(n * n, n * n + 16);
    new Rng(3).fillNormal(m);
    const expected = new Float64Array(16);
    for (const [k0, k1] of [
      [0, 13],
      [1, 9],
      [2, 3],
      [5, 5],
    ]) {
      ws!.dot4x4(m, 0, m, 7, n, k0, k1, out);
      dot4x4(m, 0, m, 7, n, k0, k1, expected);
      for (let c = 0; c < 16; c++) expect(out[c]).toBeCloseTo(expected[c], 12);
    }
  });

  it('starts zero-filled and refuses sizes beyond 4 GiB', () => {
    const ws = denseWorkspace(100_000);
    expect(ws!.memory.length).toBe(100_000);
    expect(ws!.memory.every((v) => v === 0)).toBe(true);
    expect(denseWorkspace(2 ** 30)).toBeNull();
  });
});
