import { describe, expect, it } from 'vitest';
import { synthetic } from '../../data/synthetic.js';
import { conformance } from '../recommender.case.js';
import { NormalPredictor } from './normal-predictor.js';

conformance('normal', {
  create: (p) => new NormalPredictor(p),
  learnsPattern: false,
  deterministic: false,
});

describe('NormalPredictor', () => {
  it('draws with the training mean and ML standard deviation', () => {
    const data = synthetic({ users: 100, items: 80, interactions: 3000, seed: 3 });
    const m = new NormalPredictor({ seed: 1 }).fit(data);
    const mu = data.mean();
    const n = 20000;
    let s = 0;
    for (let k = 0; k < n; k++) s += m.score();
    // Clipping is not applied by score(), so the sample mean estimates μ.
    expect(Math.abs(s / n - mu)).toBeLessThan(0.03);
  });
});
