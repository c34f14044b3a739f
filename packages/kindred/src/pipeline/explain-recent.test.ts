import { describe, expect, it } from 'vitest';
import { Catalog } from './catalog.js';
import { mergeCandidates } from './candidates/merge.js';
import { DEFAULT_PIPELINE_CONFIG } from './config.js';
import { explainItem } from './explain.js';
import type { RankedItem } from './rank.js';

describe('explanations of scores computed from the recent history', () => {
  const catalog = new Catalog();
  for (const [id, title] of [
    ['a', 'Alien'],
    ['b', 'Brazil'],
    ['c', 'Cube'],
  ])
    catalog.upsert({ id, title });
  const templates = DEFAULT_PIPELINE_CONFIG.explanations;

  it('merging keeps the flag; the reason names the recent items, the sentence the first', () => {
    const [merged] = mergeCandidates([
      {
        source: 'model',
        weight: 1,
        candidates: [{ item: 0, score: 2, source: 'model', because: [2, 1], recent: true }],
      },
    ]);
    expect(merged.reasons[0].recent).toBe(true);
    const ranked: RankedItem = { item: 0, score: 1, candidateScore: 1, modelScore: NaN, reasons: merged.reasons };
    const e = explainItem(ranked, catalog, (i) => catalog.title(i), templates, 0, {
      because: () => -1,
      verbOf: (j) => (j === 2 ? 'watched' : undefined),
      favouriteCategories: new Int32Array(0),
    });
    expect(e.explanation).toBe('Because you recently watched Cube');
    expect(e.reason).toMatchObject({ source: 'model', because: ['c', 'b'] });
  });

  it('without the flag a model reason naming an item keeps the plain template', () => {
    const ranked: RankedItem = {
      item: 0,
      score: 1,
      candidateScore: 1,
      modelScore: NaN,
      reasons: [{ item: 0, score: 1, source: 'model', because: [1], contribution: 1 }],
    };
    const e = explainItem(ranked, catalog, (i) => catalog.title(i), templates, 0);
    expect(e.explanation).toBe('Because you liked Brazil');
    expect(e.reason.because).toEqual(['b']);
  });
});
