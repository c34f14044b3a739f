import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModelFitError } from '../../errors.js';
import type { EpochInfo } from '../recommender.js';
import { runEpochs, type EpochLoopModel } from './epoch-loop.js';

/** The fake's weights: which epoch last wrote them (a copy, so a kept snapshot cannot change afterwards). */
interface Weights {
  epoch: number;
}

/**
 * A model whose epoch e sets its weights to {epoch: e} and returns `loss[e-1]` (default 1/e); `metric[e-1]` is the
 * validation value after epoch e (no `metric`: no validation data); `finite[e-1] === false` makes its weights
 * non-finite. It records the epochs it trained and how many snapshots were taken.
 */
function fakeModel(opts: { loss?: number[]; metric?: (number | null)[]; finite?: boolean[] } = {}) {
  const live: Weights = { epoch: 0 };
  const trained: number[] = [];
  const model: EpochLoopModel<Weights> = {
    trainEpoch(epoch) {
      trained.push(epoch);
      live.epoch = epoch;
      return opts.loss?.[epoch - 1] ?? 1 / epoch;
    },
    weightsFinite: () => opts.finite?.[live.epoch - 1] ?? true,
    validate: () => (opts.metric ? (opts.metric[live.epoch - 1] ?? null) : null),
    snapshot: () => ({ ...live }),
    diverged: (epoch) => new ModelFitError(`fake: non-finite weights after epoch ${epoch}`, { epoch }),
  };
  return { model, trained, live };
}

/** runEpochs with the epochs it reported through onEpoch. */
function run(cfg: { epochs: number; patience: number }, model: EpochLoopModel<Weights>) {
  const events: EpochInfo[] = [];
  const result = runEpochs({ ...cfg, metric: 'ndcg@10' }, { onEpoch: (e) => events.push(e) }, model);
  return { result, events };
}

afterEach(() => vi.restoreAllMocks());

describe('runEpochs: early stopping with patience', () => {
  it('stops after `patience` epochs without a better metric and returns the best epoch’s weights, not the last', () => {
    // Best 0.3 at epoch 2; epochs 3, 4, 5 do not beat it (a tie at 5 is not better): 3 stale epochs = patience.
    const { model, trained, live } = fakeModel({ metric: [0.1, 0.3, 0.2, 0.25, 0.3, 0.9, 0.9] });
    const { result } = run({ epochs: 7, patience: 3 }, model);
    expect(trained).toEqual([1, 2, 3, 4, 5]); // epoch 6 (which would have been better) never runs
    expect(result.epochs).toBe(5);
    expect(result.bestEpoch).toBe(2);
    expect(result.bestValidation).toBe(0.3);
    expect(result.weights).toEqual({ epoch: 2 });
    expect(live.epoch).toBe(5); // the model's live weights moved on; the kept copy did not
  });

  it('a better epoch resets the count of stale epochs', () => {
    // 0.05 is stale (1), 0.2 is a new best (reset), then two stale epochs end it with patience 2.
    const { model, trained } = fakeModel({ metric: [0.1, 0.05, 0.2, 0.1, 0.15, 0.3] });
    const { result } = run({ epochs: 6, patience: 2 }, model);
    expect(trained).toEqual([1, 2, 3, 4, 5]);
    expect(result.bestEpoch).toBe(3);
    expect(result.weights).toEqual({ epoch: 3 });
  });

  it('runs every epoch when the metric keeps improving, keeping the last (best) one', () => {
    const { model, trained } = fakeModel({ metric: [0.1, 0.2, 0.3] });
    const { result } = run({ epochs: 3, patience: 1 }, model);
    expect(trained).toEqual([1, 2, 3]);
    expect(result).toMatchObject({ epochs: 3, bestEpoch: 3, bestValidation: 0.3, weights: { epoch: 3 } });
  });

  it('without validation data runs all epochs and keeps the last weights', () => {
    // The metric would have stopped it at epoch 2 with patience 1: without validation patience never applies.
    const { model, trained } = fakeModel();
    const { result, events } = run({ epochs: 4, patience: 1 }, model);
    expect(trained).toEqual([1, 2, 3, 4]);
    expect(result).toMatchObject({ epochs: 4, bestEpoch: 4, bestValidation: null, weights: { epoch: 4 } });
    expect(events.every((e) => e.validation === undefined)).toBe(true);
  });

  it('zero epochs: nothing trained, nothing reported, the initial weights kept', () => {
    const { model, trained } = fakeModel({ metric: [0.5] });
    const { result, events } = run({ epochs: 0, patience: 3 }, model);
    expect(trained).toEqual([]);
    expect(events).toEqual([]);
    expect(result).toMatchObject({ epochs: 0, bestEpoch: 0, secondsPerEpoch: 0, weights: { epoch: 0 } });
  });
});

describe('runEpochs: divergence', () => {
  for (const [what, opts, at] of [
    ['a NaN loss', { loss: [0.5, 0.4, NaN, 0.3] }, 3],
    ['an infinite loss', { loss: [0.5, Infinity] }, 2],
    ['non-finite weights with a finite loss', { finite: [true, true, true, false] }, 4],
  ] as const) {
    it(`throws the model’s error at the epoch of ${what}, before reporting or validating it`, () => {
      const { model, trained } = fakeModel({ ...opts, metric: [0.1, 0.2, 0.3, 0.4] });
      const events: EpochInfo[] = [];
      let thrown: unknown;
      try {
        runEpochs({ epochs: 5, patience: 5, metric: 'ndcg@10' }, { onEpoch: (e) => events.push(e) }, model);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(ModelFitError);
      expect((thrown as ModelFitError).message).toBe(`fake: non-finite weights after epoch ${at}`);
      expect(trained).toEqual(Array.from({ length: at }, (_, i) => i + 1));
      expect(events.map((e) => e.epoch)).toEqual(Array.from({ length: at - 1 }, (_, i) => i + 1));
    });
  }
});

describe('runEpochs: what onEpoch reports', () => {
  it('reports every epoch with its loss and the validation metric, `best` marking each new best', () => {
    const { model } = fakeModel({ loss: [0.9, 0.7, 0.6, 0.5, 0.45], metric: [0.1, 0.3, 0.2, 0.4, 0.4] });
    const { events } = run({ epochs: 5, patience: 5 }, model);
    expect(events.map((e) => [e.epoch, e.epochs, e.loss])).toEqual([
      [1, 5, 0.9],
      [2, 5, 0.7],
      [3, 5, 0.6],
      [4, 5, 0.5],
      [5, 5, 0.45],
    ]);
    expect(events.map((e) => e.validation)).toEqual([
      { metric: 'ndcg@10', value: 0.1, best: true },
      { metric: 'ndcg@10', value: 0.3, best: true },
      { metric: 'ndcg@10', value: 0.2, best: false },
      { metric: 'ndcg@10', value: 0.4, best: true },
      { metric: 'ndcg@10', value: 0.4, best: false }, // a tie is not a new best (the earlier weights stay)
    ]);
  });

  it('times the training steps of each epoch (not validation) and returns their mean as secondsPerEpoch', () => {
    // A fake clock: epoch e's training takes e seconds, each validation 100 s that must not count.
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const { model } = fakeModel({ metric: [0.1, 0.2, 0.3] });
    const train = model.trainEpoch.bind(model);
    const validate = model.validate.bind(model);
    model.trainEpoch = (e) => ((now += e * 1000), train(e));
    model.validate = () => ((now += 100_000), validate());
    const { result, events } = run({ epochs: 3, patience: 3 }, model);
    expect(events.map((e) => e.seconds)).toEqual([1, 2, 3]);
    expect(result.secondsPerEpoch).toBe(2);
  });
});
