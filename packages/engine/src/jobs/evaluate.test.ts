import { createModel, IdMap, Interactions, synthetic } from 'kindred';
import { describe, expect, it } from 'vitest';
import type { ModelRecord } from '../storage/port.js';
import { decideActivation } from './activation-rule.js';
import { assertFiniteScores, holdoutMetrics, latestRatioHoldout, NonFiniteModelError } from './evaluate.js';

/** One user with `n` rows at timestamps given in reverse row order (so time order ≠ row order). */
function userRows(counts: number[]): Interactions {
  const users: number[] = [],
    items: number[] = [],
    ts: number[] = [];
  counts.forEach((n, u) => {
    for (let k = 0; k < n; k++) {
      users.push(u);
      items.push(k);
      ts.push(1000 - k); // item 0 is the latest
    }
  });
  return new Interactions({
    users: Int32Array.from(users),
    items: Int32Array.from(items),
    timestamps: Float64Array.from(ts),
    userIds: IdMap.from(counts.map((_, u) => `u${u}`)),
    itemIds: IdMap.from(Array.from({ length: Math.max(...counts) }, (_, i) => `i${i}`)),
  });
}

describe('latestRatioHoldout', () => {
  it('holds out floor(ratio·n) latest rows, at least 1 from 5 rows, never the last train row', () => {
    // ratio 0.1: 4 rows → 0, 5 → 1, 19 → 1, 20 → 2, 1 → 0.
    const data = userRows([4, 5, 19, 20, 1]);
    const [split] = latestRatioHoldout(0.1)(data);
    const held = new Map<string, number[]>();
    for (const r of split.test.records())
      (held.get(String(r.user)) ?? held.set(String(r.user), []).get(String(r.user))!).push(r.timestamp!);
    expect(held.get('u0')).toBeUndefined();
    expect(held.get('u1')).toEqual([1000]);
    expect(held.get('u2')).toEqual([1000]);
    expect(held.get('u3')?.sort((a, b) => a - b)).toEqual([999, 1000]);
    expect(held.get('u4')).toBeUndefined();
    expect(split.train.length + split.test.length).toBe(data.length);
  });

  it('a large ratio still keeps one row in train', () => {
    const [split] = latestRatioHoldout(0.9)(userRows([3]));
    expect(split.test.length).toBe(2);
    expect(split.train.length).toBe(1);
    expect(split.train.timestamps![0]).toBe(998); // the oldest stays
  });

  it('rejects ratios outside (0, 1)', () => {
    expect(() => latestRatioHoldout(1)).toThrow(/ratio/);
  });
});

describe('holdoutMetrics and finiteness', () => {
  const data = synthetic({ users: 120, items: 60, seed: 3, kind: 'implicit' });

  it('reports finite ndcg/precision/recall@10 and the users evaluated', () => {
    const [split] = latestRatioHoldout(0.2)(data);
    const m = holdoutMetrics(createModel('als', { factors: 8, iterations: 5 }).fit(split.train), split);
    expect(Object.keys(m).sort()).toEqual(['holdoutUsers', 'ndcg@10', 'precision@10', 'recall@10']);
    expect(m['ndcg@10']).toBeGreaterThan(0);
    expect(m['ndcg@10']).toBeLessThanOrEqual(1);
    expect(m.holdoutUsers).toBeGreaterThan(50);
  });

  it('assertFiniteScores throws on NaN factors', () => {
    const model = createModel('als', { factors: 4, iterations: 2 }).fit(data);
    expect(() => assertFiniteScores(model)).not.toThrow();
    // exportState hands out the model's own factor arrays: poison them as a diverged fit would.
    const state = model.exportState();
    for (const a of Object.values(state.arrays)) if (a instanceof Float32Array) a.fill(NaN);
    expect(() => assertFiniteScores(model)).toThrow(NonFiniteModelError);
  });
});

describe('decideActivation (the margin rule)', () => {
  const active = (ndcg: number, holdoutUsers = 100): ModelRecord => ({
    version: 3,
    algorithm: 'als',
    params: {},
    createdAt: 0,
    metrics: { 'ndcg@10': ndcg, holdoutUsers },
    trainedThroughSeq: 10,
    fitSeconds: 1,
    active: true,
    sizeBytes: 1,
  });
  it('activates with no active version', () => {
    expect(decideActivation({ 'ndcg@10': 0 }, null, 0.01).activate).toBe(true);
  });
  it('activates when better, equal, or worse within the margin', () => {
    expect(decideActivation({ 'ndcg@10': 0.31, holdoutUsers: 9 }, active(0.3), 0.01).activate).toBe(true);
    expect(decideActivation({ 'ndcg@10': 0.3, holdoutUsers: 9 }, active(0.3), 0).activate).toBe(true);
    expect(decideActivation({ 'ndcg@10': 0.295, holdoutUsers: 9 }, active(0.3), 0.01).activate).toBe(true);
  });
  it('rejects when worse by more than the margin, naming both numbers', () => {
    const d = decideActivation({ 'ndcg@10': 0.28, holdoutUsers: 9 }, active(0.3), 0.01);
    expect(d.activate).toBe(false);
    expect(d.reason).toContain('0.2800');
    expect(d.reason).toContain('v3 0.3000');
  });
  it('with nothing to compare on (no holdout users), the newer data wins', () => {
    expect(decideActivation({ 'ndcg@10': 0, holdoutUsers: 0 }, active(0.3), 0.01).activate).toBe(true);
    expect(decideActivation({ 'ndcg@10': 0.1, holdoutUsers: 5 }, active(0.3, 0), 0.01).activate).toBe(true);
  });
});

describe('sampleUsers', () => {
  it('keeps at most maxUsers users, evenly spaced, with all their rows', async () => {
    const { synthetic } = await import('kindred');
    const { sampleUsers } = await import('./evaluate.js');
    const data = synthetic({ users: 500, items: 50, interactions: 5000, seed: 1 });
    const s = sampleUsers(data, 100);
    const users = new Set(Array.from(s.users));
    expect(users.size).toBe(100);
    const all = data.userCounts(),
      kept = s.userCounts();
    for (const u of users) expect(kept[u]).toBe(all[u]);
    expect(sampleUsers(data, 10_000)).toBe(data);
  });
});
