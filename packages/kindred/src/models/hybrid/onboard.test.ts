import { describe, expect, it } from 'vitest';
import { ContentKnn } from '../content/content-knn.js';
import { Profile } from '../content/profile.js';
import { Als } from '../factorization/als.js';
import { SlopeOne } from '../slope-one/slope-one.js';
import { LightFm } from './lightfm.js';
import { onboard } from './onboard.js';
import { tastes } from './tastes.case.js';

describe('onboard', () => {
  const { data, features } = tastes(12, 5, 8);
  const picks = ['A0', 'A1', 'A2'];
  const isAction = (id: unknown) => String(id).includes('A');

  it('ALS: exact fold-in, same as recommendForInteractions; picked items left out', () => {
    const als = new Als({ factors: 4, iterations: 10, seed: 1 }).fit(data);
    const r = onboard(als, picks, undefined, { k: 4 });
    expect(r.method).toBe('fold-in');
    const idx = Int32Array.from(picks, (id) => data.itemIds.index(id));
    expect(r.ids).toEqual(als.recommendForInteractions(idx, new Float32Array(3).fill(1), { k: 4 }).ids);
    for (const id of r.ids) expect(picks).not.toContain(id);
    expect(isAction(r.ids[0])).toBe(true);
  });

  it('lightfm: fold-in from item representations ranks the matching cold item too', () => {
    const m = new LightFm({ epochs: 30, seed: 3 }).withItemFeatures(features).fit(data);
    const r = onboard(m, picks, undefined, { k: 6 });
    expect(r.method).toBe('fold-in');
    expect(r.ids).toContain('CA');
    expect(r.ids.every(isAction)).toBe(true);
  });

  it('profile: a content profile from the items; ratings centred (a disliked pick pushes its genre away)', () => {
    const p = new Profile().withItemFeatures(features).fit(data);
    const r = onboard(p, picks, undefined, { k: 6 });
    expect(r.method).toBe('profile');
    expect(r.ids.every(isAction)).toBe(true);
    const mixed = onboard(p, ['A0', 'R0'], [5, 1], { k: 3 });
    expect(mixed.ids.every(isAction)).toBe(true);
    expect(mixed.scores[0]).toBeCloseTo(Math.SQRT1_2, 5); // cos(action, (x̂_A − x̂_R)·2)
  });

  it('content-knn and others: item-to-item similarity sum; no usable model or items: popularity', () => {
    const c = new ContentKnn().withItemFeatures(features).fit(data);
    const r = onboard(c, picks, undefined, { k: 5 });
    expect(r.method).toBe('item-similarity');
    expect(r.ids.every(isAction)).toBe(true);
    const slope = new SlopeOne().fit(data);
    expect(onboard(slope, picks).method).toBe('popular');
    const none = onboard(c, ['no-such-item'], undefined, { k: 3 });
    expect(none.method).toBe('popular');
    expect(none.ids).toHaveLength(3);
  });

  it('checks that values match items', () => {
    const c = new ContentKnn().withItemFeatures(features).fit(data);
    expect(() => onboard(c, picks, [1])).toThrow(/3 items but 1 values/);
  });
});
