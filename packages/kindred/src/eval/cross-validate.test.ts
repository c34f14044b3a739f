import { describe, expect, it } from 'vitest';
import { synthetic } from '../data/synthetic.js';
import { InvalidParameterError } from '../errors.js';
import { NormalPredictor } from '../models/baseline/normal-predictor.js';
import { crossValidate, type FoldResult } from './cross-validate.js';
import { evaluateRanking } from './evaluate-ranking.js';
import { evaluateRatings } from './evaluate-ratings.js';
import { fitLog, Popularity, simpleKFold, UserMean } from './test-models.case.js';

const data = synthetic({ users: 120, items: 80, interactions: 2400, seed: 4 });
const splits = simpleKFold(data, 5, 1);

describe('crossValidate (rating task)', () => {
  it('runs one fold per split with separate fit and test timings', () => {
    const progress: [string, number, number][] = [];
    const cv = crossValidate(new UserMean({ shrink: 2 }), splits, {
      onFold: (f: FoldResult, i, n) => progress.push([f.name, i, n]),
    });
    expect(cv.folds.length).toBe(5);
    expect(cv.task).toBe('rating');
    expect(cv.model).toBe('user-mean');
    expect(cv.params).toEqual({ shrink: 2, offset: 0 });
    expect(cv.metrics.map((m) => m.name)).toEqual(['rmse', 'mae']);
    expect(progress).toEqual(splits.map((s, i) => [s.name, i, 5]));
    for (const arr of [cv.fitSeconds, cv.testSeconds]) {
      expect(arr.length).toBe(5);
      for (const t of arr) expect(t).toBeGreaterThanOrEqual(0);
      for (const t of arr) expect(t).toBeLessThan(10);
    }
    expect(cv.folds.map((f) => f.fitSeconds)).toEqual(cv.fitSeconds);
    expect(cv.folds.map((f) => [f.trainSize, f.testSize])).toEqual(splits.map((s) => [s.train.length, s.test.length]));
  });

  it('fits a fresh clone on each training part only', () => {
    const model = new UserMean();
    fitLog.length = 0;
    const cv = crossValidate(model, splits);
    expect(model.isFitted).toBe(false);
    expect(fitLog).toEqual(splits.map((s) => s.train.length));
    // Each fold's values equal an independent fit on that fold's training part.
    splits.forEach((s, f) => {
      const direct = evaluateRatings(new UserMean().fit(s.train), s.test);
      expect(cv.perFold.rmse[f]).toBe(direct.metrics.rmse);
      expect(cv.perFold.mae[f]).toBe(direct.metrics.mae);
      expect(cv.folds[f].impossible).toBe(direct.impossible);
    });
  });

  it('a user seen only in a fold’s test part gets the fallback (the training mean) and counts as impossible', () => {
    const u0 = data.userIds.index('u0', 'user');
    const rows0: number[] = [],
      rest: number[] = [];
    for (let r = 0; r < data.length; r++) (data.users[r] === u0 ? rows0 : rest).push(r);
    expect(rows0.length).toBeGreaterThan(0);
    const split = { name: 'u0 held out', train: data.subset(rest), test: data.subset(rows0) };
    const cv = crossValidate(new UserMean(), [split], { metrics: ['mae'] });
    expect(cv.folds[0].impossible).toBe(rows0.length);
    const mean = split.train.mean();
    let mae = 0;
    for (let r = 0; r < split.test.length; r++) mae += Math.abs(split.test.values[r] - mean);
    expect(cv.mean.mae).toBeCloseTo(mae / split.test.length, 12);
  });

  it('mean and std are the arithmetic mean and the population std of the folds', () => {
    const cv = crossValidate(new NormalPredictor({ seed: 3 }), splits, { metrics: ['rmse', 'mae'] });
    for (const name of ['rmse', 'mae']) {
      const v = cv.perFold[name];
      expect(v.length).toBe(5);
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
      expect(cv.mean[name]).toBeCloseTo(mean, 14);
      expect(cv.std[name]).toBeCloseTo(std, 14);
      expect(cv.std[name]).toBeGreaterThan(0);
    }
  });

  it('rejects metrics of the other task and empty split lists', () => {
    expect(() => crossValidate(new UserMean(), splits, { metrics: ['ndcg'] })).toThrow(InvalidParameterError);
    expect(() => crossValidate(new UserMean(), [])).toThrow(InvalidParameterError);
  });
});

describe('crossValidate (ranking task)', () => {
  it('evaluates top-k lists per fold and matches evaluateRanking', () => {
    const cv = crossValidate(new Popularity(), splits.slice(0, 2), {
      k: 5,
      metrics: ['ndcg', 'recall', 'coverage', 'novelty', 'gini', 'diversity'],
    });
    expect(cv.task).toBe('ranking');
    expect(cv.metrics.map((m) => m.name)).toEqual([
      'ndcg@5',
      'recall@5',
      'coverage@5',
      'novelty@5',
      'gini@5',
      'diversity@5',
    ]);
    const direct = evaluateRanking(new Popularity().fit(splits[1].train), splits[1].train, splits[1].test, {
      k: 5,
      metrics: ['ndcg', 'recall', 'coverage', 'novelty', 'gini', 'diversity'],
    });
    expect(cv.folds[1].metrics).toEqual(direct.metrics);
    expect(cv.folds[1].users).toBe(direct.users);
    for (const v of Object.values(cv.mean)) expect(Number.isFinite(v)).toBe(true);
  });

  it('a rating model can be evaluated on the ranking task', () => {
    const cv = crossValidate(new UserMean(), splits.slice(0, 1), { task: 'ranking', metrics: ['precision@3'] });
    expect(cv.perFold['precision@3'][0]).toBeGreaterThanOrEqual(0);
  });
});
