import { describe, expect, it } from 'vitest';
import { ModelFitError } from '../../errors.js';
import { Interactions } from '../../data/interactions.js';
import { synthetic } from '../../data/synthetic.js';
import { conformance } from '../recommender.case.js';
import { klWeight, MultDae, multDaeEntry, MultVae, multVaeEntry } from './mult-vae.js';

const small = { epochs: 60, hidden: 16, latent: 8, batchSize: 16, learningRate: 1e-2, seed: 1 };
conformance('mult-vae', {
  create: (p) => new MultVae({ ...small, totalAnnealSteps: 200, ...p }),
  implicit: true,
  entry: multVaeEntry,
});
conformance('mult-dae', {
  create: (p) => new MultDae({ ...small, weightDecay: 0, ...p }),
  implicit: true,
  entry: multDaeEntry,
});

describe('MultVae / MultDae', () => {
  const data = synthetic({ users: 60, items: 40, interactions: 900, kind: 'implicit', seed: 3 });
  const opts = { epochs: 8, hidden: 12, latent: 6, batchSize: 25, seed: 2 };

  it('reports each epoch with a finite, falling loss and is deterministic under a seed', () => {
    const losses: number[] = [];
    const a = new MultVae({ ...opts, learningRate: 1e-2 }).fit(data, { onEpoch: (e) => losses.push(e.loss!) });
    expect(losses).toHaveLength(8);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[7]).toBeLessThan(losses[0]);
    const b = new MultVae({ ...opts, learningRate: 1e-2 }).fit(data);
    const [sa, sb] = [new Float32Array(data.nItems), new Float32Array(data.nItems)];
    a.scoreItems(3, sa);
    b.scoreItems(3, sb);
    expect(Array.from(sa)).toEqual(Array.from(sb));
  });

  it('stops early on a validation split after `patience` epochs without improvement', () => {
    const validation = Interactions.fromRecords([{ user: data.userIds.id(0), item: data.itemIds.id(0) }], {
      userIds: data.userIds,
      itemIds: data.itemIds,
    });
    const epochs: number[] = [];
    const m = new MultDae({ ...opts, epochs: 200, patience: 2 }).fit(data, {
      validation,
      onEpoch: (e) => epochs.push(e.epoch),
    });
    expect(epochs.length).toBeLessThan(200);
    expect(epochs.length - m.bestEpoch).toBe(2);
  });

  it('encodes a history given at serving time: a known user’s own history reproduces her scores', () => {
    const m = new MultVae(opts).fit(data);
    const s = m.training;
    const own = new Float32Array(s.nItems);
    m.scoreItems(5, own);
    const history = s.seenIndices.slice(s.seenIndptr[5], s.seenIndptr[6]);
    const folded = new Float32Array(s.nItems);
    m.scoreHistory(history, folded);
    expect(Array.from(folded)).toEqual(Array.from(own));
  });

  it('anneals β linearly to its cap by the configured epoch, whatever the steps per epoch', () => {
    const d = multVaeEntry.defaults;
    // ML-100K with batches of 500 users: 2 steps an epoch. Liang's fixed 200 000 steps would leave β ≈ 0 here.
    for (const batches of [2, 273]) {
      const capAt = d.annealEpochs * batches;
      expect(klWeight(d, 0, batches)).toBe(0);
      expect(klWeight(d, capAt / 2, batches)).toBeCloseTo(d.anneal / 2, 12);
      expect(klWeight(d, capAt, batches)).toBe(d.anneal);
      expect(klWeight(d, 10 * capAt, batches)).toBe(d.anneal);
    }
    expect(klWeight({ anneal: 0.3, annealEpochs: 0, totalAnnealSteps: 0 }, 0, 2)).toBe(0.3);
    // Liang's / RecBole's schedule when totalAnnealSteps is set: β = min(cap, step / total).
    expect(klWeight({ anneal: 0.2, annealEpochs: 20, totalAnnealSteps: 200_000 }, 40, 2)).toBeCloseTo(0.0002, 12);
    expect(klWeight({ anneal: 0.2, annealEpochs: 20, totalAnnealSteps: 1000 }, 5000, 2)).toBe(0.2);
  });

  it('fails with ModelFitError when training diverges', () => {
    expect(() => new MultDae({ ...opts, learningRate: 1e38 }).fit(data)).toThrow(ModelFitError);
  });
});
