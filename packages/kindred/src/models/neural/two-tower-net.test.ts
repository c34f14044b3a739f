import { describe, expect, it } from 'vitest';
import { Rng } from '../../math/rng.js';
import { buildTowerNet, towerVectors, towerWeights, type TowerShape } from './two-tower-net.js';

describe('two-tower network', () => {
  it('serving (towerVectors, no tape) computes what the training graph computes', () => {
    for (const shape of [
      { items: 6, itemFeatures: 4, userFeatures: 3, dim: 5, hidden: 7, out: 4, scale: 2 },
      { items: 6, itemFeatures: 0, userFeatures: 0, dim: 3, hidden: 0, out: 2, scale: 0 },
    ] satisfies TowerShape[]) {
      const B = 3;
      const net = buildTowerNet(shape, B, 12, 6, 6, new Rng(4));
      const w = towerWeights(net);
      // Bags: histories [0, 1], [2], [] (mean weights), user features, item features, ids (the last one dropped).
      net.history.ids.set([0, 1, 2]);
      net.history.weights.set([0.5, 0.5, 1]);
      net.history.offsets.set([0, 2, 3, 3]);
      if (net.userFeatures) {
        net.userFeatures.ids.set([0, 2, 1]);
        net.userFeatures.weights.set([1, 0.5, 1]);
        net.userFeatures.offsets.set([0, 2, 3, 3]);
      }
      if (net.itemFeatures) {
        net.itemFeatures.ids.set([3, 1, 0, 2]);
        net.itemFeatures.weights.set([1, 1, 0.3, 0.7]);
        net.itemFeatures.offsets.set([0, 1, 2, 4]);
      }
      net.itemIds.set([4, 5, -1]);
      net.graph.forward();
      const users = new Float32Array(B * shape.out);
      const userBags = [{ table: w.hist, ...net.history }];
      if (net.userFeatures) userBags.push({ table: w.ufeat, ...net.userFeatures });
      towerVectors(w, shape, 'u', userBags, B, users);
      const idBag = { ids: Int32Array.of(4, 5), weights: Float32Array.of(1, 1), offsets: Int32Array.of(0, 1, 2, 2) };
      const itemBags = net.itemFeatures ? [{ table: w.ifeat, ...net.itemFeatures }] : [];
      itemBags.push({ table: w.iid, ...idBag });
      const items = new Float32Array(B * shape.out);
      towerVectors(w, shape, 'i', itemBags, B, items);
      for (const [served, trained] of [
        [users, net.users.value],
        [items, net.items.value],
      ])
        for (let k = 0; k < served.length; k++) expect(served[k]).toBeCloseTo(trained[k], 5);
      // The in-batch logits are every user's vector against every item's.
      let s = 0;
      for (let f = 0; f < shape.out; f++) s += users[shape.out + f] * items[2 * shape.out + f];
      expect(net.logits.value[B + 2]).toBeCloseTo(s, 5);
    }
  });
});
