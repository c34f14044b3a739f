import { describe, expect, it } from 'vitest';
import { Interactions } from '../../data/interactions.js';
import { synthetic } from '../../data/synthetic.js';
import { ModelFitError } from '../../errors.js';
import { Rng } from '../../math/rng.js';
import { conformance } from '../recommender.case.js';
import type { EpochInfo } from '../recommender.js';
import { Als, alsEntry } from './als.js';
import { ALS_CG_WASM } from './als-cg-wasm.js';
import { alsCgRange, alsLoss, alsScratch, alsSolveRow } from './als-solvers.js';
import { wasmAlsTrainer, withSharedMemory } from './als-wasm.js';
import { buildConfidence } from './confidence.js';
import { decodeBase64 } from '../../math/wasm-kernel.js';

// The global is untyped here (no DOM lib); the few members the test uses.
const WebAssembly = (
  globalThis as unknown as {
    WebAssembly: {
      validate(b: Uint8Array): boolean;
      Module: new (b: Uint8Array) => object;
      Instance: new (m: object, imports: object) => object;
      Memory: new (d: { initial: number; maximum: number; shared: boolean }) => { buffer: ArrayBuffer };
    };
  }
).WebAssembly;

conformance('als', {
  create: (p) => new Als({ factors: 8, iterations: 10, regularization: 0.1, seed: 1, ...p }),
  implicit: true,
  entry: alsEntry,
});

conformance('als (cholesky)', {
  create: (p) => new Als({ factors: 8, iterations: 10, regularization: 0.1, solver: 'cholesky', seed: 1, ...p }),
  implicit: true,
  entry: alsEntry,
});

const data = synthetic({ users: 80, items: 50, interactions: 1500, kind: 'implicit', seed: 4 });

describe('Als', () => {
  it('solves the normal equations of a hand-checked 2-factor user', () => {
    // Y = [[1,0],[0,1],[1,1]], λ = 0.5; the user has item 0 with c = 3 and item 2 with c = 2.
    // A = YᵀY + λI + 2·y0y0ᵀ + 1·y2y2ᵀ = [[5.5, 2], [2, 3.5]], b = 3·y0 + 2·y2 = [5, 2] → x = [13.5, 1] / 15.25.
    const Y = new Float32Array([1, 0, 0, 1, 1, 1]);
    const G = new Float64Array([2.5, 1, 1, 2.5]);
    const x = new Float64Array(2);
    expect(alsSolveRow(new Int32Array([0, 2]), new Float32Array([3, 2]), 0, 2, Y, G, 2, alsScratch(2), x)).toBe(true);
    expect(x[0]).toBeCloseTo(13.5 / 15.25, 12);
    expect(x[1]).toBeCloseTo(1 / 15.25, 12);
  });

  it('conjugate gradient run to f steps equals the Cholesky solve', () => {
    const f = 6;
    const rng = new Rng(3);
    const Y = new Float32Array(10 * f).map(() => rng.next() - 0.3);
    const G = new Float64Array(f * f);
    for (let r = 0; r < 10; r++)
      for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) G[a * f + b] += Y[r * f + a] * Y[r * f + b];
    for (let a = 0; a < f; a++) G[a * f + a] += 0.1;
    const m = {
      indptr: new Int32Array([0, 4]),
      indices: new Int32Array([1, 4, 7, 8]),
      conf: new Float32Array([2, 5, 1.5, -3]),
    };
    const exact = new Float64Array(f);
    alsSolveRow(m.indices, m.conf, 0, 4, Y, G, f, alsScratch(f), exact);
    const X = new Float32Array(f); // CG from 0, f steps: exact in exact arithmetic
    alsCgRange(m, X, Y, G, f, f, 0, 1, alsScratch(f));
    for (let a = 0; a < f; a++) expect(X[a]).toBeCloseTo(exact[a], 4);
    // Three warm-started steps from the answer stay there.
    const X2 = Float32Array.from(exact);
    alsCgRange(m, X2, Y, G, f, 3, 0, 1, alsScratch(f));
    for (let a = 0; a < f; a++) expect(X2[a]).toBeCloseTo(exact[a], 4);
  });

  it('the WebAssembly CG sweep and loss match the JS ones', () => {
    const { byUser, byItem } = buildConfidence(data, { scheme: 'linear', alpha: 2, epsilon: 1, k1: 100, b: 0.8 });
    // 5 factors pad to one 8-float block; 40 take a 32-float register block plus an 8-float one in the kernel.
    for (const F of [5, 40]) {
      const rng = new Rng(2);
      const X0 = new Float32Array(data.nUsers * F).map(() => rng.next() * 0.1);
      const Y0 = new Float32Array(data.nItems * F).map(() => rng.next() * 0.1);
      const Xw = X0.slice(),
        Yw = Y0.slice();
      const trainer = wasmAlsTrainer({ factors: F, byUser, byItem, userFactors: Xw, itemFactors: Yw });
      expect(trainer).not.toBeNull();
      trainer!.iteration(0.1, 3);
      const wasmLoss = trainer!.loss(0.1);
      trainer!.read();
      const G = new Float64Array(F * F);
      const gram = (T: Float32Array, rows: number, reg: number) => {
        G.fill(0);
        for (let r = 0; r < rows; r++)
          for (let a = 0; a < F; a++) for (let b = 0; b < F; b++) G[a * F + b] += T[r * F + a] * T[r * F + b];
        for (let a = 0; a < F; a++) G[a * F + a] += reg;
      };
      gram(Y0, data.nItems, 0.1);
      alsCgRange(byUser, X0, Y0, G, F, 3, 0, data.nUsers, alsScratch(F));
      gram(X0, data.nUsers, 0.1);
      alsCgRange(byItem, Y0, X0, G, F, 3, 0, data.nItems, alsScratch(F));
      for (let k = 0; k < X0.length; k++) expect(Xw[k]).toBeCloseTo(X0[k], 3);
      for (let k = 0; k < Y0.length; k++) expect(Yw[k]).toBeCloseTo(Y0[k], 3);
      gram(Yw, data.nItems, 0);
      const jsLoss = alsLoss(byUser, Xw, Yw, G, F, data.nItems, 0.1, alsScratch(F));
      expect(wasmLoss).toBeCloseTo(jsLoss, 5);
    }
  });

  it("marks the kernel's memory import shared without changing its length", () => {
    const bytes = decodeBase64(ALS_CG_WASM);
    const shared = withSharedMemory(bytes);
    expect(shared.length).toBe(bytes.length);
    const diff = [...bytes.keys()].filter((k) => bytes[k] !== shared[k]);
    expect(diff.length).toBe(1);
    expect([bytes[diff[0]], shared[diff[0]]]).toEqual([1, 3]);
    expect(WebAssembly.validate(shared)).toBe(true);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    expect(() => new WebAssembly.Instance(new WebAssembly.Module(shared), { env: { memory } })).not.toThrow();
  });

  it('non-finite factors from a huge value name the data as the likely cause, not only regularization', () => {
    // Issue 12: one stored 1e308 rating made the engine's every run fail with "raise regularization", which no
    // regularization fixes. A value whose confidence overflows Float32 is the case here.
    const records = [];
    for (let k = 0; k < 600; k++) records.push({ user: `u${k % 40}`, item: `i${(k * 7) % 30}`, value: 1 });
    records.push({ user: 'u1', item: 'poisoned', value: 1e30 });
    const fit = () => new Als({ factors: 4, iterations: 2, seed: 1 }).fit(Interactions.fromRecords(records));
    expect(fit).toThrow(ModelFitError);
    expect(fit).toThrow(/non-finite factors after iteration 1; check the data for huge or non-finite values/);
  });

  it('confidences of summed duplicates equal those of the pre-summed rows (both build paths)', () => {
    const rows = (dup: boolean) =>
      Interactions.fromRecords([
        { user: 'a', item: 'x', value: 2 },
        ...(dup
          ? [
              { user: 'a', item: 'y', value: 1 },
              { user: 'a', item: 'y', value: 2 },
            ]
          : [{ user: 'a', item: 'y', value: 3 }]),
        { user: 'b', item: 'y', value: 1 },
        { user: 'b', item: 'z', value: -1 },
        { user: 'c', item: 'x', value: 4 },
      ]);
    for (const scheme of ['linear', 'bm25'] as const) {
      const opts = { scheme, alpha: 2, epsilon: 1, k1: 1.2, b: 0.75 };
      const merged = buildConfidence(rows(true), opts),
        plain = buildConfidence(rows(false), opts);
      for (const side of ['byUser', 'byItem'] as const) {
        expect(merged[side].indptr).toEqual(plain[side].indptr);
        expect(merged[side].indices).toEqual(plain[side].indices);
        expect(merged[side].conf).toEqual(plain[side].conf);
      }
      expect(merged.scale.idf).toEqual(plain.scale.idf);
    }
    // Hand-checked linear case: user a has x (2) and y (1 + 2 = 3); c = 1 + 2·v, negative values give −c.
    const { byUser, byItem } = buildConfidence(rows(true), { scheme: 'linear', alpha: 2, epsilon: 1, k1: 1, b: 1 });
    expect(Array.from(byUser.conf)).toEqual([5, 7, 3, -3, 9]);
    expect(Array.from(byItem.conf)).toEqual([5, 9, 7, 3, -3]);
  });

  it('the weighted training loss falls across iterations', () => {
    for (const solver of ['cholesky', 'cg'] as const) {
      const losses: number[] = [];
      new Als({ factors: 6, iterations: 8, alpha: 5, regularization: 0.1, solver, seed: 2 }).fit(data, {
        onEpoch: ({ loss }) => losses.push(loss!),
      });
      expect(losses.length).toBe(8);
      for (let k = 1; k < losses.length; k++) expect(losses[k]).toBeLessThanOrEqual(losses[k - 1] * (1 + 1e-6));
      expect(losses[7]).toBeLessThan(losses[0]);
    }
  });

  it('reportLoss: false still reports every iteration with its seconds, without the loss sweep', () => {
    const events: EpochInfo[] = [];
    const opts = { factors: 4, iterations: 3, seed: 2 };
    const quiet = new Als(opts).fit(data, { reportLoss: false, onEpoch: (e) => events.push(e) });
    expect(events.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(events.every((e) => e.loss === undefined && e.seconds >= 0)).toBe(true);
    // The same factors as a fit that computes the loss: skipping it changes nothing else.
    const full = new Als(opts).fit(data, { onEpoch: () => {} });
    expect(quiet.factorState().userFactors).toEqual(full.factorState().userFactors);
  });

  it('folding in a training user reproduces its trained vector, and explain adds up to its score', () => {
    const m = new Als({ factors: 6, iterations: 100, alpha: 3, regularization: 0.1, solver: 'cholesky', seed: 2 }).fit(
      data,
    );
    const csr = data.byUser();
    const F = 6;
    const X = m.factorState().userFactors;
    for (const u of [0, 7, 21]) {
      const items = csr.indices.slice(csr.indptr[u], csr.indptr[u + 1]);
      const values = csr.values.slice(csr.indptr[u], csr.indptr[u + 1]);
      const x = m.recalculateUser(items, values);
      // ALS converges slowly along flat directions: compare relative to the vector's norm.
      let diff = 0,
        norm = 0;
      for (let a = 0; a < F; a++) {
        diff += (x[a] - X[u * F + a]) ** 2;
        norm += X[u * F + a] ** 2;
      }
      expect(Math.sqrt(diff / norm)).toBeLessThan(0.01);
      const rec = m.recommendForInteractions(items, values, { k: 5 });
      const trained = new Set(m.recommend(data.userIds.id(u), { k: 5 }).ids);
      expect(rec.ids.filter((id) => trained.has(id)).length).toBeGreaterThanOrEqual(4);
      const Y = m.factorState().itemFactors;
      let score = 0;
      for (let a = 0; a < F; a++) score += x[a] * Y[3 * F + a];
      const ex = m.explainIndex(u, 3, 100);
      expect(ex.score).toBeCloseTo(score, 4);
      let sum = 0;
      for (const s of ex.contributions.scores) sum += s;
      expect(sum).toBeCloseTo(ex.score, 4);
    }
  });

  it('confidence schemes and similar users', () => {
    for (const confidence of ['log', 'binary', 'bm25'] as const) {
      const m = new Als({ factors: 4, iterations: 3, confidence, alpha: 2, seed: 1 }).fit(data);
      expect(m.recommend('u1', { k: 3 }).ids.length).toBe(3);
    }
    const m = new Als({ factors: 4, iterations: 5, seed: 1 }).fit(data);
    const sim = m.similarUsers('u3', 4);
    expect(sim.ids.length).toBe(4);
    expect(sim.ids).not.toContain('u3');
    expect(sim.scores[0]).toBeLessThanOrEqual(1 + 1e-6);
  });
});

describe('FactorModel.scoreVector', () => {
  it('scores a user row as scoreItems does; a fold-in vector is x·q_i; items without rows are -Infinity', () => {
    const b = Interactions.fromRecords([
      { user: 'a', item: 'x' },
      { user: 'a', item: 'y' },
      { user: 'b', item: 'y' },
      { user: 'b', item: 'z' },
    ]);
    b.itemIds.add('cold');
    const m = new Als({ factors: 3, iterations: 4, seed: 1 }).fit(b);
    const { userFactors, itemFactors } = m.factorState();
    const nItems = m.training.nItems;
    const viaRow = new Float32Array(nItems);
    const viaItems = new Float32Array(nItems);
    m.scoreVector(userFactors.subarray(0, 3), 0, viaRow);
    m.scoreItems(0, viaItems);
    expect(Array.from(viaRow)).toEqual(Array.from(viaItems));
    const x = [0.5, -1, 2];
    const out = new Float32Array(nItems);
    m.scoreVector(x, 0, out);
    for (let i = 0; i < nItems; i++) {
      if (m.training.itemCounts[i] === 0) expect(out[i]).toBe(-Infinity);
      else
        expect(out[i]).toBeCloseTo(
          x[0] * itemFactors[3 * i] + x[1] * itemFactors[3 * i + 1] + x[2] * itemFactors[3 * i + 2],
          5,
        );
    }
    expect(out[m.training.itemIds.get('cold')]).toBe(-Infinity);
  });
});
