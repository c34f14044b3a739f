import { describe, expect, it } from 'vitest';
import type { EpochInfo } from 'kindred';
import { EpochRecorder, evalTrainingJson, trainingLine } from './epoch-report.js';

const v = (value: number, best: boolean) => ({ metric: 'ndcg@10', value, best });

describe('EpochRecorder', () => {
  it('epochs = the last epoch, bestEpoch = the last one marked best, secondsPerEpoch = the mean', () => {
    const rec = new EpochRecorder();
    const events: EpochInfo[] = [
      { epoch: 1, epochs: 10, loss: 0.9, seconds: 1, validation: v(0.1, true) },
      { epoch: 2, epochs: 10, loss: 0.8, seconds: 2, validation: v(0.3, true) },
      { epoch: 3, epochs: 10, loss: 0.7, seconds: 3, validation: v(0.2, false) },
      { epoch: 4, epochs: 10, loss: 0.6, seconds: 6, validation: v(0.25, false) },
    ];
    for (const e of events) rec.record(e);
    expect(rec.take()).toEqual({ epochs: 4, bestEpoch: 2, secondsPerEpoch: 3 });
    expect(rec.take()).toBeNull(); // take() starts the next fit afresh
  });

  it('without a validation metric the last epoch is the kept one', () => {
    const rec = new EpochRecorder();
    for (let e = 1; e <= 3; e++) rec.record({ epoch: e, epochs: 3, seconds: 0.5 });
    expect(rec.take()).toEqual({ epochs: 3, bestEpoch: 3, secondsPerEpoch: 0.5 });
  });

  it('a restart of the numbering within a fit (a blend’s next member) replaces the earlier run', () => {
    const rec = new EpochRecorder();
    rec.record({ epoch: 1, epochs: 2, seconds: 10, validation: v(0.5, true) });
    rec.record({ epoch: 2, epochs: 2, seconds: 10, validation: v(0.6, true) });
    rec.record({ epoch: 1, epochs: 3, seconds: 1 });
    rec.record({ epoch: 2, epochs: 3, seconds: 3 });
    rec.record({ epoch: 3, epochs: 3, seconds: 2 });
    // The second run has no validation: its last epoch 3 is kept, not the first run's best epoch 2.
    expect(rec.take()).toEqual({ epochs: 3, bestEpoch: 3, secondsPerEpoch: 2 });
    rec.record({ epoch: 1, epochs: 5, seconds: 1, validation: v(0.5, true) });
    rec.record({ epoch: 2, epochs: 5, seconds: 1, validation: v(0.4, false) });
    rec.record({ epoch: 1, epochs: 1, seconds: 1 });
    expect(rec.take()).toEqual({ epochs: 1, bestEpoch: 1, secondsPerEpoch: 1 });
  });

  it('describes the latest epoch for the progress bar: loss when given, the metric with the best epoch so far', () => {
    const rec = new EpochRecorder();
    expect(rec.detail()).toBe('');
    rec.record({ epoch: 11, epochs: 100, loss: 0.5, seconds: 1, validation: v(0.31, true) });
    rec.record({ epoch: 12, epochs: 100, loss: 0.42131, seconds: 1, validation: v(0.30114, false) });
    expect(rec.detail()).toBe('epoch 12/100 loss 0.4213 ndcg@10 0.3011 (best 11)');
    rec.record({ epoch: 13, epochs: 100, seconds: 1 });
    expect(rec.detail()).toBe('epoch 13/100');
  });
});

describe('evalTrainingJson', () => {
  it('means over the folds with epochs, each fold’s figures kept; nothing at all without epochs', () => {
    const a = { epochs: 10, bestEpoch: 7, secondsPerEpoch: 0.5 };
    const b = { epochs: 13, bestEpoch: 8, secondsPerEpoch: 0.7 };
    const j = evalTrainingJson([a, b]);
    expect(j.epochs).toBe(11.5);
    expect(j.bestEpoch).toBe(7.5);
    expect(j.secondsPerEpoch).toBeCloseTo(0.6, 12);
    expect(j.training).toEqual({ aggregate: 'mean over folds', perFold: [a, b] });
    expect(evalTrainingJson([a, null]).epochs).toBe(10);
    expect(evalTrainingJson([a, null]).training?.perFold).toEqual([a, null]);
    expect(evalTrainingJson([null, null])).toEqual({});
    expect(evalTrainingJson([])).toEqual({});
  });
});

describe('trainingLine', () => {
  it('lists each fold’s epochs with the kept one and the mean seconds; empty without epochs', () => {
    const a = { epochs: 12, bestEpoch: 10, secondsPerEpoch: 0.5 };
    expect(trainingLine([a])).toBe('epochs: 12 (best 10); 0.5000 s per epoch');
    expect(trainingLine([a, null])).toBe('epochs: 12 (best 10), -; 0.5000 s per epoch (mean over folds)');
    expect(trainingLine([null])).toBe('');
  });
});
