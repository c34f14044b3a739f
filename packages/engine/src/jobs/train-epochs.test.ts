// Epoch-based models in engine training: a model that stops early validates on a slice of the holdout fit's training
// part (never on the holdout the activation guard compares on), the served model is refitted on all the data for
// the chosen epochs, the version's metrics carry the epoch figures, and the worker reports progress per epoch.
import {
  Recommender,
  isHistoryScorer,
  registerModel,
  type FitOptions,
  type Interactions,
  type ModelState,
} from 'kindred';
import { describe, expect, it } from 'vitest';
import { validateTrainingConfig } from '../training-config.js';
import { validateConfig } from '../config.js';
import { loadEventLog } from './dataset.js';
import { interactionsOf, latestRatioHoldout } from './evaluate.js';
import { reduceEvents } from './reduce-events.js';
import { runTraining, type TrainProgress } from './train-run.js';
import { stopsEarly } from './train-fits.js';
import { syntheticFeedback, testHost } from './training-host.case.js';
import { TrainingManager } from './training-manager.js';

/** What each fit of the spy model saw: its training pairs, its validation pairs, its epochs. */
const fits: { train: Set<string>; validation: Set<string> | null; epochs: number }[] = [];
const pairs = (d: Interactions) =>
  new Set(Array.from({ length: d.length }, (_, r) => `${d.userIds.id(d.users[r])}|${d.itemIds.id(d.items[r])}`));

/** Validation NDCG per epoch the spy reports: best at epoch 2. */
const CURVE = [0.2, 0.5, 0.4, 0.3];

/** A model with epochs and patience that records what it is given and reports a fixed validation curve. */
class ValidationSpy extends Recommender<{ epochs: number; patience: number }> {
  readonly name = 'test-validation-spy';
  readonly task = 'ranking' as const;
  constructor(opts: Partial<{ epochs: number; patience: number }> = {}) {
    super('test-validation-spy', { epochs: 4, patience: 2 }, {}, opts);
  }
  protected fitModel(data: Interactions, opts: FitOptions): void {
    fits.push({
      train: pairs(data),
      validation: opts.validation ? pairs(opts.validation) : null,
      epochs: this.params.epochs,
    });
    let best = -Infinity;
    for (let e = 1; e <= this.params.epochs; e++) {
      const v = CURVE[e - 1] ?? 0;
      const validation = opts.validation ? { metric: 'ndcg@10', value: v, best: v > best } : undefined;
      if (v > best) best = v;
      opts.onEpoch?.({
        epoch: e,
        epochs: this.params.epochs,
        loss: 1 / e,
        seconds: 0.001,
        ...(validation ? { validation } : {}),
      });
    }
  }
  score(_u: number, i: number): number {
    return -i;
  }
  protected saveState(): ModelState {
    return { meta: {}, arrays: {} };
  }
  protected loadState(): void {}
}
registerModel({
  name: 'test-validation-spy',
  description: 'test-only',
  task: 'ranking',
  defaults: { epochs: 4, patience: 2 },
  docs: {},
  create: (p) => new ValidationSpy(p as Partial<{ epochs: number; patience: number }>),
});

describe('engine training of epoch-based models', () => {
  it('validates on a slice of the holdout fit’s training part, never the holdout; refits on all data for the best epoch', async () => {
    const host = testHost();
    await host.storage.insertFeedback(syntheticFeedback({ users: 60, items: 40, seed: 3 }), {
      createUsers: true,
      createItems: true,
    });
    const types = host.config.feedback.types;
    const { log } = await loadEventLog(host.storage, types);
    // The holdout as the run computes it, from the same log.
    const data = interactionsOf(reduceEvents(log).set);
    const [split] = latestRatioHoldout(0.2)(data);
    const holdout = pairs(split.test);
    fits.length = 0;
    const progress: TrainProgress[] = [];
    const result = runTraining(
      { algorithm: 'test-validation-spy', params: { epochs: 4 }, holdoutRatio: 0.2, events: log },
      (p) => progress.push(p),
    );
    expect(result.ok, result.ok ? '' : result.error).toBe(true);
    expect(fits).toHaveLength(2);
    const [probe, final] = fits;
    expect(probe.validation!.size).toBeGreaterThan(0);
    for (const p of probe.validation!) {
      expect(holdout.has(p), `validation pair ${p} is in the holdout`).toBe(false);
      expect(probe.train.has(p), `validation pair ${p} is trained on`).toBe(false);
    }
    for (const p of holdout) expect(probe.train.has(p), `holdout pair ${p} is trained on`).toBe(false);
    // The served model: every pair, no validation, the best epoch's count.
    expect(final.validation).toBeNull();
    expect(final.train).toEqual(pairs(data));
    expect(final.epochs).toBe(2);
    if (!result.ok) return;
    expect(result.metrics).toMatchObject({ epochs: 2, bestEpoch: 2, 'validation.ndcg@10': 0.5 });
    expect(result.metrics.secondsPerEpoch).toBeGreaterThan(0);
    // Progress: every epoch of both fits, the validation metric and best epoch while it is measured.
    expect(progress.map((p) => `${p.phase}:${p.epoch}/${p.epochs}`)).toEqual([
      'holdout:1/4',
      'holdout:2/4',
      'holdout:3/4',
      'holdout:4/4',
      'final:1/2',
      'final:2/2',
    ]);
    expect(progress[2]).toMatchObject({ validation: { metric: 'ndcg@10', value: 0.4 }, bestEpoch: 2 });
    expect(progress[4].validation).toBeUndefined();
  });

  it('models without early stopping are trained as before: no validation carved out', async () => {
    expect(stopsEarly('als')).toBe(false);
    expect(stopsEarly('mult-vae')).toBe(true);
    const host = testHost();
    await host.storage.insertFeedback(syntheticFeedback({ users: 40, items: 30, seed: 4 }), {
      createUsers: true,
      createItems: true,
    });
    const { log } = await loadEventLog(host.storage, host.config.feedback.types);
    const result = runTraining({
      algorithm: 'als',
      params: { factors: 4, iterations: 3 },
      holdoutRatio: 0.2,
      events: log,
    });
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.metrics.bestEpoch).toBeUndefined();
      expect(result.metrics.epochs).toBe(3);
    }
  });

  it('the worker trains mult-vae end to end: activated, epoch metrics stored, a HistoryScorer swapped in', async () => {
    const host = testHost({
      algorithm: 'mult-vae',
      params: { epochs: 3, patience: 2, hidden: 8, latent: 4, batchSize: 20, seed: 1 },
    });
    await host.storage.insertFeedback(syntheticFeedback({ users: 60, items: 40, interactions: 900, seed: 2 }), {
      createUsers: true,
      createItems: true,
    });
    const training = new TrainingManager(host);
    try {
      const out = await training.trainNow();
      expect(out.status, JSON.stringify(out)).toBe('activated');
      if (out.status !== 'activated') return;
      const m = out.model.metrics;
      expect(m.bestEpoch).toBeGreaterThanOrEqual(1);
      expect(m.epochs).toBe(m.bestEpoch); // the served fit ran the chosen epochs
      expect(Number.isFinite(m['validation.ndcg@10'])).toBe(true);
      expect(Number.isFinite(m['ndcg@10'])).toBe(true);
      expect(isHistoryScorer(host.swaps[0].model)).toBe(true);
    } finally {
      await training.stop();
    }
  });

  it('the training config accepts the neural models and names a bad parameter', () => {
    for (const algorithm of ['mult-vae', 'mult-dae'])
      expect(() => validateTrainingConfig({ algorithm, params: { epochs: 5, hidden: 32 } })).not.toThrow();
    expect(() => validateTrainingConfig({ algorithm: 'mult-vae', params: { epochs: 0 } })).toThrow(
      /training\.params\.epochs/,
    );
    expect(() => validateConfig({ training: { algorithm: 'mult-dae', params: { latent: 8 } } })).not.toThrow();
  });
});
