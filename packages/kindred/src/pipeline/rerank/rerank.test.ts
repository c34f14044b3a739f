import { describe, expect, it } from 'vitest';
import { Catalog } from '../catalog.js';
import { byScore, topRanked, type RankedItem } from '../rank.js';
import { Rng } from '../../math/rng.js';
import { RequestState, recencyWeight } from '../request-state.js';
import { filterByCategory, removeDisallowed } from './filters.js';
import { applyFreshness } from './freshness.js';
import { categoryJaccard, mmr, vectorCosine } from './mmr.js';
import { applyBoosts, applyPins, paginate } from './rules.js';

const DAY = 86_400_000;

function ranked(scores: number[]): RankedItem[] {
  return scores.map((score, item) => ({ item, score, candidateScore: score, modelScore: NaN, reasons: [] }));
}

/** A (x), B (x), C (y), D (x, y). */
function abcd() {
  const c = new Catalog();
  [['x'], ['x'], ['y'], ['x', 'y']].forEach((cs, k) => c.upsert({ id: 'ABCD'[k], categories: cs }));
  return c;
}

describe('MMR', () => {
  it('picks the diverse item second at λ = 0.5 (hand-computed)', () => {
    // rel (min-max of 1, 0.9, 0.6, 0): A 1, B 0.9, C 0.6, D 0.
    // Step 1: A (0.5·1). Step 2: B 0.45 − 0.5·J(B,A)=1 → −0.05; C 0.3 − 0 = 0.3; D 0 − 0.5·0.5 = −0.25 → C.
    // Step 3: B −0.05 vs D 0 − 0.5·max(J(D,A)=0.5, J(D,C)=0.5) = −0.25 → B; then D.
    const out = mmr(ranked([1, 0.9, 0.6, 0]), 4, 0.5, categoryJaccard(abcd()));
    expect(out.map((r) => r.item)).toEqual([0, 2, 1, 3]);
  });

  it('keeps the ranking at λ = 1 and goes for novelty at λ = 0', () => {
    const sim = categoryJaccard(abcd());
    expect(mmr(ranked([1, 0.9, 0.6, 0]), 4, 1, sim).map((r) => r.item)).toEqual([0, 1, 2, 3]);
    // λ = 0: A first (all tie at 0, best-ranked wins), then the item least like A: C (J = 0).
    expect(mmr(ranked([1, 0.9, 0.6, 0]), 2, 0, sim).map((r) => r.item)).toEqual([0, 2, 1, 3]);
  });

  it('leaves items past the window in order', () => {
    const out = mmr(ranked([1, 0.9, 0.6, 0]), 2, 0.5, categoryJaccard(abcd()), 3);
    expect(out.map((r) => r.item)).toEqual([0, 2, 1, 3]);
  });

  it('Jaccard and cosine similarities', () => {
    const j = categoryJaccard(abcd());
    expect(j(0, 1)).toBe(1);
    expect(j(0, 2)).toBe(0);
    expect(j(0, 3)).toBe(0.5);
    const cos = vectorCosine(Float32Array.of(1, 0, 1, 1, -1, 0, 0, 0), 2);
    expect(cos(0, 1)).toBeCloseTo(Math.SQRT1_2, 6);
    expect(cos(0, 2)).toBe(0); // opposite → clipped at 0
    expect(cos(0, 3)).toBe(0); // zero vector
  });

  it('prepared similarities agree with the plain ones', () => {
    const c = abcd();
    const j = categoryJaccard(c);
    const v = Float32Array.of(1, 0, 1, 1, -1, 0, 0.5, 2);
    const cos = vectorCosine(v, 2);
    const ids = Int32Array.of(3, 0, 2, 1);
    for (const sim of [j, cos]) {
      const at = sim.prepare!(ids);
      for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) expect(at(a, b)).toBeCloseTo(sim(ids[a], ids[b]), 6);
    }
    // Without prepare, MMR falls back to the plain function and gives the same order.
    const plain = (a: number, b: number) => j(a, b);
    expect(mmr(ranked([1, 0.9, 0.6, 0]), 4, 0.5, plain).map((r) => r.item)).toEqual([0, 2, 1, 3]);
  });

  it('diversifies with item vectors', () => {
    // Items 0 and 1 point the same way, item 2 elsewhere.
    const v = Float32Array.of(1, 0, 0.99, 0.1, 0, 1);
    const out = mmr(ranked([1, 0.95, 0.8]), 3, 0.5, vectorCosine(v, 2));
    expect(out.map((r) => r.item)).toEqual([0, 2, 1]);
  });
});

describe('freshness', () => {
  it('decays by half per half-life', () => {
    expect(recencyWeight(0, DAY)).toBe(1);
    expect(recencyWeight(DAY, DAY)).toBe(0.5);
    expect(recencyWeight(2 * DAY, DAY)).toBe(0.25);
    expect(recencyWeight(3.5 * DAY, 7 * DAY)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(recencyWeight(-DAY, DAY)).toBe(1); // published "in the future"
    expect(recencyWeight(NaN, DAY)).toBe(0); // no timestamp
  });

  it('adds weight · decay and re-sorts', () => {
    const c = new Catalog();
    c.upsert({ id: 'old', timestamp: 0 });
    c.upsert({ id: 'new', timestamp: 10 * DAY });
    c.upsert({ id: 'none' });
    const out = applyFreshness(ranked([0.5, 0.3, 0.45]), c, 10 * DAY, 0.4, 5 * DAY);
    // old: 0.5 + 0.4·0.25 = 0.6; new: 0.3 + 0.4 = 0.7; none: 0.45.
    expect(out.map((r) => [r.item, +r.score.toFixed(10)])).toEqual([
      [1, 0.7],
      [0, 0.6],
      [2, 0.45],
    ]);
  });
});

describe('business rules', () => {
  it('boosts and buries by category and label, multiplicative and additive', () => {
    const c = new Catalog();
    c.upsert({ id: 'a', categories: ['sale'] });
    c.upsert({ id: 'b', labels: { brand: 'acme' } });
    c.upsert({ id: 'c' });
    const out = applyBoosts(ranked([0.5, 0.6, 0.55]), c, [
      { category: 'sale', multiply: 2 }, // a: 1.0
      { label: 'brand=acme', add: -0.3 }, // b: 0.3
      { category: 'unknown', multiply: 10 }, // matches nothing
    ]);
    expect(out.map((r) => [r.item, +r.score.toFixed(10)])).toEqual([
      [0, 1],
      [2, 0.55],
      [1, 0.3],
    ]);
  });

  it('pins items at positions, moving existing ones and inserting new ones', () => {
    const items = ranked([0.9, 0.8, 0.7, 0.6]);
    const out = applyPins(
      items,
      [
        { index: 3, position: 0 },
        { index: 7, position: 2 },
        { index: 8, position: 99 },
      ],
      (i) => (i === 8 ? null : { item: i, score: 0, candidateScore: 0, modelScore: NaN, reasons: [] }),
    );
    expect(out.map((r) => r.item)).toEqual([3, 0, 7, 1, 2]);
  });

  it('filters by category and removes disallowed items', () => {
    const c = abcd();
    const x = c.categoryIndex('x'),
      y = c.categoryIndex('y');
    expect(filterByCategory(ranked([4, 3, 2, 1]), c, [y], []).map((r) => r.item)).toEqual([2, 3]);
    expect(filterByCategory(ranked([4, 3, 2, 1]), c, [], [y]).map((r) => r.item)).toEqual([0, 1]);
    expect(filterByCategory(ranked([4, 3, 2, 1]), c, [x], [y]).map((r) => r.item)).toEqual([0, 1]);
    const s = new RequestState(c, new Uint8Array(4));
    s.block(1);
    c.setHidden(2, true);
    expect(removeDisallowed(ranked([4, 3, 2, 1]), s).map((r) => r.item)).toEqual([0, 3]);
  });

  it('paginates', () => {
    expect(paginate([0, 1, 2, 3, 4], 2, 2)).toEqual([2, 3]);
    expect(paginate([0, 1, 2], 2, 5)).toEqual([2]);
  });
});

describe('topRanked', () => {
  it('equals a full sort cut at m, ties included', () => {
    const rng = new Rng(9);
    for (let trial = 0; trial < 20; trial++) {
      const items = ranked(Array.from({ length: 200 }, () => rng.int(30) / 10));
      const m = 1 + rng.int(60);
      const want = items
        .slice()
        .sort(byScore)
        .slice(0, m)
        .map((r) => r.item);
      expect(topRanked(items, m).map((r) => r.item)).toEqual(want);
    }
  });
});
