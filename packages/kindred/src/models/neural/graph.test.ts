import { describe, expect, it } from 'vitest';
import { Adam } from './adam.js';
import { clipGradNorm } from './clip.js';
import { denseGradOf, GRAD_TOL, gradError, Rng } from './grad-check.case.js';
import { Graph } from './graph.js';
import { zeroGrads } from './param.js';
import type { VecConstructor } from './vec.js';

/** A one-block SASRec in miniature: item + position embeddings, layer norm, 2-head causal attention, feed-forward. */
function tinySasrec(ctor: VecConstructor, seed: number, dropout = 0) {
  const rng = new Rng(seed);
  const [batch, len, dim, items, heads] = [2, 4, 4, 7, 2];
  const g = new Graph(ctor);
  const init = (std: number) => (v: Float32Array | Float64Array) => rng.fillNormal(v, 0, std);
  const itemTable = g.table('items', items, dim, batch * len, init(0.5));
  const posTable = g.table('positions', len, dim, batch * len, init(0.5));
  const itemIds = new Int32Array([-1, 3, 1, 3, 2, 0, 5, 6]); // row 0 left-padded
  const posIds = new Int32Array([-1, 1, 2, 3, 0, 1, 2, 3]);
  const valid = new Uint8Array([0, 1, 1, 1, 1, 1, 1, 1]);
  const targets = new Int32Array([-1, 1, 3, 4, 0, 5, 6, 2]);
  const w = (name: string, shape: number[], std = 0.5) => g.weight(name, shape, init(std));
  const e = g.add(g.embedding(itemTable, itemIds, [batch, len]), g.embedding(posTable, posIds, [batch, len]));
  const x = g.layerNorm(g.dropout(e, dropout, rng), w('ln.g', [dim]), w('ln.b', [dim]));
  const q = g.dense(x, w('wq', [dim, dim]), null);
  const k = g.dense(x, w('wk', [dim, dim]), null);
  const v = g.dense(x, w('wv', [dim, dim]), null);
  const att = g.attention(q, k, v, valid, heads, true);
  const h = g.add(x, g.dense(att, w('wo', [dim, dim]), w('bo', [dim])));
  const ff = g.dense(g.gelu(g.dense(h, w('w1', [dim, 8]), w('b1', [8]))), w('w2', [8, dim]), w('b2', [dim]));
  const h2 = g.add(h, ff);
  const logits = g.dense(g.tanh(h2), w('out', [dim, items]), w('out.b', [items]));
  g.softmaxCrossEntropy(logits, targets);
  return g;
}

describe('the tape (Graph)', () => {
  it('every parameter gradient of a composed model matches finite differences (float64)', () => {
    const g = tinySasrec(Float64Array, 1);
    zeroGrads(g.params);
    g.forward();
    g.backward();
    for (const p of g.params) {
      const analytic = denseGradOf(p);
      const err = gradError(() => g.forward(), p.value as Float64Array, analytic);
      expect({ param: p.name, ok: err < GRAD_TOL }).toEqual({ param: p.name, ok: true });
    }
    // the padded lookup touched no table row of its own: row 0's ids are −1
    const items = g.params.find((p) => p.name === 'items')!;
    expect(items.kind === 'table' && [...items.grad.rows.subarray(0, items.grad.count)].sort()).toEqual([
      0, 1, 2, 3, 5, 6,
    ]);
  });

  it('a NeuMF in miniature (GMF ⊙, MLP on concatenated embeddings, BCE) has exact gradients too', () => {
    const rng = new Rng(2);
    const g = new Graph(Float64Array);
    const init = (v: Float32Array | Float64Array) => rng.fillNormal(v, 0, 0.5);
    const users = new Int32Array([0, 2, 1, 2, -1]); // the last row pads a short batch
    const items = new Int32Array([4, 1, 1, 3, -1]);
    const labels = new Float64Array([1, 0, 1, 0, 0]);
    const mask = new Uint8Array([1, 1, 1, 1, 0]);
    const gmfU = g.table('gmf.user', 3, 4, 5, init);
    const gmfI = g.table('gmf.item', 5, 4, 5, init);
    const mlpU = g.table('mlp.user', 3, 3, 5, init);
    const mlpI = g.table('mlp.item', 5, 3, 5, init);
    const gmf = g.mul(g.embedding(gmfU, users), g.embedding(gmfI, items));
    const mlpIn = g.concat(g.embedding(mlpU, users), g.embedding(mlpI, items));
    const mlp = g.relu(g.dense(mlpIn, g.weight('mlp.w', [6, 4], init), g.weight('mlp.b', [4], init)));
    const logits = g.dense(g.concat(gmf, mlp), g.weight('out.w', [8, 1], init), g.weight('out.b', [1], init));
    g.bceWithLogits(logits, labels, mask);
    zeroGrads(g.params);
    g.forward();
    g.backward();
    for (const p of g.params) {
      const err = gradError(() => g.forward(), p.value as Float64Array, denseGradOf(p));
      expect({ param: p.name, ok: err < GRAD_TOL }).toEqual({ param: p.name, ok: true });
    }
  });

  it('Adam lowers the loss of a small classification problem over 50 steps (float32)', () => {
    const rng = new Rng(3);
    const n = 96;
    const g = new Graph();
    const x = g.input([n, 2]);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = i % 3;
      labels[i] = c;
      x.value[2 * i] = [1, -1, 0][c] * 2 + rng.normal(0, 0.5);
      x.value[2 * i + 1] = [0, 0, 2][c] * 2 + rng.normal(0, 0.5);
    }
    const init = (v: Float32Array | Float64Array) => rng.fillNormal(v, 0, 0.3);
    const hidden = g.relu(g.dense(x, g.weight('w1', [2, 16], init), g.weight('b1', [16], init)));
    g.softmaxCrossEntropy(g.dense(hidden, g.weight('w2', [16, 3], init), g.weight('b2', [3], init)), labels);
    const opt = new Adam(g.params, { lr: 0.05 });
    const losses: number[] = [];
    for (let step = 0; step < 50; step++) {
      zeroGrads(g.params);
      losses.push(g.forward());
      g.backward();
      clipGradNorm(g.params, 10);
      opt.step();
    }
    expect(losses[49]).toBeLessThan(0.5 * losses[0]);
    expect(losses.every(Number.isFinite)).toBe(true);
  });

  it('training is deterministic under a seed (dropout included), and evaluation turns dropout off', () => {
    const train = (seed: number) => {
      const g = tinySasrec(Float32Array, seed, 0.3);
      const opt = new Adam(g.params, { lr: 0.01 });
      for (let step = 0; step < 5; step++) {
        zeroGrads(g.params);
        g.forward();
        g.backward();
        opt.step();
      }
      return g;
    };
    const a = train(9);
    const b = train(9);
    expect(a.params.map((p) => [...p.value])).toEqual(b.params.map((p) => [...p.value]));
    a.training = false;
    const evalLoss = a.forward();
    expect(a.forward()).toBe(evalLoss); // no dropout draws: the same loss every time
  });

  it('a Mult-VAE in miniature (embedding-bag encoder, reparameterisation, multinomial NLL + β·KL) has exact gradients', () => {
    const rng = new Rng(4);
    const g = new Graph(Float64Array);
    const init = (v: Float32Array | Float64Array) => rng.fillNormal(v, 0, 0.5);
    const [users, items] = [3, 6];
    // histories {0, 2, 5}, {1}, {} (an empty bag), as L2-normalised multi-hot rows
    const offsets = new Int32Array([0, 3, 4, 4]);
    const ids = new Int32Array([0, 2, 5, 1]);
    const weights = new Float64Array([1, 1, 1, 1].map((_, i) => (i < 3 ? 1 / Math.sqrt(3) : 1)));
    const x = new Float64Array(users * items);
    for (const [u, i] of [
      [0, 0],
      [0, 2],
      [0, 5],
      [1, 1],
    ])
      x[u * items + i] = 1;
    const enc = g.table('enc.w', items, 4, ids.length, init);
    const h = g.tanh(g.embeddingBag(enc, ids, weights, offsets, users));
    const mu = g.dense(h, g.weight('mu.w', [4, 2], init), g.weight('mu.b', [2], init));
    const logVar = g.dense(h, g.weight('lv.w', [4, 2], init), g.weight('lv.b', [2], init));
    const z = g.gaussianSample(mu, logVar, rng);
    const d = g.tanh(g.dense(z, g.weight('dec.w', [2, 4], init), g.weight('dec.b', [4], init)));
    const logits = g.dense(d, g.weight('out.w', [4, items], init), g.weight('out.b', [items], init));
    const beta = { value: 0.2 };
    g.multinomialNll(logits, x, null);
    g.gaussianKl(mu, logVar, beta);
    g.training = false; // z = μ, so finite differences see a fixed function (the sampling op has its own test)
    zeroGrads(g.params);
    g.forward();
    g.backward();
    for (const p of g.params) {
      const err = gradError(() => g.forward(), p.value as Float64Array, denseGradOf(p));
      expect({ param: p.name, ok: err < GRAD_TOL }).toEqual({ param: p.name, ok: true });
    }
    // the loss is the sum of its terms: with β = 0 only the reconstruction remains
    const both = g.forward();
    beta.value = 0;
    expect(g.forward()).toBeLessThan(both);
  });

  it('a tied item table (lookup input and full-softmax output, SASRec+) collects both gradients exactly', () => {
    const rng = new Rng(6);
    const g = new Graph(Float64Array);
    const init = (v: Float32Array | Float64Array) => rng.fillNormal(v, 0, 0.5);
    const items = g.weight('items', [6, 4], init);
    const ids = new Int32Array([-1, 2, 5, 1, 0, 3]);
    const targets = new Int32Array([-1, 5, 1, 0, 3, 4]);
    const x = g.lookup(items, ids, [2, 3]);
    const h = g.gelu(g.layerNorm(x, g.weight('ln.g', [4], init), g.weight('ln.b', [4], init)));
    g.tiedSoftmaxCrossEntropy(h, items, targets, 2);
    zeroGrads(g.params);
    g.forward();
    g.backward();
    for (const p of g.params) {
      const err = gradError(() => g.forward(), p.value as Float64Array, denseGradOf(p));
      expect({ param: p.name, ok: err < GRAD_TOL }).toEqual({ param: p.name, ok: true });
    }
  });

  it('a two-tower model (in-batch scores, sampled softmax with logQ) and a gBCE head have exact gradients', () => {
    const rng = new Rng(7);
    const init = (v: Float32Array | Float64Array) => rng.fillNormal(v, 0, 0.5);
    const g = new Graph(Float64Array);
    const users = new Int32Array([0, 3, 1, 2]);
    const items = new Int32Array([5, 0, 2, 5]); // item 5 twice: it is sampled twice as often
    const u = g.tanh(g.dense(g.embedding(g.table('user', 4, 3, 4, init), users), g.weight('u.w', [3, 3], init), null));
    const i = g.dense(g.embedding(g.table('item', 6, 3, 4, init), items), g.weight('i.w', [3, 3], init), null);
    const logQ = new Float64Array([0.5, 0.25, 0.25, 0.5].map(Math.log));
    g.sampledSoftmaxCrossEntropy(g.scores(u, i), new Int32Array([0, 1, 2, 3]), logQ);
    const h = new Graph(Float64Array); // rows of [positive, 2 negatives] logits from a dense head
    const x = h.input([3, 2]);
    x.value.set([0.3, -1, 2, 0.5, -0.7, 1.1]);
    h.gbce(h.dense(x, h.weight('w', [2, 3], init), h.weight('b', [3], init)), new Uint8Array([1, 0, 1]), 0.4);
    for (const graph of [g, h]) {
      zeroGrads(graph.params);
      graph.forward();
      graph.backward();
      for (const p of graph.params) {
        const err = gradError(() => graph.forward(), p.value as Float64Array, denseGradOf(p));
        expect({ param: p.name, ok: err < GRAD_TOL }).toEqual({ param: p.name, ok: true });
      }
    }
  });

  it('backward needs a loss', () => {
    const g = new Graph();
    g.input([1, 2]);
    expect(() => g.backward()).toThrow(/needs a loss/);
  });
});
