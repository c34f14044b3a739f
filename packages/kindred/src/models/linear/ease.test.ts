import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../errors.js';
import { Interactions } from '../../data/interactions.js';
import { conformance } from '../recommender.case.js';
import { Ease, easeEntry } from './ease.js';

conformance('ease', { create: (p) => new Ease({ lambda: 5, ...p }), implicit: true, entry: easeEntry });

/** Gauss–Jordan inverse with partial pivoting: an independent check of the Cholesky path. */
function gaussJordanInverse(a: number[][]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) pivot = r;
    [m[c], m[pivot]] = [m[pivot], m[c]];
    const d = m[c][c];
    for (let j = 0; j < 2 * n; j++) m[c][j] /= d;
    for (let r = 0; r < n; r++)
      if (r !== c) {
        const f = m[r][c];
        for (let j = 0; j < 2 * n; j++) m[r][j] -= f * m[c][j];
      }
  }
  return m.map((row) => row.slice(n));
}

describe('Ease', () => {
  // Five users over four items (values are kept: EASE reconstructs X, whatever its scale).
  const X = [
    [1, 1, 0, 0],
    [1, 0, 1, 0],
    [0, 1, 1, 1],
    [1, 1, 1, 0],
    [0, 0, 2, 1],
  ];
  const records = X.flatMap((row, u) => row.flatMap((v, i) => (v ? [{ user: `u${u}`, item: `i${i}`, value: v }] : [])));
  // A sixth user with only item i2: her scores are exactly row 2 of B.
  records.push({ user: 'solo', item: 'i2', value: 1 });
  const rows = [...X, [0, 0, 1, 0]];
  const data = Interactions.fromRecords(records);
  const lambda = 0.7;

  it('matches the closed form B = I − P·diag(1/diag P), P = (XᵀX + λI)⁻¹, with a zero diagonal', () => {
    const n = 4;
    const g = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => rows.reduce((s, r) => s + r[i] * r[j], 0) + (i === j ? lambda : 0)),
    );
    const p = gaussJordanInverse(g);
    const b = p.map((row, i) => row.map((v, j) => (i === j ? 1 : 0) - v / p[j][j]));
    const m = new Ease({ lambda }).fit(data);
    for (let j = 0; j < n; j++) {
      expect(b[j][j]).toBeCloseTo(0, 12);
      // score(solo, j) = Σ_l x_l B[l][j] = B[2][j].
      expect(m.predict('solo', `i${j}`).value).toBeCloseTo(b[2][j], 6);
    }
    for (let u = 0; u < X.length; u++)
      for (let j = 0; j < n; j++) {
        const expected = X[u].reduce((s, x, l) => s + x * b[l][j], 0);
        expect(m.predict(`u${u}`, `i${j}`).value).toBeCloseTo(expected, 5);
      }
  });

  it('scoreItems equals score, and items without training rows score −∞', () => {
    const withGhost = Interactions.fromRecords(records);
    withGhost.itemIds.add('never-seen');
    const m = new Ease({ lambda }).fit(withGhost);
    const out = new Float32Array(withGhost.nItems);
    m.scoreItems(0, out);
    for (let j = 0; j < 4; j++) expect(out[j]).toBeCloseTo(m.score(0, j), 6);
    expect(out[4]).toBe(-Infinity);
    expect(m.predict('u0', 'never-seen').impossible).toBe(true);
    expect(m.similarItems('i2', 2).ids).not.toContain('i2');
  });

  it('explains a singular Gram matrix with λ = 0', () => {
    // i0 and i1 always occur together: XᵀX is singular.
    const twin = Interactions.fromRecords([
      { user: 'u0', item: 'i0' },
      { user: 'u0', item: 'i1' },
      { user: 'u1', item: 'i2' },
    ]);
    expect(() => new Ease({ lambda: 0 }).fit(twin)).toThrow(InvalidParameterError);
  });
});
