// Where order carries signal, the sequential model must win, and only there: on the synthetic generator's sequential
// mode SASRec beats order-blind models on leave-last-out NDCG@10; on the same rows with each user's order shuffled
// (the same sets, so the order-blind models see the same data) its advantage disappears.
import { describe, expect, it } from 'vitest';
import { Interactions } from '../../data/interactions.js';
import { synthetic } from '../../data/synthetic.js';
import { leaveLastOutValidTest } from '../../data/validation-splits.js';
import { evaluateRanking } from '../../eval/evaluate-ranking.js';
import { Rng } from '../../math/rng.js';
import { Popular } from '../baseline/popular.js';
import { ItemKnn } from '../knn/item-knn.js';
import type { Recommender } from '../recommender.js';
import { Sasrec } from './sasrec.js';

const data = synthetic({ kind: 'sequential', users: 200, items: 60, interactions: 4000, seed: 1 });

/** The same rows with every user's timestamps permuted among her own rows (seeded). */
function shuffledOrder(d: Interactions): Interactions {
  const ts = Float64Array.from(d.timestamps!);
  const { indptr, order } = d.byUser();
  const rng = new Rng(9);
  for (let u = 0; u < d.nUsers; u++) {
    const rows = order.slice(indptr[u], indptr[u + 1]);
    const times = rng.shuffle(Float64Array.from(rows, (r) => ts[r]));
    rows.forEach((r, k) => (ts[r] = times[k]));
  }
  return new Interactions({ users: d.users, items: d.items, timestamps: ts, userIds: d.userIds, itemIds: d.itemIds });
}

function ndcg(model: Recommender, d: Interactions): number {
  const [split] = leaveLastOutValidTest()(d);
  model.fit(split.train, { validation: split.validation });
  return evaluateRanking(model, split.train, split.test, { metrics: ['ndcg@10'], exclude: split.validation }).metrics[
    'ndcg@10'
  ];
}

const sasrec = () =>
  new Sasrec({
    hidden: 16,
    blocks: 1,
    heads: 1,
    maxLength: 15,
    epochs: 20,
    patience: 3,
    batchSize: 32,
    learningRate: 1e-2,
    seed: 0,
  });
const blind = (d: Interactions) => Math.max(ndcg(new Popular(), d), ndcg(new ItemKnn({ k: 50 }), d));

describe('sasrec where order matters', () => {
  it('beats popular and item-knn on ordered sequences, and not on the same rows shuffled', () => {
    const ordered = { sasrec: ndcg(sasrec(), data), blind: blind(data) };
    const shuffled = shuffledOrder(data);
    const noOrder = { sasrec: ndcg(sasrec(), shuffled), blind: blind(shuffled) };
    expect(ordered.sasrec).toBeGreaterThan(ordered.blind + 0.1);
    expect(noOrder.sasrec).toBeLessThan(noOrder.blind + 0.03);
  });
});
