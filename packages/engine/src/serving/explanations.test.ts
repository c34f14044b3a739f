import { InteractionsBuilder, createModel, saveModel, type Params } from 'kindred';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../config.js';
import { MemoryStorage } from '../jobs/memory-storage.case.js';
import { syntheticFeedback } from '../jobs/training-host.case.js';
import type { FeedbackRecord, ItemRecord } from '../storage/port.js';
import { ServingService, type ServedList } from './service.js';

const DAY = 86_400_000;
const NOW = Date.now();
const GENERIC = new Set(['Recommended for you', 'Popular right now']);
const VERBS: Record<string, string> = { click: 'clicked', purchase: 'bought', play: 'watched' };

/**
 * A seeded synthetic store (kindred's `synthetic`: 150 users, 120 items, 4000 events): events are clicks, every third
 * a purchase and every fifth a play (configured verb "watched"), a month old; items in five categories, titled
 * "Title <id>", published 30–150 days ago (so newness explains nothing).
 */
async function store(): Promise<{ storage: MemoryStorage; rows: FeedbackRecord[] }> {
  const storage = new MemoryStorage();
  const items: ItemRecord[] = Array.from({ length: 120 }, (_, k) => ({
    id: `i${k}`,
    categories: [`g${k % 5}`],
    labels: { title: `Title i${k}` },
    timestamp: NOW - (30 + k) * DAY,
    hidden: false,
    updatedAt: NOW,
  }));
  await storage.upsertItems(items);
  const rows = syntheticFeedback({ users: 150, items: 120, interactions: 4000, seed: 5 }).map((r, k) => ({
    ...r,
    type: k % 5 === 0 ? 'play' : k % 3 === 0 ? 'purchase' : 'click',
    value: 1,
    timestamp: NOW - 30 * DAY + k * 1000,
  }));
  await storage.insertFeedback(rows, { createUsers: true, createItems: false });
  return { storage, rows };
}

const config = (over: Record<string, unknown> = {}) =>
  validateConfig({
    dataDir: '/nonexistent-kindred-test',
    feedback: {
      types: {
        click: { weight: 1 },
        purchase: { weight: 3 },
        play: { weight: 2, verb: 'watched' },
        dislike: { weight: -1 },
      },
    },
    ...over,
  });

async function servingWith(algorithm: string | null, params: Params = {}) {
  const { storage, rows } = await store();
  if (algorithm) {
    const b = new InteractionsBuilder();
    for (const r of rows) b.add(r.userId, r.itemId, r.type === 'purchase' ? 3 : r.type === 'play' ? 2 : 1);
    const model = createModel(algorithm, params).fit(b.build('sum'));
    const rec = await storage.saveModel(
      { algorithm, params, createdAt: NOW, metrics: {}, trainedThroughSeq: await storage.lastSeq(), fitSeconds: 0 },
      saveModel(model),
    );
    await storage.activateModel(rec.version);
  }
  const serving = new ServingService({ config: config(), storage });
  await serving.reload();
  return { serving, rows };
}

/** Scores on [0, 1], non-increasing down the list. */
function expectRankScores(list: ServedList): void {
  for (let k = 0; k < list.items.length; k++) {
    expect(list.items[k].score).toBeGreaterThanOrEqual(0);
    expect(list.items[k].score).toBeLessThanOrEqual(1);
    if (k > 0) expect(list.items[k].score).toBeLessThanOrEqual(list.items[k - 1].score);
  }
}

/** Every "Because you <verb> <title>" names one of the user's positives, with the verb of their latest event on it. */
function expectTruthfulBecause(list: ServedList, rows: FeedbackRecord[], user: string): void {
  const mine = rows.filter((r) => r.userId === user);
  for (const it of list.items) {
    const m = /^Because you (clicked|bought|watched) Title (i\d+)$/.exec(it.explanation);
    if (!it.explanation.startsWith('Because you ') || it.explanation.startsWith('Because you like ')) continue;
    expect(m, it.explanation).not.toBeNull();
    const on = mine.filter((r) => r.itemId === m![2]);
    expect(on.length, `${user} has feedback on ${m![2]}`).toBeGreaterThan(0);
    expect(VERBS[on[on.length - 1].type]).toBe(m![1]);
    expect(it.reason.because).toEqual([m![2]]);
  }
}

describe('served lists: final scores in rank order and specific explanations, per model family', () => {
  const families: [string, Params][] = [
    ['als', { factors: 8, iterations: 6, seed: 1 }],
    ['bpr', { factors: 8, iterations: 10, seed: 1 }],
    ['item-knn', { k: 20 }],
    ['ease', { lambda: 50 }],
  ];
  const share: Record<string, number> = {};

  for (const [algorithm, params] of families)
    it(`${algorithm}: non-increasing scores on [0, 1], truthful verbs, generic explanations bounded`, async () => {
      const { serving, rows } = await servingWith(algorithm, params);
      let generic = 0,
        total = 0;
      for (let u = 0; u < 150; u += 3) {
        const list = await serving.recommend(`u${u}`, { n: 10 });
        expectRankScores(list);
        expectTruthfulBecause(list, rows, `u${u}`);
        // A second page continues the first one's scale.
        const next = await serving.recommend(`u${u}`, { n: 10, offset: 10 });
        if (list.items.length && next.items.length)
          expect(next.items[0].score).toBeLessThanOrEqual(list.items[list.items.length - 1].score);
        for (const it of list.items) {
          total++;
          if (GENERIC.has(it.explanation)) generic++;
        }
      }
      share[algorithm] = generic / total;
      // Measured on this seed: 0 % for every family; before the fix 78 % (ALS), 89 % (BPR), 54 % (item-kNN) and
      // 78 % (EASE) were "Recommended for you" / "Popular right now". Bound with headroom.
      expect(share[algorithm]).toBeLessThanOrEqual(0.05);
    });

  it('no model (popular fallback): scores are counts relative to the top, and a category says "Popular in"', async () => {
    const { serving } = await servingWith(null);
    const cold = await serving.recommend('nobody', { n: 10 });
    expect(cold.fallback).toBe('popular');
    expectRankScores(cold);
    expect(cold.items[0].score).toBe(1);
    const pop = serving.popular(20);
    expectRankScores(pop);
    expect(pop.items[0].score).toBe(1);
    const inCat = serving.popular(5, 'g2');
    expectRankScores(inCat);
    expect(inCat.items.every((x) => x.explanation === 'Popular in g2')).toBe(true);
    // A known user without a model: popularity in their favourite categories is specific ("Popular in g1"); only
    // popular items outside them (nothing names a reason there without a model) stay "Popular right now".
    const known = await serving.recommend('u0', { n: 10 });
    expectRankScores(known);
    expect(known.items.some((x) => /^(Popular in|Because you like) g\d$/.test(x.explanation))).toBe(true);
    for (const x of known.items.filter((y) => GENERIC.has(y.explanation))) expect(x.reason.source).toBe('popular');
  });

  it('similar items: similarity relative to the most similar item, non-increasing', async () => {
    const { serving } = await servingWith('als', { factors: 8, iterations: 6, seed: 1 });
    const list = serving.similarItems('i3', 10)!;
    expectRankScores(list);
    expect(list.items[0].score).toBe(1);
  });
});
