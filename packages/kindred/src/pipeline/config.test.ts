import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../errors.js';
import { DEFAULT_PIPELINE_CONFIG, resolvePipelineConfig } from './config.js';

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidParameterError);
    return String((e as InvalidParameterError).details.field);
  }
  throw new Error('did not throw');
}

describe('resolvePipelineConfig', () => {
  it('fills defaults and merges nested fields', () => {
    const c = resolvePipelineConfig({ rerank: { diversity: { lambda: 0.5 } }, coldStart: { categories: ['Kids'] } });
    expect(c.rerank.diversity).toEqual({ lambda: 0.5, similarity: 'category', window: 100 });
    expect(c.coldStart).toEqual({ fallback: 'popular', categories: ['Kids'] });
    expect(c.ranking).toEqual(DEFAULT_PIPELINE_CONFIG.ranking);
    // The defaults are not shared with the result.
    c.rerank.pins.push({ item: 'x', position: 0 });
    expect(DEFAULT_PIPELINE_CONFIG.rerank.pins).toEqual([]);
  });

  it('names the bad field', () => {
    expect(fieldOf(() => resolvePipelineConfig({ rerank: { diversity: { lambda: 1.5 } } }))).toBe(
      'rerank.diversity.lambda',
    );
    expect(fieldOf(() => resolvePipelineConfig({ ranking: { modelWeight: -1 } }))).toBe('ranking.modelWeight');
    expect(fieldOf(() => resolvePipelineConfig({ candidates: { popular: { n: 2.5 } } }))).toBe('candidates.popular.n');
    expect(fieldOf(() => resolvePipelineConfig({ candidates: { latest: { halfLifeMs: 0 } } }))).toBe(
      'candidates.latest.halfLifeMs',
    );
    expect(fieldOf(() => resolvePipelineConfig({ candidates: { normalize: 'zscore' as 'rank' } }))).toBe(
      'candidates.normalize',
    );
    expect(fieldOf(() => resolvePipelineConfig({ ranking: { modelWieght: 1 } as never }))).toBe('ranking.modelWieght');
    expect(fieldOf(() => resolvePipelineConfig({ rerank: { excludeSeen: 'yes' as never } }))).toBe(
      'rerank.excludeSeen',
    );
    expect(fieldOf(() => resolvePipelineConfig({ rerank: { pins: [{ item: 'a', position: -1 }] } }))).toBe(
      'rerank.pins[0].position',
    );
    expect(
      fieldOf(() => resolvePipelineConfig({ rerank: { boosts: [{ category: 'a', label: 'b=c', add: 1 }] } })),
    ).toBe('rerank.boosts[0]');
    expect(fieldOf(() => resolvePipelineConfig({ rerank: { boosts: [{ label: 'nokey', add: 1 }] } }))).toBe(
      'rerank.boosts[0].label',
    );
    expect(fieldOf(() => resolvePipelineConfig({ rerank: { boosts: [{ category: 'a' }] } }))).toBe('rerank.boosts[0]');
    expect(fieldOf(() => resolvePipelineConfig({ coldStart: { categories: [3 as never] } }))).toBe(
      'coldStart.categories[0]',
    );
  });
});
