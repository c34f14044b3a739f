import { describe, expect, it } from 'vitest';
import { ModelFitError } from '../../errors.js';
import { Interactions } from '../../data/interactions.js';
import { synthetic } from '../../data/synthetic.js';
import { Rng } from '../../math/rng.js';
import { conformance } from '../recommender.case.js';
import { AutoRec, autoRecEntry, itemColumns } from './autorec.js';
import { AutoRecNet, type ItemColumns } from './autorec-net.js';
import { GRAD_TOL, gradError } from './grad-check.case.js';
import { zeroGrads } from './param.js';

const small = { hidden: 16, epochs: 60, batchSize: 8, learningRate: 1e-2, lambda: 0.1, holdout: 0, seed: 1 };
conformance('autorec', { create: (p) => new AutoRec({ ...small, ...p }), entry: autoRecEntry });

/** Three items over four users: item 0 rated by users 0 and 1, item 1 by 0, 1, 2, item 2 by 2; user 3 rated nothing. */
const cols: ItemColumns = {
  indptr: Int32Array.of(0, 2, 5, 6),
  users: Int32Array.of(0, 1, 0, 1, 2, 2),
  ratings: Float64Array.of(4, 2, 5, 3, 1, 4),
};

/** The objective Σ observed (r̂ − r)² + λ/2·‖W, V‖² recomputed from the weights by a plain forward pass. */
function objective(net: AutoRecNet, items: number[], lambda: number): number {
  const H = net.shape.hidden;
  const h = new Float64Array(H);
  let sse = 0;
  for (const i of items) {
    net.encodeInto(cols, i, h);
    for (let q = cols.indptr[i]; q < cols.indptr[i + 1]; q++) {
      const u = cols.users[q];
      let pred = net.decB.value[u];
      for (let j = 0; j < H; j++) pred += net.decW.value[u * H + j] * h[j];
      sse += (pred - cols.ratings[q]) ** 2;
    }
  }
  return sse + net.penalty(lambda);
}

describe('AutoRecNet', () => {
  const make = () => {
    const net = new AutoRecNet({ users: 4, hidden: 3 }, new Rng(4), Float64Array);
    net.decB.value.set([0.3, -0.2, 0.5, 0.1]);
    net.encB.value.set([0.1, -0.4, 0.2]);
    return net;
  };

  it('its gradient matches finite differences of the objective', () => {
    const net = make();
    const items = [0, 1, 2];
    zeroGrads(net.params);
    net.accumulate(cols, Int32Array.from(items), 0.3, 1);
    for (const p of net.params) {
      const err = gradError(() => objective(net, items, 0.3), p.value as Float64Array, Float64Array.from(p.grad));
      expect(err, p.name).toBeLessThan(GRAD_TOL);
    }
  });

  it('counts only observed entries: a user who rated none of the items gets no gradient and no loss', () => {
    const net = make();
    zeroGrads(net.params);
    const sse = net.accumulate(cols, Int32Array.of(0), 0, 1);
    // Users 2 and 3 did not rate item 0: a dense reconstruction (targets 0 at unobserved entries) would push their
    // outputs towards 0 and give them a gradient.
    const H = net.shape.hidden;
    for (const u of [2, 3]) {
      expect(net.decB.grad[u]).toBe(0);
      for (let j = 0; j < H; j++) expect(net.decW.grad[u * H + j]).toBe(0);
    }
    expect(sse).toBeCloseTo(objective(net, [0], 0), 12);
    // Changing an unobserved output's weights leaves the loss unchanged.
    net.decB.value[3] += 10;
    net.decW.value[3 * H] += 10;
    zeroGrads(net.params);
    expect(net.accumulate(cols, Int32Array.of(0), 0, 1)).toBeCloseTo(sse, 12);
  });

  it('groups ratings by item, keeping the row order within an item', () => {
    const d = Interactions.fromRecords([
      { user: 'a', item: 'y', value: 3 },
      { user: 'b', item: 'x', value: 4 },
      { user: 'c', item: 'y', value: 5 },
    ]);
    const c = itemColumns(d, null, d.nItems);
    expect(Array.from(c.indptr)).toEqual([0, 2, 3]);
    expect(Array.from(c.users)).toEqual([0, 2, 1]);
    expect(Array.from(c.ratings)).toEqual([3, 5, 4]);
    const part = itemColumns(d, Int32Array.of(1, 2), d.nItems);
    expect(Array.from(part.indptr)).toEqual([0, 1, 2]);
  });
});

describe('AutoRec', () => {
  const data = synthetic({ users: 60, items: 40, interactions: 900, seed: 3 });
  const opts = { hidden: 12, epochs: 10, batchSize: 8, learningRate: 1e-2, lambda: 0.1, holdout: 0, seed: 2 };

  it('reports each epoch with a falling training RMSE and is deterministic under a seed', () => {
    const losses: number[] = [];
    const a = new AutoRec(opts).fit(data, { onEpoch: (e) => losses.push(e.loss!) });
    expect(losses).toHaveLength(10);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[9]).toBeLessThan(losses[0]);
    const b = new AutoRec(opts).fit(data);
    const [sa, sb] = [new Float32Array(data.nItems), new Float32Array(data.nItems)];
    a.scoreItems(3, sa);
    b.scoreItems(3, sb);
    expect(Array.from(sa)).toEqual(Array.from(sb));
  });

  it('clips predictions to the rating scale', () => {
    // A tiny λ and many epochs on 1–5 ratings: some raw reconstructions leave [1, 5].
    const m = new AutoRec({ ...opts, lambda: 0, epochs: 80, learningRate: 5e-2 }).fit(data);
    const s = m.training;
    let outside = 0;
    for (let u = 0; u < s.nUsers; u++)
      for (let i = 0; i < s.nItems; i++) {
        const raw = m.score(u, i);
        if (raw < s.ratingMin || raw > s.ratingMax) outside++;
        const p = m.predictIndex(u, i);
        expect(p).toBeGreaterThanOrEqual(s.ratingMin);
        expect(p).toBeLessThanOrEqual(s.ratingMax);
      }
    expect(outside).toBeGreaterThan(0);
  });

  it('stops early on the validation RMSE (metric "-rmse"), from a hold-out when fit has no validation split', () => {
    const metrics: string[] = [];
    const m = new AutoRec({ ...opts, epochs: 300, patience: 3, holdout: 0.2 }).fit(data, {
      onEpoch: (e) => metrics.push(e.validation!.metric),
    });
    expect(metrics.length).toBeLessThan(300);
    expect(metrics.length - m.bestEpoch).toBe(3);
    expect(metrics.every((x) => x === '-rmse')).toBe(true);
  });

  it('fails with ModelFitError when training diverges', () => {
    expect(() => new AutoRec({ ...opts, learningRate: 1e38 }).fit(data)).toThrow(ModelFitError);
  });
});
