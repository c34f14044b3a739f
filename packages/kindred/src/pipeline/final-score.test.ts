import { describe, expect, it } from 'vitest';
import { Catalog } from './catalog.js';
import { DEFAULT_PIPELINE_CONFIG } from './config.js';
import { explainItem } from './explain.js';
import { finalizeScores } from './final-score.js';
import type { RankedItem } from './rank.js';

const ranked = (item: number, score: number, reasons: RankedItem['reasons'] = []): RankedItem => ({
  item,
  score,
  candidateScore: score,
  modelScore: NaN,
  reasons,
});

describe('finalizeScores', () => {
  it('relative to the best, never increasing down a list that diversity or pins reordered', () => {
    // MMR promoted item 3 (relevance 1) above item 2 (relevance 2); item 9 is pinned at position 1.
    const items = [ranked(1, 4), ranked(9, 0), ranked(3, 1), ranked(2, 2), ranked(4, -1)];
    finalizeScores(items, new Set([9]));
    expect(items.map((x) => x.score)).toEqual([1, 1, 0.25, 0.25, 0]);
  });

  it('a list without positive relevance: 1 for the best, 0 below (NaN too)', () => {
    const items = [ranked(1, 0), ranked(2, 0), ranked(3, NaN)];
    finalizeScores(items, new Set());
    expect(items.map((x) => x.score)).toEqual([1, 1, 0]);
    const neg = [ranked(1, -1), ranked(2, -2)];
    finalizeScores(neg, new Set());
    expect(neg.map((x) => x.score)).toEqual([1, 0]);
  });
});

describe('explainItem: specific before generic', () => {
  const catalog = new Catalog();
  for (const [id, cat] of [
    ['a', 'Comedy'],
    ['b', 'Comedy'],
    ['c', 'Drama'],
  ])
    catalog.upsert({ id, categories: [cat], title: `Title ${id}`, timestamp: 0 });
  const t = DEFAULT_PIPELINE_CONFIG.explanations;
  const now = 365 * 86_400_000;
  const ctx = (because: number) => ({
    because: () => because,
    verbOf: (j: number) => (j === 0 ? 'watched' : undefined),
    favouriteCategories: Int32Array.of(catalog.categoryIndex('Comedy')),
  });

  it('a model item names the user item behind it, with its verb', () => {
    const r = ranked(1, 1, [{ item: 1, score: 1, source: 'model', contribution: 0.7 }]);
    expect(explainItem(r, catalog, (i) => catalog.title(i), t, now, ctx(0))).toEqual({
      reason: { source: 'model', because: ['a'], sources: ['model'] },
      explanation: 'Because you watched Title a',
    });
    // Without a verb the default one; without any user item, the generic line.
    expect(explainItem(r, catalog, (i) => catalog.title(i), t, now, ctx(2)).explanation).toBe(
      'Because you liked Title c',
    );
    const c = ranked(2, 1, [{ item: 2, score: 1, source: 'model', contribution: 0.7 }]);
    expect(explainItem(c, catalog, (i) => catalog.title(i), t, now, ctx(-1)).explanation).toBe('Recommended for you');
  });

  it('popularity in a favourite category is "Popular in", elsewhere "Popular right now"', () => {
    const pop = (i: number) => ranked(i, 1, [{ item: i, score: 9, source: 'popular', contribution: 0.3 }]);
    expect(explainItem(pop(1), catalog, (i) => catalog.title(i), t, now, ctx(-1)).explanation).toBe(
      'Popular in Comedy',
    );
    expect(explainItem(pop(2), catalog, (i) => catalog.title(i), t, now, ctx(-1)).explanation).toBe(
      'Popular right now',
    );
  });
});
