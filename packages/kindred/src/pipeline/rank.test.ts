// The ranking blend (second stage of the pipeline) worked out by hand: min-max of the model's and the candidate
// scores over the candidate list, the neutral value for pairs the model cannot score, and the fallback ordering.
import { describe, expect, it } from 'vitest';
import { Interactions } from '../data/interactions.js';
import { fixedScoresEntry } from '../models/fixed-scores.case.js';
import type { MergedCandidate } from './candidates/merge.js';
import { byScore, rankCandidates, topRanked, type RankedItem } from './rank.js';

// Model scores (every user alike) A = (1, 1, 3, 3); item i3 has no training rows, so the model cannot score it.
const data = Interactions.fromRecords([
  { user: 'u0', item: 'i0' },
  { user: 'u1', item: 'i1' },
  { user: 'u1', item: 'i2' },
]);
data.itemIds.add('i3');
const model = fixedScoresEntry('fixed-rank', [1, 1, 3, 3]).create().fit(data);

const merged = (scores: number[], modelReason: Record<number, number> = {}): MergedCandidate[] =>
  scores.map((score, item) => ({
    item,
    score,
    reasons: [
      { item, score, source: 'popular', contribution: score },
      ...(item in modelReason
        ? [{ item, score: modelReason[item], source: 'model', contribution: modelReason[item] }]
        : []),
    ],
  }));

describe('rankCandidates', () => {
  it('final = w_m·minmax(model) + w_c·minmax(candidate); an unscorable item gets the mean normalised model score', () => {
    // Candidate scores (4, 2, 0, 1): min 0, max 4 → (1, 0.5, 0, 0.25).
    // Model scores (1, 1, 3, —): min 1, max 3 → (0, 0, 1); i3's neutral value is their mean, 1/3.
    // With w_m = 0.6, w_c = 0.4: i0 = 0 + 0.4 = 0.4; i1 = 0 + 0.2 = 0.2; i2 = 0.6 + 0 = 0.6; i3 = 0.2 + 0.1 = 0.3.
    const ranked = rankCandidates(merged([4, 2, 0, 1]), model, 0, { modelWeight: 0.6, candidateWeight: 0.4 });
    expect(ranked.map((r) => r.item)).toEqual([2, 0, 3, 1]);
    const byItem = new Map(ranked.map((r) => [r.item, r]));
    [0.4, 0.2, 0.6, 0.3].forEach((v, i) => expect(byItem.get(i)!.score).toBeCloseTo(v, 12));
    expect(byItem.get(3)!.modelScore).toBeNaN();
    expect(byItem.get(2)!.modelScore).toBe(3);
    expect(byItem.get(0)!.candidateScore).toBe(4);
  });

  it('reuses the model generator’s score when the model proposed the item', () => {
    // i1's 'model' reason says 5 (not the table's 1): model scores (1, 5, 3, —) → (0, 1, 0.5), neutral 0.5.
    // w_m = 1, w_c = 0: i0 = 0, i1 = 1, i2 = 0.5, i3 = 0.5; ties (i2, i3) go to the lower index.
    const ranked = rankCandidates(merged([4, 2, 0, 1], { 1: 5 }), model, 0, { modelWeight: 1, candidateWeight: 0 });
    expect(ranked.map((r) => [r.item, r.score])).toEqual([
      [1, 1],
      [2, 0.5],
      [3, 0.5],
      [0, 0],
    ]);
  });

  it('equal scores everywhere normalise to 1 (not 0/0)', () => {
    // Candidates all 2 and model all 3 (items i2, i3 only; i3 unscorable → neutral = 1): every final score is 1.
    const two: MergedCandidate[] = merged([0, 0, 2, 2]).slice(2);
    const ranked = rankCandidates(two, model, 0, { modelWeight: 0.5, candidateWeight: 0.5 });
    expect(ranked.map((r) => [r.item, r.score])).toEqual([
      [2, 1],
      [3, 1],
    ]);
  });

  it('without a model, or for a user the model does not know, the candidate score is the final score', () => {
    for (const [m, u] of [
      [null, 0],
      [model, -1],
      [model, 7],
    ] as const) {
      const ranked = rankCandidates(merged([4, 2, 0, 1]), m, u, { modelWeight: 0.6, candidateWeight: 0.4 });
      expect(ranked.map((r) => [r.item, r.score])).toEqual([
        [0, 4],
        [1, 2],
        [3, 1],
        [2, 0],
      ]);
    }
  });

  it('topRanked gives the same best m as a full sort, ties included', () => {
    const items: RankedItem[] = [3, 1, 3, 2, 2, 5, 0, 2].map((score, item) => ({
      item,
      score,
      candidateScore: score,
      modelScore: NaN,
      reasons: [],
    }));
    for (const m of [1, 2, 3, 4, 8])
      expect(topRanked(items, m).map((r) => r.item)).toEqual(
        items
          .slice()
          .sort(byScore)
          .slice(0, m)
          .map((r) => r.item),
      );
    expect(topRanked(items, 3).map((r) => r.item)).toEqual([5, 0, 2]);
  });
});
