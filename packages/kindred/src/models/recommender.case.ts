// The conformance suite every model passes (convention 8). A model's own test file calls `conformance(...)` and adds
// only what is special about that model.
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidParameterError, ModelFormatError, ScoreImpossibleError } from '../errors.js';
import { createWorkerRunner } from '../node/worker-runner.js';
import { checkerboard } from '../testing/fixtures.js';
import type { ParallelRunner } from './parallel.js';
import { loadModel, registerModel, saveModel, type ModelEntry } from './registry.js';
import type { Params } from './params.js';
import type { Recommender } from './recommender.js';

export interface ConformanceOptions {
  /** Build an unfitted model; `seed` is passed where the model has one. */
  create: (params?: Params) => Recommender;
  /** Skip the known-answer check (e.g. random predictors). */
  learnsPattern?: boolean;
  /** Scores are a pure function of the fitted state (false for random predictors). */
  deterministic?: boolean;
  /** Train on implicit (value 1) data instead of star ratings. */
  implicit?: boolean;
  /** Registered before the suite runs, so `loadModel` can find the model by name. */
  entry?: ModelEntry;
}

export function conformance(name: string, o: ConformanceOptions): void {
  const learns = o.learnsPattern ?? true;
  const deterministic = o.deterministic ?? true;
  if (o.entry) registerModel(o.entry);
  describe(`${name}: conformance`, () => {
    const { data, heldOut } = checkerboard({ implicit: o.implicit });

    it('fit returns the model, fitted', () => {
      const m = o.create();
      expect(m.isFitted).toBe(false);
      expect(m.fit(data)).toBe(m);
      expect(m.isFitted).toBe(true);
    });

    it.runIf(learns)('learns the checkerboard: held-out liked items score above held-out disliked ones', () => {
      const m = o.create().fit(data);
      let correct = 0;
      for (let k = 0; k < heldOut.length; k += 2) {
        const liked = m.predict(heldOut[k].user, heldOut[k].item);
        const disliked = m.predict(heldOut[k + 1].user, heldOut[k + 1].item);
        if (liked.value > disliked.value) correct++;
      }
      // A model that learned nothing gets about half right.
      expect(correct / (heldOut.length / 2)).toBeGreaterThanOrEqual(0.8);
    });

    it('predictions are finite and inside the rating scale; unknown ids fall back with a reason', () => {
      const m = o.create().fit(data);
      for (const h of heldOut) {
        const p = m.predict(h.user, h.item);
        expect(Number.isFinite(p.value) || m.task === 'ranking').toBe(true);
        if (m.task === 'rating') {
          expect(p.value).toBeGreaterThanOrEqual(m.training.ratingMin);
          expect(p.value).toBeLessThanOrEqual(m.training.ratingMax);
        }
      }
      const unknownUser = m.predict('nobody', 'i0');
      expect(unknownUser.impossible).toBe(true);
      expect(unknownUser.reason).toMatch(/user/);
      const unknownItem = m.predict('u0', 'no-such-item');
      expect(unknownItem.impossible).toBe(true);
      expect(unknownItem.reason).toMatch(/item/);
    });

    it('recommend returns k unseen items, best first, and works for unknown users', () => {
      const m = o.create().fit(data);
      const r = m.recommend('u0', { k: 5 });
      expect(r.ids.length).toBe(5);
      expect(r.scores.length).toBe(5);
      for (let k = 1; k < r.scores.length; k++) expect(r.scores[k]).toBeLessThanOrEqual(r.scores[k - 1]);
      const u0 = data.userIds.index('u0');
      const csr = data.byUser();
      const seen = new Set(Array.from(csr.indices.subarray(csr.indptr[u0], csr.indptr[u0 + 1])));
      for (const i of r.indices) expect(seen.has(i)).toBe(false);
      const withSeen = m.recommend('u0', { k: data.nItems, excludeSeen: false });
      expect(withSeen.ids.length).toBeGreaterThan(r.ids.length);
      const filtered = m.recommend('u0', { k: 3, filter: (i) => i % 2 === 0 });
      for (const i of filtered.indices) expect(i % 2).toBe(0);
      expect(m.recommend('a-new-user', { k: 3 }).ids.length).toBe(3);
    });

    it.runIf(deterministic)('is deterministic under a seed', () => {
      const a = o.create().fit(data);
      const b = o.create().fit(data);
      for (const h of heldOut) expect(a.predict(h.user, h.item).value).toBe(b.predict(h.user, h.item).value);
    });

    it('save/load round-trips the fitted model', () => {
      const m = o.create().fit(data);
      const bytes = saveModel(m);
      const again = loadModel(bytes);
      expect(again.name).toBe(m.name);
      expect(again.getParams()).toEqual(m.getParams());
      if (deterministic) {
        for (const h of heldOut) expect(again.predict(h.user, h.item).value).toBe(m.predict(h.user, h.item).value);
        expect(again.recommend('u1', { k: 5 }).ids).toEqual(m.recommend('u1', { k: 5 }).ids);
      }
    });

    it('a corrupted or truncated model file fails with ModelFormatError', () => {
      const bytes = saveModel(o.create().fit(data));
      const flipped = bytes.slice();
      flipped[Math.floor(flipped.length / 2)] ^= 0xff;
      expect(() => loadModel(flipped)).toThrow(ModelFormatError);
      expect(() => loadModel(bytes.subarray(0, bytes.length - 9))).toThrow(ModelFormatError);
    });

    it('every score the model gives is finite; scoreItems(u) equals score(u, i) for every item', () => {
      const m = o.create().fit(data);
      const out = new Float32Array(m.training.nItems);
      for (let u = 0; u < m.training.nUsers; u++) {
        m.scoreItems(u, out);
        for (let i = 0; i < out.length; i++) {
          const s = scoreOrNull(m, u, i);
          if (s === null) {
            expect(out[i], `scoreItems(${u})[${i}] of an impossible pair`).toBe(-Infinity);
            continue;
          }
          expect(Number.isFinite(s), `score(${u}, ${i}) = ${s}`).toBe(true);
          // A random predictor draws anew on each call: only finiteness is comparable.
          if (!deterministic) continue;
          // scoreItems writes float32 and may sum in float32 (SIMD kernels): allow float32 rounding of the terms,
          // 1e-5 of the score's scale (f32 epsilon 1.2e-7 × a few dozen rounded terms).
          expect(Math.abs(out[i] - s), `scoreItems(${u})[${i}] vs score = ${s}`).toBeLessThanOrEqual(
            1e-5 * Math.max(1, Math.abs(s)),
          );
        }
      }
    });

    it.runIf(deterministic)('recommendBatch equals recommend user by user, unknown users included', () => {
      const m = o.create().fit(data);
      const users = Int32Array.from({ length: m.training.nUsers + 1 }, (_, r) => (r < m.training.nUsers ? r : -1));
      for (const opts of [{ k: 5 }, { k: m.training.nItems + 3, excludeSeen: false }]) {
        const batch = m.recommendBatch(users, opts);
        expect(batch.k).toBe(opts.k);
        for (let r = 0; r < users.length; r++) {
          const one = m.recommendIndex(users[r], opts);
          const row = (a: Int32Array | Float32Array) => a.subarray(r * opts.k, (r + 1) * opts.k);
          expect(row(batch.indices).subarray(0, one.indices.length)).toEqual(one.indices);
          expect(row(batch.scores).subarray(0, one.scores.length)).toEqual(one.scores);
          // Short rows are padded with index -1 and score -Infinity.
          for (let k = one.indices.length; k < opts.k; k++) {
            expect(row(batch.indices)[k]).toBe(-1);
            expect(row(batch.scores)[k]).toBe(-Infinity);
          }
        }
      }
    });

    const hasFitAsync = typeof (o.create() as Partial<AsyncFit>).fitAsync === 'function';
    // Two worker threads, started only for models with fitAsync and closed after this model's tests.
    let runner: ParallelRunner | null = null;
    afterAll(() => runner?.close());
    it.runIf(hasFitAsync && deterministic)(
      'fitAsync, with and without worker threads, fits the same model as fit, to the bit',
      async () => {
        const plain = o.create().fit(data);
        runner ??= createWorkerRunner(2);
        for (const opts of [{}, { runner, minParallelWork: 0 }]) {
          const m = (await (o.create() as unknown as AsyncFit).fitAsync(data, opts)) as Recommender;
          for (const h of heldOut) expect(m.predict(h.user, h.item).value).toBe(plain.predict(h.user, h.item).value);
          for (const u of ['u0', 'u3', 'a-new-user']) {
            const [a, b] = [m, plain].map((x) => x.recommend(u, { k: 5 }));
            expect(a.ids).toEqual(b.ids);
            expect(a.scores).toEqual(b.scores);
          }
        }
      },
    );

    it('clone keeps params, applies overrides, and rejects unknown ones', () => {
      const m = o.create();
      const c = m.clone();
      expect(c).not.toBe(m);
      expect(c.getParams()).toEqual(m.getParams());
      expect(c.isFitted).toBe(false);
      expect(() => m.clone({ noSuchParameter: 1 } as never)).toThrow(InvalidParameterError);
    });
  });
}

/** Models that can fit on worker threads (ALS, the Surprise kNN family). */
interface AsyncFit {
  fitAsync(data: unknown, opts: { runner?: ParallelRunner; minParallelWork?: number }): Promise<unknown>;
}

/** `score(u, i)`, or null when the model says the pair is impossible (cold start). */
function scoreOrNull(m: Recommender, u: number, i: number): number | null {
  try {
    return m.score(u, i);
  } catch (e) {
    if (e instanceof ScoreImpossibleError) return null;
    throw e;
  }
}
