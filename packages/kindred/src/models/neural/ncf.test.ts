import { describe, expect, it } from 'vitest';
import { InvalidParameterError, ModelFitError } from '../../errors.js';
import { Interactions } from '../../data/interactions.js';
import { synthetic } from '../../data/synthetic.js';
import { Rng } from '../../math/rng.js';
import { conformance } from '../recommender.case.js';
import { NegativeSampler } from './negative-sampler.js';
import { buildNcfNet, ncfNetWeights, type NcfShape, type NcfVariant } from './ncf-net.js';
import { fuseTowers } from './ncf-pretrain.js';
import { NcfScorer } from './ncf-scorer.js';
import { Ncf, ncfEntry } from './ncf.js';
import { validationNdcg } from './validation-ndcg.js';

const small = { epochs: 40, factors: 8, layers: '16,8', negatives: 4, batchSize: 64, learningRate: 1e-2, seed: 1 };
conformance('ncf', { create: (p) => new Ncf({ ...small, ...p }), implicit: true, entry: ncfEntry });
conformance('ncf (gmf)', { create: (p) => new Ncf({ ...small, model: 'gmf', ...p }), implicit: true });
// The MLP tower alone learns the interaction slowly (He et al. §4.2: MLP needs depth; a one-layer MLP stays near
// popularity here): a deeper tower and more epochs.
const mlpOnly = { ...small, model: 'mlp', layers: '32,16,8', epochs: 100 };
conformance('ncf (mlp)', { create: (p) => new Ncf({ ...mlpOnly, ...p }), implicit: true });

/** The plain tape forward of `pairs` with `weights` copied into a fresh graph (no cache, no split first layer). */
function graphLogits(shape: NcfShape, weights: Record<string, Float32Array>, pairs: [number, number][]): Float32Array {
  const net = buildNcfNet(shape, pairs.length, 0, new Rng(0));
  for (const p of net.graph.params) p.value.set(weights[p.name]);
  net.graph.training = false;
  pairs.forEach(([u, i], r) => {
    net.users[r] = u;
    net.items[r] = i;
  });
  net.graph.forward();
  return net.logits.value as Float32Array;
}

describe('Ncf', () => {
  const data = synthetic({ users: 60, items: 40, interactions: 900, kind: 'implicit', seed: 3 });
  const opts = { epochs: 8, factors: 8, layers: '16,8,4', negatives: 4, batchSize: 128, learningRate: 5e-3, seed: 2 };

  it('reports each epoch with a finite, falling loss and is deterministic under a seed', () => {
    const losses: number[] = [];
    const a = new Ncf(opts).fit(data, { onEpoch: (e) => losses.push(e.loss!) });
    expect(losses).toHaveLength(8);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[7]).toBeLessThan(losses[0] - 0.05);
    const [sa, sb, sc] = [0, 1, 2].map(() => new Float32Array(data.nItems));
    a.scoreItems(3, sa);
    new Ncf(opts).fit(data).scoreItems(3, sb);
    new Ncf({ ...opts, seed: 3 }).fit(data).scoreItems(3, sc);
    expect(Array.from(sa)).toEqual(Array.from(sb));
    expect(Array.from(sa)).not.toEqual(Array.from(sc));
  });

  // The fast path splits the first MLP layer (W_u·p_u + cached W_i·q_i) and folds h into the GMF user vector; a wrong
  // half of W1, a stale cache or a missing bias would make it disagree with the plain forward of the same weights.
  it.each(['neumf', 'gmf', 'mlp'] as NcfVariant[])(
    '%s: the cached-item full-ranking scores equal a plain forward of the graph for every pair',
    (variant) => {
      const shape: NcfShape = { users: 7, items: 600, variant, factors: 5, layers: [12, 6, 3] };
      const rng = new Rng(4);
      const weights = ncfNetWeights(buildNcfNet(shape, 1, 0, rng));
      // Large random weights (the 0.01 initialisation would leave the MLP nearly constant) and non-zero biases.
      for (const w of Object.values(weights)) rng.fillNormal(w, 0.1, 0.7);
      const scorer = new NcfScorer(weights, shape);
      const pairs: [number, number][] = [];
      for (let u = 0; u < shape.users; u++) for (let i = 0; i < shape.items; i++) pairs.push([u, i]);
      const plain = graphLogits(shape, weights, pairs);
      const row = new Float32Array(shape.items);
      let active = 0;
      for (let u = 0; u < shape.users; u++) {
        scorer.scoreUser(u, row);
        for (let i = 0; i < shape.items; i++) {
          const want = plain[u * shape.items + i];
          expect(Math.abs(row[i] - want), `(${u}, ${i})`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));
        }
        active += new Set(Array.from(row, (x) => x.toFixed(4))).size;
      }
      expect(active).toBeGreaterThan(shape.users * 100); // the scores really vary by item
      // After a weight change the cache is stale until refresh(): the model refreshes before every validation.
      weights['mlp.item']?.fill(0.3);
      weights['gmf.item']?.fill(0.3);
      scorer.refresh();
      scorer.scoreUser(2, row);
      const after = graphLogits(shape, weights, [[2, 5]]);
      expect(Math.abs(row[5] - after[0])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(after[0])));
    },
  );

  it('pre-training fuses the towers so NeuMF starts at α·GMF + (1 − α)·MLP, and fits with it', () => {
    const base = { users: 4, items: 30, factors: 3, layers: [6, 4] };
    const rng = new Rng(8);
    const random = (variant: NcfVariant) => {
      const w = ncfNetWeights(buildNcfNet({ ...base, variant }, 1, 0, rng));
      for (const a of Object.values(w)) rng.fillNormal(a, 0.1, 0.6);
      return w;
    };
    const [gmf, mlp] = [random('gmf'), random('mlp')];
    const fused = new NcfScorer(fuseTowers(gmf, mlp, 0.3), { ...base, variant: 'neumf' });
    const [rf, rg, rm] = [0, 1, 2].map(() => new Float32Array(base.items));
    fused.scoreUser(2, rf);
    new NcfScorer(gmf, { ...base, variant: 'gmf' }).scoreUser(2, rg);
    new NcfScorer(mlp, { ...base, variant: 'mlp' }).scoreUser(2, rm);
    for (let i = 0; i < base.items; i++) expect(rf[i]).toBeCloseTo(0.3 * rg[i] + 0.7 * rm[i], 5);
    const epochs: number[] = [];
    const m = new Ncf({ ...opts, epochs: 3, pretrain: true }).fit(data, { onEpoch: (e) => epochs.push(e.epoch) });
    expect(epochs).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3]); // GMF, MLP, then NeuMF
    expect(m.recommend(data.userIds.id(0), { k: 5 }).ids).toHaveLength(5);
  });

  it('a trained model scores every item as a plain forward of its saved weights does', () => {
    const m = new Ncf(opts).fit(data);
    const state = m.exportState();
    const shape: NcfShape = {
      users: data.nUsers,
      items: data.nItems,
      variant: 'neumf',
      factors: 8,
      layers: [16, 8, 4],
    };
    const weights = state.arrays as Record<string, Float32Array>;
    const u = 5;
    const pairs = Array.from({ length: data.nItems }, (_, i): [number, number] => [u, i]);
    const plain = graphLogits(shape, weights, pairs);
    const row = new Float32Array(data.nItems);
    m.scoreItems(u, row);
    for (let i = 0; i < data.nItems; i++) {
      if (!m.knownItem(i)) continue;
      expect(Math.abs(row[i] - plain[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(plain[i])));
    }
  });

  it('negatives are uniform over the items the user never interacted with, and never one of hers', () => {
    // Rows with duplicates and unsorted items, a user with every item and one with none.
    const nItems = 12;
    const rows = [[3, 1, 3, 7], Array.from({ length: nItems }, (_, i) => nItems - 1 - i), [], [0, 11]];
    const indptr = Int32Array.from([0, ...rows.map((_, r) => rows.slice(0, r + 1).flat().length)]);
    const sampler = new NegativeSampler(indptr, Int32Array.from(rows.flat()), nItems);
    const rng = new Rng(9);
    for (const u of [0, 2, 3]) {
      const own = new Set(rows[u]);
      const counts = new Map<number, number>();
      const draws = 6000;
      for (let k = 0; k < draws; k++) {
        const j = sampler.sample(u, rng);
        expect(own.has(j), `user ${u} drew her own item ${j}`).toBe(false);
        expect(j >= 0 && j < nItems).toBe(true);
        counts.set(j, (counts.get(j) ?? 0) + 1);
      }
      const free = nItems - own.size;
      expect(counts.size).toBe(free); // every unseen item is reachable
      for (const c of counts.values()) expect(Math.abs(c - draws / free)).toBeLessThan(0.2 * (draws / free));
    }
    expect(sampler.sample(1, rng)).toBe(-1); // she has every item: nothing to sample, no endless loop
  });

  it('trains when a user has every item (her negatives are skipped, not looped on)', () => {
    const recs = [];
    for (let i = 0; i < 6; i++) recs.push({ user: 'all', item: `i${i}` });
    for (let u = 0; u < 5; u++) recs.push({ user: `u${u}`, item: `i${u}` });
    const m = new Ncf({ ...opts, epochs: 2 }).fit(Interactions.fromRecords(recs));
    expect(m.recommend('u0', { k: 3 }).ids).toHaveLength(3);
  });

  it('stops early on a validation split after `patience` epochs without improvement', () => {
    const validation = Interactions.fromRecords([{ user: data.userIds.id(0), item: data.itemIds.id(0) }], {
      userIds: data.userIds,
      itemIds: data.itemIds,
    });
    const epochs: number[] = [];
    const best: number[] = [];
    const m = new Ncf({ ...opts, epochs: 200, patience: 2 }).fit(data, {
      validation,
      onEpoch: (e) => {
        epochs.push(e.epoch);
        if (e.validation?.best) best.push(e.epoch);
      },
    });
    expect(epochs.length).toBeLessThan(200);
    expect(epochs.length - m.bestEpoch).toBe(2);
    expect(best[best.length - 1]).toBe(m.bestEpoch);
  });

  it('validates each epoch on its current weights: the kept epoch’s reported NDCG is the final model’s', () => {
    const [train, validation] = [0, 1].map((part) =>
      Interactions.fromRecords(
        Array.from(data.byUser().indices.keys())
          .filter((q) => (q % 7 === 0 ? 1 : 0) === part)
          .map((q) => ({ user: data.userIds.id(data.users[q]), item: data.itemIds.id(data.items[q]) })),
        { userIds: data.userIds, itemIds: data.itemIds },
      ),
    );
    const reported = new Map<number, number>();
    const m = new Ncf({ ...opts, epochs: 6, patience: 6 }).fit(train, {
      validation,
      onEpoch: (e) => reported.set(e.epoch, e.validation!.value),
    });
    // A stale item cache (not refreshed after an epoch's updates) would score validation with older item weights.
    const n = m.training.nItems;
    const again = validationNdcg(m.training, validation, 8, (users, out) => {
      users.forEach((u, r) => m.scoreItems(u, out.subarray(r * n, (r + 1) * n)));
    });
    expect(new Set(reported.values()).size).toBeGreaterThan(1);
    expect(again).toBeCloseTo(reported.get(m.bestEpoch)!, 10);
  });

  it('fails with ModelFitError when training diverges', () => {
    expect(() => new Ncf({ ...opts, learningRate: 1e38 }).fit(data)).toThrow(ModelFitError);
  });

  it('rejects malformed layer widths, naming the parameter', () => {
    for (const layers of ['64', '63,32', '64,0', '64,x'])
      expect(() => new Ncf({ layers }), layers).toThrow(InvalidParameterError);
    expect(() => new Ncf({ layers: '64' })).toThrow(/layers/);
  });
});
