// Serving HistoryScorer models from the user's newest events without retraining: users unknown to the model, users
// with feedback newer than it (the next request reflects it, also over precomputed lists), anonymous sessions, and
// the order of the history for ordered models (run against every ORDERED_SCORERS entry).
import { describe, expect, it } from 'vitest';
import type { FeedbackRecord } from '../storage/port.js';
import {
  ORDERED_SCORERS,
  click,
  expectHistoryExplained,
  expectedHistory,
  historyServed,
  modelRanking,
  postFeedback,
  tinyVae,
} from './history-serving.case.js';
import type { ServingService } from './service.js';

const ids = (l: { items: { id: string }[] }) => l.items.map((x) => x.id);

async function finished(s: ServingService) {
  for (let t = 0; t < 1200; t++) {
    const p = s.ready().precompute;
    if (p.status !== 'running') return p;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('precompute did not finish in 60 s');
}

describe('serving mult-vae (an unordered HistoryScorer)', () => {
  it('a user unknown to the model gets model candidates scored from their stored history', async () => {
    const { service, storage, model } = await historyServed(tinyVae);
    const events = [
      click('newcomer', 3, 10),
      click('newcomer', 40, 11),
      click('newcomer', 3, 12),
      click('newcomer', 17, 13),
    ];
    await storage.insertFeedback(events, { createUsers: true, createItems: false });
    const list = await service.recommend('newcomer', { n: 10 });
    const seen = new Set(events.map((e) => e.itemId));
    // Without history scoring the model has nothing for this user, and every other generator is off: empty list.
    expect(ids(list)).toEqual(modelRanking(model, expectedHistory(model, events), seen, 10));
    expect(list.fallback).toBeNull();
    expect(expectHistoryExplained(list, seen, model.name)).toBe(list.items.length);
  });

  it('after new feedback a known user’s list is the model’s ranking of the new history on the very next request', async () => {
    const { service, storage, model } = await historyServed(tinyVae);
    const before = await service.recommend('u0', { n: 10 });
    expect(before.items).toHaveLength(10);
    // u0 clicked items 0, 3, …, 21; now a run of items far from them.
    const fresh = [click('u0', 41, 100), click('u0', 43, 101), click('u0', 45, 102), click('u0', 47, 103)];
    await postFeedback(storage, service, fresh);
    const after = await service.recommend('u0', { n: 10 });
    const stored = (await storage.userFeedback('u0', 1000)).reverse();
    const seen = new Set(stored.map((r) => r.itemId));
    const expected = modelRanking(model, expectedHistory(model, stored), seen, 10);
    expect(ids(after)).toEqual(expected);
    // Power: the stale answer (the training row's ranking, new items merely excluded) is a different list.
    const t = model.training;
    const u = t.userIds.get('u0');
    const trainingRow = Array.from(t.seenIndices.subarray(t.seenIndptr[u], t.seenIndptr[u + 1]));
    expect(modelRanking(model, trainingRow, seen, 10)).not.toEqual(expected);
    expect(expectHistoryExplained(after, seen, model.name)).toBe(after.items.length);
    // And the cached answer is the same answer.
    expect(ids(await service.recommend('u0', { n: 10 }))).toEqual(expected);
  });

  it('a precomputed list is voided by the user’s feedback: the next request scores the new history', async () => {
    const { service, storage, model } = await historyServed(tinyVae, { precompute: true });
    expect((await finished(service)).status).toBe('done');
    expect(service.recommendJson('u1', { n: 10 })).not.toBeNull(); // served from the precomputed list
    const fresh = [click('u1', 51, 100), click('u1', 53, 101), click('u1', 55, 102)];
    await postFeedback(storage, service, fresh);
    expect(service.recommendJson('u1', { n: 10 })).toBeNull();
    const stored = (await storage.userFeedback('u1', 1000)).reverse();
    const seen = new Set(stored.map((r) => r.itemId));
    const after = await service.recommend('u1', { n: 10 });
    expect(ids(after)).toEqual(modelRanking(model, expectedHistory(model, stored), seen, 10));
  });

  it('a session is the history: model candidates "Because you recently clicked …"; unknown items fall back', async () => {
    const { service, model } = await historyServed(tinyVae);
    const session = [
      { itemId: 'i20', type: 'click' },
      { itemId: 'i22', type: 'click' },
      { itemId: 'i25', type: 'click' },
    ];
    const list = service.session(session, { n: 8 });
    const seen = new Set(session.map((e) => e.itemId));
    const asRows = session.map((e, k) => ({ ...e, userId: '', value: 1, timestamp: k }));
    expect(ids(list)).toEqual(modelRanking(model, expectedHistory(model, asRows), seen, 8));
    expect(list.items.length).toBe(8);
    expect(expectHistoryExplained(list, seen, model.name)).toBe(list.items.length);
    // Nothing the model knows: today's session path (item-to-item and popular), no model candidates.
    const unknown = service.session([{ itemId: 'nope', type: 'click' }], { n: 5 });
    expect(unknown.items.length).toBeGreaterThan(0);
    expect(unknown.items.every((x) => x.reason.source !== model.name)).toBe(true);
  });
});

describe.each(ORDERED_SCORERS)('serving an ordered HistoryScorer: $name', (scorer) => {
  it('the history is the user’s events oldest → newest, repeats kept, ties in seq order, cut to historyLimit', async () => {
    const { service, storage, model } = await historyServed(scorer.fit);
    expect(model.historyOrdered).toBe(true);
    // Items far apart in the model's index space (a, b, c, d, e), stored out of time order on purpose; c and d share
    // a timestamp (their seq order decides: c first), and d is repeated. Oldest → newest: a, b, c, d, e, d.
    const [a, b, c, d, e] = [5, 15, 25, 35, 45].map((i) => Number(String(model.training.itemIds.id(i)).slice(1)));
    const events: FeedbackRecord[] = [
      click('reader', e, 20),
      click('reader', c, 15),
      click('reader', d, 15),
      click('reader', a, 5),
      click('reader', d, 22),
      click('reader', b, 10),
    ];
    await storage.insertFeedback(events, { createUsers: true, createItems: false });
    const seen = new Set(events.map((e) => e.itemId));
    const history = expectedHistory(model, events);
    const expected = modelRanking(model, history, seen, 20);
    const list = await service.recommend('reader', { n: 20 });
    expect(ids(list)).toEqual(expected);
    // Power: another reading of the same events ranks differently for this model — reversed, the tie in the other
    // order (d stored before c), or each item once.
    expect(modelRanking(model, history.slice().reverse(), seen, 20)).not.toEqual(expected);
    const tieSwapped = expectedHistory(model, [events[0], events[2], events[1], ...events.slice(3)]);
    expect(modelRanking(model, tieSwapped, seen, 20)).not.toEqual(expected);
    expect(modelRanking(model, expectedHistory(model, events, false), seen, 20)).not.toEqual(expected);
    expect(expectHistoryExplained(list, seen, model.name)).toBe(list.items.length);
  });

  it('a new event changes the list on the very next request', async () => {
    const { service, storage, model } = await historyServed(scorer.fit);
    const first = [click('walker', 2, 1), click('walker', 5, 2), click('walker', 8, 3)];
    await postFeedback(storage, service, first);
    const before = await service.recommend('walker', { n: 5 });
    const next = [click('walker', 37, 4)];
    await postFeedback(storage, service, next);
    const after = await service.recommend('walker', { n: 5 });
    const all = [...first, ...next];
    const seen = new Set(all.map((e) => e.itemId));
    expect(ids(after)).toEqual(modelRanking(model, expectedHistory(model, all), seen, 5));
    expect(ids(after)).not.toEqual(ids(before));
  });

  it('a session is scored in the order given (equal timestamps) or by timestamp', async () => {
    const { service, model } = await historyServed(scorer.fit);
    const given = [
      { itemId: 'i40', type: 'click' },
      { itemId: 'i10', type: 'click' },
      { itemId: 'i25', type: 'click' },
    ];
    const seen = new Set(given.map((e) => e.itemId));
    const order = (items: string[]) => items.map((id) => model.training.itemIds.get(id));
    const list = service.session(given, { n: 5 });
    expect(ids(list)).toEqual(modelRanking(model, order(['i40', 'i10', 'i25']), seen, 5));
    expect(expectHistoryExplained(list, seen, model.name)).toBe(list.items.length);
    // Timestamps reorder them: i25 oldest, i40 newest.
    const timed = given.map((e, k) => ({ ...e, timestamp: T_SESSION - k }));
    const byTime = service.session(timed, { n: 5 });
    expect(ids(byTime)).toEqual(modelRanking(model, order(['i25', 'i10', 'i40']), seen, 5));
    expect(ids(byTime)).not.toEqual(ids(list));
  });
});

const T_SESSION = Date.UTC(2024, 5, 1);
