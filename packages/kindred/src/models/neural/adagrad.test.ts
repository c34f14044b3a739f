import { describe, expect, it } from 'vitest';
import { Adagrad } from './adagrad.js';
import type { DenseParam, TableParam } from './param.js';
import { RowGrad } from './row-grad.js';

describe('Adagrad', () => {
  it('steps θ − lr·g/(√ΣG + ε) by hand', () => {
    const p: DenseParam = { kind: 'dense', name: 'p', value: new Float64Array([1]), grad: new Float64Array([0.5]) };
    const opt = new Adagrad([p], { lr: 0.1 });
    opt.step(); // G = 0.25: 1 − 0.1·0.5/0.5
    expect(p.value[0]).toBeCloseTo(0.9, 9);
    p.grad[0] = 1;
    opt.step(); // G = 1.25
    expect(p.value[0]).toBeCloseTo(0.9 - 0.1 / Math.sqrt(1.25), 9);
  });

  it('tables: only touched rows change', () => {
    const t: TableParam = {
      kind: 'table',
      name: 't',
      value: new Float64Array(6).fill(1),
      rows: 3,
      dim: 2,
      grad: new RowGrad(3, 2, 3, Float64Array),
    };
    const s = t.grad.slotOf(1);
    t.grad.values[s * 2] = 2;
    new Adagrad([t], { lr: 0.5 }).step();
    expect(t.value[2]).toBeCloseTo(0.5, 9); // 1 − 0.5·2/(√4 + ε)
    expect([t.value[0], t.value[1], t.value[3], t.value[4], t.value[5]]).toEqual([1, 1, 1, 1, 1]);
  });
});
