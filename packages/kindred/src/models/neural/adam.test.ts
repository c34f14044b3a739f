import { describe, expect, it } from 'vitest';
import { Adam, AdamW } from './adam.js';
import type { DenseParam, TableParam } from './param.js';
import { RowGrad } from './row-grad.js';

function dense(values: number[]): DenseParam {
  return { kind: 'dense', name: 'p', value: new Float64Array(values), grad: new Float64Array(values.length) };
}

function table(rows: number, dim: number, fill: number): TableParam {
  return {
    kind: 'table',
    name: 't',
    value: new Float64Array(rows * dim).fill(fill),
    rows,
    dim,
    grad: new RowGrad(rows, dim, rows, Float64Array),
  };
}

function touch(p: TableParam, row: number, g: number[]): void {
  const s = p.grad.slotOf(row);
  for (let j = 0; j < g.length; j++) p.grad.values[s * p.dim + j] = g[j];
}

describe('Adam (Kingma & Ba 2015, Algorithm 1)', () => {
  it('two steps match the formula with hand-computed moments', () => {
    const p = dense([1]);
    const opt = new Adam([p], { lr: 0.1 });
    p.grad[0] = 0.5;
    opt.step();
    // m1 = 0.1·0.5 = 0.05, v1 = 0.001·0.25 = 0.00025, m̂ = 0.5, v̂ = 0.25: the first step is lr·sign(g)
    expect(p.value[0]).toBeCloseTo(1 - (0.1 * 0.5) / (0.5 + 1e-8), 12);
    p.grad[0] = -0.2;
    opt.step();
    const m2 = 0.9 * 0.05 + 0.1 * -0.2; // 0.025
    const v2 = 0.999 * 0.00025 + 0.001 * 0.04; // 0.00028975
    const mHat = m2 / (1 - 0.9 ** 2);
    const vHat = v2 / (1 - 0.999 ** 2);
    const after1 = 1 - (0.1 * 0.5) / (0.5 + 1e-8);
    expect(p.value[0]).toBeCloseTo(after1 - (0.1 * mHat) / (Math.sqrt(vHat) + 1e-8), 12);
  });

  it("Adam's weight decay is L2 (through the adaptive scaling); AdamW's is decoupled θ·(1 − lr·λ)", () => {
    const a = dense([2]);
    const w = dense([2]);
    new Adam([a], { lr: 0.1, weightDecay: 0.1 }).step(); // g = 0 + 0.1·2: the first step moves lr·sign = 0.1
    new AdamW([w], { lr: 0.1, weightDecay: 0.1 }).step(); // g = 0: only the decay, 2·(1 − 0.01)
    expect(a.value[0]).toBeCloseTo(1.9, 7);
    expect(w.value[0]).toBeCloseTo(1.98, 14);
    // decoupled: the decay does not depend on the gradient's scale
    for (const g of [1e-3, 1e3]) {
      const p = dense([2]);
      const q = dense([2]);
      p.grad[0] = g;
      q.grad[0] = g;
      new AdamW([p], { lr: 0.1, weightDecay: 0.1 }).step();
      new AdamW([q], { lr: 0.1, weightDecay: 0 }).step();
      expect(p.value[0] - q.value[0]).toBeCloseTo(-0.02, 7);
    }
  });

  it('tables: only touched rows change, each with its own step count (a first touch at step 5 moves lr)', () => {
    const t = table(4, 2, 1);
    const opt = new Adam([t], { lr: 0.1 });
    for (let step = 0; step < 4; step++) {
      t.grad.clear();
      touch(t, 0, [1, -1]);
      opt.step();
    }
    t.grad.clear();
    touch(t, 2, [3, -0.5]);
    const row0 = [t.value[0], t.value[1]];
    opt.step();
    expect([t.value[0], t.value[1]]).toEqual(row0); // row 0 not touched this step: unchanged, moments not decayed
    expect(t.value[4]).toBeCloseTo(1 - 0.1, 7);
    expect(t.value[5]).toBeCloseTo(1 + 0.1, 7);
    expect([t.value[2], t.value[3], t.value[6], t.value[7]]).toEqual([1, 1, 1, 1]);
  });

  it('a table whose rows are all touched every step is updated exactly like a dense parameter', () => {
    const t = table(3, 2, 0.5);
    const d = dense([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    const ot = new AdamW([t], { lr: 0.05, weightDecay: 0.02 });
    const od = new AdamW([d], { lr: 0.05, weightDecay: 0.02 });
    for (let step = 0; step < 5; step++) {
      t.grad.clear();
      for (const row of [2, 0, 1]) {
        const g = [Math.sin(step + row), Math.cos(step * row)];
        touch(t, row, g);
        d.grad[row * 2] = g[0];
        d.grad[row * 2 + 1] = g[1];
      }
      ot.step();
      od.step();
    }
    expect([...t.value]).toEqual([...d.value]);
  });

  it('rejects a non-positive learning rate', () => {
    expect(() => new Adam([], { lr: 0 })).toThrow(/lr must be > 0/);
  });
});
