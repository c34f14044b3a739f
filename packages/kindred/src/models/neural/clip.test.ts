import { describe, expect, it } from 'vitest';
import { clipGradNorm } from './clip.js';
import type { DenseParam, TableParam } from './param.js';
import { RowGrad } from './row-grad.js';

function params(): [DenseParam, TableParam] {
  const d: DenseParam = { kind: 'dense', name: 'd', value: new Float64Array(2), grad: new Float64Array([3, 4]) };
  const t: TableParam = {
    kind: 'table',
    name: 't',
    value: new Float64Array(100),
    rows: 50,
    dim: 2,
    grad: new RowGrad(50, 2, 4, Float64Array),
  };
  const s = t.grad.slotOf(42);
  t.grad.values[s * 2 + 1] = 12;
  return [d, t];
}

describe('global gradient-norm clipping', () => {
  it('measures the norm over dense and row-sparse gradients together (3, 4, 12 → 13) and scales all of them', () => {
    const [d, t] = params();
    expect(clipGradNorm([d, t], 6.5)).toBe(13);
    const f = 6.5 / (13 + 1e-6);
    expect(d.grad[0]).toBeCloseTo(3 * f, 12);
    expect(d.grad[1]).toBeCloseTo(4 * f, 12);
    expect(t.grad.values[1]).toBeCloseTo(12 * f, 12);
    expect(Math.hypot(d.grad[0], d.grad[1], t.grad.values[1])).toBeCloseTo(6.5, 5);
  });

  it('leaves gradients under the limit untouched', () => {
    const [d, t] = params();
    expect(clipGradNorm([d, t], 20)).toBe(13);
    expect([...d.grad]).toEqual([3, 4]);
    expect(t.grad.values[1]).toBe(12);
  });
});
