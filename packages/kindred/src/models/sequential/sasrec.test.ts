import { describe, expect, it } from 'vitest';
import { InvalidParameterError, ModelFitError } from '../../errors.js';
import { Interactions } from '../../data/interactions.js';
import { synthetic } from '../../data/synthetic.js';
import { Rng } from '../../math/rng.js';
import { Adam } from '../neural/adam.js';
import { zeroGrads } from '../neural/param.js';
import { conformance } from '../recommender.case.js';
import { buildSasrecNet, fillRow, type SasrecShape } from './sasrec-net.js';
import { Sasrec, sasrecEntry } from './sasrec.js';

const small = {
  epochs: 40,
  hidden: 16,
  blocks: 1,
  heads: 2,
  maxLength: 12,
  batchSize: 16,
  learningRate: 1e-2,
  seed: 1,
};
conformance('sasrec', { create: (p) => new Sasrec({ ...small, ...p }), implicit: true, entry: sasrecEntry });
conformance('sasrec (gbce)', {
  create: (p) => new Sasrec({ ...small, loss: 'gbce', negatives: 8, ...p }),
  implicit: true,
  entry: sasrecEntry,
});

const shape: SasrecShape = {
  items: 9,
  hidden: 8,
  blocks: 2,
  heads: 2,
  maxLength: 6,
  dropout: 0,
  loss: 'ce',
  negatives: 0,
  beta: 1,
};

/** The network's last-layer output at every slot for one sequence. */
function outputs(seq: number[], seed = 3): Float32Array {
  const net = buildSasrecNet(shape, 1, new Rng(seed));
  net.graph.training = false;
  fillRow(net, 0, Int32Array.from(seq), null);
  net.graph.forward();
  return net.h.value.slice() as Float32Array;
}

describe('the SASRec network', () => {
  it('causal: changing a later item leaves every earlier position’s output unchanged', () => {
    const a = outputs([1, 2, 3, 4, 5, 6]);
    const b = outputs([1, 2, 3, 7, 5, 6]); // slot 3 changed
    const d = shape.hidden;
    expect(Array.from(b.subarray(0, 3 * d))).toEqual(Array.from(a.subarray(0, 3 * d)));
    expect(Array.from(b.subarray(3 * d, 4 * d))).not.toEqual(Array.from(a.subarray(3 * d, 4 * d)));
  });

  it('padding does not affect results: a short sequence in a batch with other rows, and its gradient', () => {
    const d = shape.hidden;
    const L = shape.maxLength;
    const alone = outputs([4, 2, 8]);
    const net = buildSasrecNet(shape, 2, new Rng(3));
    net.graph.training = false;
    fillRow(net, 0, Int32Array.of(1, 5, 6, 7, 3, 2), null);
    fillRow(net, 1, Int32Array.of(4, 2, 8), null);
    net.graph.forward();
    const inBatch = net.h.value.subarray(L * d, 2 * L * d);
    // the three real slots (the last three) agree to float32 rounding of the summation order
    for (let j = 3 * d; j < L * d; j++) expect(inBatch[j]).toBeCloseTo(alone[j], 5);
    // a padded row contributes nothing to any gradient: loss and gradients equal with and without it
    const grads = (withPad: boolean) => {
      const g = buildSasrecNet(shape, 2, new Rng(5));
      fillRow(g, 0, Int32Array.of(1, 5, 6), Int32Array.of(5, 6, 7));
      fillRow(g, 1, withPad ? Int32Array.of(3, 3, 1) : new Int32Array(0), withPad ? Int32Array.of(-1, -1, -1) : null);
      zeroGrads(g.graph.params);
      const loss = g.graph.forward();
      g.graph.backward();
      return { loss, grad: g.graph.params.map((p) => (p.kind === 'dense' ? Array.from(p.grad) : [])) };
    };
    const [x, y] = [grads(true), grads(false)];
    expect(x.loss).toBeCloseTo(y.loss, 6);
    x.grad.forEach((g, k) => g.forEach((v, j) => expect(v).toBeCloseTo(y.grad[k][j], 5)));
  });

  it('the loss falls on a tiny case (a fixed cycle of items)', () => {
    const net = buildSasrecNet({ ...shape, blocks: 1 }, 4, new Rng(1));
    const losses: number[] = [];
    const opt = new Adam(net.graph.params, { lr: 1e-2 });
    for (let step = 0; step < 60; step++) {
      for (let r = 0; r < 4; r++) {
        const seq = Array.from({ length: 6 }, (_, t) => (r + t) % 9);
        fillRow(
          net,
          r,
          Int32Array.from(seq),
          Int32Array.from(seq, (i) => (i + 1) % 9),
        );
      }
      zeroGrads(net.graph.params);
      losses.push(net.graph.forward());
      net.graph.backward();
      opt.step();
    }
    expect(losses[59]).toBeLessThan(losses[0] * 0.2);
  });
});

describe('Sasrec', () => {
  const data = synthetic({ kind: 'sequential', users: 60, items: 30, interactions: 900, seed: 3 });
  const opts = { epochs: 6, hidden: 8, blocks: 1, heads: 1, maxLength: 10, batchSize: 16, seed: 2 };

  it('reports each epoch with a finite, falling loss and is deterministic under a seed', () => {
    const losses: number[] = [];
    const a = new Sasrec({ ...opts, learningRate: 1e-2 }).fit(data, { onEpoch: (e) => losses.push(e.loss!) });
    expect(losses).toHaveLength(6);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[5]).toBeLessThan(losses[0]);
    const b = new Sasrec({ ...opts, learningRate: 1e-2 }).fit(data);
    const [sa, sb] = [new Float32Array(data.nItems), new Float32Array(data.nItems)];
    a.scoreItems(3, sa);
    b.scoreItems(3, sb);
    expect(Array.from(sa)).toEqual(Array.from(sb));
  });

  it('gbce trains: the loss falls and the scores differ from the untrained network', () => {
    const losses: number[] = [];
    new Sasrec({ ...opts, loss: 'gbce', negatives: 10, learningRate: 1e-2 }).fit(data, {
      onEpoch: (e) => losses.push(e.loss!),
    });
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[5]).toBeLessThan(losses[0]);
  });

  it('scores a user from her training sequence in time order; scoreHistory of it reproduces scoreItems', () => {
    const m = new Sasrec(opts).fit(data);
    const u = 5;
    const rows: { item: number; t: number }[] = [];
    for (let r = 0; r < data.length; r++)
      if (data.users[r] === u) rows.push({ item: data.items[r], t: data.timestamps![r] });
    rows.sort((x, y) => x.t - y.t);
    const own = new Float32Array(data.nItems);
    m.scoreItems(u, own);
    const folded = new Float32Array(data.nItems);
    m.scoreHistory(
      Int32Array.from(rows, (x) => x.item),
      folded,
    );
    expect(Array.from(folded)).toEqual(Array.from(own));
    // the order matters: the reversed sequence scores differently; −1 entries are skipped
    const reversed = new Float32Array(data.nItems);
    m.scoreHistory(Int32Array.from(rows, (x) => x.item).reverse(), reversed);
    expect(Array.from(reversed)).not.toEqual(Array.from(own));
    const holes = new Float32Array(data.nItems);
    m.scoreHistory(Int32Array.from(rows.flatMap((x) => [-1, x.item])), holes);
    expect(Array.from(holes)).toEqual(Array.from(own));
  });

  it('stops early on a validation split after `patience` epochs without improvement', () => {
    const validation = Interactions.fromRecords([{ user: data.userIds.id(0), item: data.itemIds.id(0) }], {
      userIds: data.userIds,
      itemIds: data.itemIds,
    });
    const epochs: number[] = [];
    const m = new Sasrec({ ...opts, epochs: 200, patience: 2 }).fit(data, {
      validation,
      onEpoch: (e) => epochs.push(e.epoch),
    });
    expect(epochs.length).toBeLessThan(200);
    expect(epochs.length - m.bestEpoch).toBe(2);
  });

  it('rejects heads that do not divide hidden, naming both', () => {
    expect(() => new Sasrec({ hidden: 10, heads: 3 })).toThrow(InvalidParameterError);
    expect(() => new Sasrec({ hidden: 10, heads: 3 })).toThrow(/heads.*hidden/);
  });

  it('fails with ModelFitError when training diverges', () => {
    expect(() => new Sasrec({ ...opts, learningRate: 1e38 }).fit(data)).toThrow(ModelFitError);
  });
});
