import { describe, expect, it } from 'vitest';
import { synthetic } from '../../data/synthetic.js';
import { conformance } from '../recommender.case.js';
import { Bpr, bprEntry } from './bpr.js';

conformance('bpr', {
  create: (p) => new Bpr({ factors: 8, iterations: 60, learningRate: 0.05, seed: 1, ...p }),
  implicit: true,
  entry: bprEntry,
});

const data = synthetic({ users: 80, items: 50, interactions: 1500, kind: 'implicit', seed: 4 });

describe('Bpr', () => {
  it('the sampled training AUC rises and the BPR loss falls', () => {
    for (const sampling of ['uniform', 'warp'] as const) {
      const losses: number[] = [];
      const m = new Bpr({ factors: 8, iterations: 30, learningRate: 0.05, sampling, seed: 3 }).fit(data, {
        onEpoch: ({ loss }) => losses.push(loss!),
      });
      const first = m.epochStats[0],
        last = m.epochStats[m.epochStats.length - 1];
      expect(first.auc).toBeLessThan(0.7);
      expect(last.auc).toBeGreaterThan(first.auc + 0.1);
      if (sampling === 'uniform') expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    }
  });
});
