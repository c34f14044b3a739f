import { afterAll, describe, expect, it } from 'vitest';
import { Interactions } from '../../data/interactions.js';
import { synthetic } from '../../data/synthetic.js';
import { createWorkerRunner } from '../../node/worker-runner.js';
import { baselinesAls } from '../baseline/baselines.js';
import type { ParallelRunner } from '../parallel.js';
import { loadModel, saveModel } from '../registry.js';
import { KnnBaseline } from './knn-baseline.js';
import { KnnBasic } from './knn-basic.js';
import { KnnWithZScore } from './knn-with-zscore.js';
import { similarityMatrixAsync, similarityRowCosts } from './similarity-parallel.js';
import { SIMILARITIES, similarityMatrix, type SimilarityOptions } from './similarity.js';

const runner = createWorkerRunner(2);
afterAll(() => runner.close());

/** The runner, counting the kernels it is asked to load (0 = the matrix was computed on the calling thread). */
function spy(inner: ParallelRunner): ParallelRunner & { loads: number } {
  const s = {
    threads: inner.threads,
    loads: 0,
    load: (m: object, mem: object) => {
      s.loads++;
      return inner.load(m, mem);
    },
    close: () => inner.close(),
  };
  return s;
}

/** The first cell whose bits differ (−1: none, same length). A loop: toEqual is slow on 10⁵ elements and takes −0
 *  for 0. */
function firstDifference(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const x = new BigInt64Array(a.buffer, a.byteOffset, a.length),
    y = new BigInt64Array(b.buffer, b.byteOffset, b.length);
  for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return k;
  return -1;
}

// 150 items (> 2 mirror tiles of 64, not a multiple of it) and 90 users with skewed activity and popularity.
const data = synthetic({ users: 90, items: 150, interactions: 2500, seed: 3 });
const b = baselinesAls(data, { epochs: 10, regUser: 15, regItem: 10 });

describe('similarityMatrixAsync', () => {
  it('equals similarityMatrix bit for bit, every measure, both orientations, with minSupport and shrinkage', async () => {
    for (const userBased of [true, false]) {
      const input = userBased
        ? { xRows: data.byUser(), yRows: data.byItem() }
        : { xRows: data.byItem(), yRows: data.byUser() };
      const baselines = userBased ? { mu: b.mu, bx: b.bu, by: b.bi } : { mu: b.mu, bx: b.bi, by: b.bu };
      for (const name of SIMILARITIES)
        for (const o of [
          { minSupport: 1, shrinkage: 100, baselines },
          { minSupport: 3, shrinkage: 7, baselines },
        ] satisfies SimilarityOptions[]) {
          const r = spy(runner);
          const single = similarityMatrix(name, input, o);
          const parallel = await similarityMatrixAsync(name, input, o, r, 0);
          expect(r.loads).toBe(1);
          expect(firstDifference(parallel, single)).toBe(-1);
        }
    }
  });

  it('uses the threads only from minWork on, and not with a single-thread runner', async () => {
    const input = { xRows: data.byItem(), yRows: data.byUser() };
    const o = { minSupport: 1, shrinkage: 100 };
    let work = 0;
    for (const c of similarityRowCosts(input)) work += c;
    const single = similarityMatrix('msd', input, o);
    for (const [minWork, loads] of [
      [work + 1, 0],
      [work, 1],
    ]) {
      const r = spy(runner);
      expect(firstDifference(await similarityMatrixAsync('msd', input, o, r, minWork), single)).toBe(-1);
      expect(r.loads).toBe(loads);
    }
    const one = spy({ ...runner, threads: 1, load: runner.load, close: runner.close });
    await similarityMatrixAsync('msd', input, o, one, 0);
    expect(one.loads).toBe(0);
  });

  it('validates options before any thread runs', async () => {
    const input = { xRows: data.byItem(), yRows: data.byUser() };
    const r = spy(runner);
    await expect(
      similarityMatrixAsync('pearson_baseline', input, { minSupport: 1, shrinkage: 1 }, r, 0),
    ).rejects.toThrow(/baselines/);
    await expect(similarityMatrixAsync('msd', input, { minSupport: 0, shrinkage: 1 }, r, 0)).rejects.toThrow(
      /minSupport/,
    );
    expect(r.loads).toBe(0);
  });

  it('handles one and two rows', async () => {
    for (const users of [1, 2]) {
      const d = Interactions.fromRecords(
        Array.from({ length: users * 3 }, (_, k) => ({ user: `u${k % users}`, item: `i${k}`, value: 1 + (k % 5) })),
      );
      const input = { xRows: d.byUser(), yRows: d.byItem() };
      const o = { minSupport: 1, shrinkage: 1 };
      const parallel = await similarityMatrixAsync('cosine', input, o, runner, 0);
      expect(firstDifference(parallel, similarityMatrix('cosine', input, o))).toBe(-1);
    }
  });
});

describe('similarityRowCosts', () => {
  it('counts each row’s co-rated pairs with later rows plus its cells right of the diagonal', () => {
    // u0: i0 i1 i2 | u1: i0 i1 i3 | u2: i1 i2 i3 | u3: i0 — user pairs sharing items: (0,1) ×2, (0,2) ×2, (0,3),
    // (1,2) ×2, (1,3); row a also finalises 3 − a cells.
    const tiny = Interactions.fromRecords(
      (
        [
          ['u0', 'i0'],
          ['u0', 'i1'],
          ['u0', 'i2'],
          ['u1', 'i0'],
          ['u1', 'i1'],
          ['u1', 'i3'],
          ['u2', 'i1'],
          ['u2', 'i2'],
          ['u2', 'i3'],
          ['u3', 'i0'],
        ] as const
      ).map(([user, item]) => ({ user, item, value: 1 })),
    );
    const cost = similarityRowCosts({ xRows: tiny.byUser(), yRows: tiny.byItem() });
    expect(Array.from(cost)).toEqual([5 + 3, 3 + 2, 0 + 1, 0]);
  });
});

describe('fitAsync of the kNN rating models', () => {
  it('fits the same model as fit, to the bit', async () => {
    const cases = [
      () => new KnnBaseline({ userBased: false, similarity: 'pearson_baseline', k: 20 }),
      () => new KnnWithZScore({ similarity: 'pearson', minSupport: 2 }),
      () => new KnnBasic({ userBased: false, similarity: 'msd' }),
    ];
    for (const make of cases) {
      const r = spy(runner);
      const single = make().fit(data);
      const parallel = await make().fitAsync(data, { runner: r, minParallelWork: 0 });
      expect(r.loads).toBe(1);
      const [a, c] = [single, parallel].map((m) => (m as unknown as { sim: Float64Array }).sim);
      expect(firstDifference(c, a)).toBe(-1);
      for (const u of ['u0', 'u7', 'u42'])
        expect(parallel.recommend(u, { k: 5 }).scores).toEqual(single.recommend(u, { k: 5 }).scores);
      // The matrix is a view of the kernel's shared memory; saving and loading still round-trips it.
      const again = loadModel(saveModel(parallel));
      expect(again.recommend('u7', { k: 5 }).scores).toEqual(single.recommend('u7', { k: 5 }).scores);
    }
  });

  it('is fit without a runner, and small matrices stay on the calling thread', async () => {
    const plain = await new KnnBasic().fitAsync(data);
    expect(plain.isFitted).toBe(true);
    const r = spy(runner);
    await new KnnBasic().fitAsync(data, { runner: r });
    expect(r.loads).toBe(0);
  });

  it('leaves the model unfitted when the parallel fit fails', async () => {
    const model = new KnnBasic({ similarity: 'msd' });
    const failing: ParallelRunner = {
      threads: 2,
      load: () => Promise.reject(new Error('no threads today')),
      close: () => Promise.resolve(),
    };
    await expect(model.fitAsync(data, { runner: failing, minParallelWork: 0 })).rejects.toThrow(/no threads/);
    expect(model.isFitted).toBe(false);
  });
});
