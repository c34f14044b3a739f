// ServingService with every model family as the served model: a known user's list, fold-in of new feedback, a
// cold-start user, and a reload after the store changed behind the service's back.
import { describe, expect, it } from 'vitest';
import {
  FAMILIES,
  NOW,
  activate,
  activeUser,
  data,
  expectConsistent,
  item,
  postFeedback,
  seenInStore,
  served,
} from './service-models.case.js';

describe.each(FAMILIES)('ServingService serving $name', (family) => {
  it('a known user gets a full personalised list of unseen items from the active version', async () => {
    const { service, storage, d, record } = await served(family);
    const user = activeUser(d);
    const list = await service.recommend(user, { n: 5 });
    expect(list.model).toEqual({ name: family.name, version: record.version });
    expect(list.fallback).toBeNull();
    expect(list.items).toHaveLength(5);
    await expectConsistent(list, storage, await seenInStore(storage, user), family.name);
    // The cached answer is the same answer.
    expect(await service.recommend(user, { n: 5 })).toEqual(list);
  });

  it('new feedback is folded in at once: the items become seen and leave the list', async () => {
    const { service, storage, d } = await served(family);
    const user = activeUser(d);
    const before = await service.recommend(user, { n: 5 });
    const taken = before.items.slice(0, 2).map((x) => x.id);
    await postFeedback(
      storage,
      service,
      taken.map((itemId) => ({ userId: user, itemId, type: 'like', value: 1, timestamp: NOW })),
    );
    const after = await service.recommend(user, { n: 5 });
    expect(after.items).toHaveLength(5);
    await expectConsistent(after, storage, await seenInStore(storage, user), family.name);
    for (const id of taken) expect(after.items.map((x) => x.id)).not.toContain(id);
  });

  it('a cold-start user gets the fallback list, then their own feedback is excluded', async () => {
    const { service, storage } = await served(family);
    const cold = await service.recommend('stranger', { n: 5 });
    expect(cold.fallback).not.toBeNull();
    expect(cold.items).toHaveLength(5);
    await expectConsistent(cold, storage, new Set(), family.name);
    const liked = cold.items.slice(0, 3).map((x) => x.id);
    await postFeedback(
      storage,
      service,
      liked.map((itemId) => ({ userId: 'stranger', itemId, type: 'like', value: 1, timestamp: NOW })),
    );
    const warm = await service.recommend('stranger', { n: 5 });
    expect(warm.items).toHaveLength(5);
    await expectConsistent(warm, storage, new Set(liked), family.name);
  });

  it('reload picks up what changed in the store behind its back: items added, hidden, deleted, a new version', async () => {
    const { service, storage, d, record } = await served(family);
    const user = activeUser(d);
    const before = await service.recommend(user, { n: 5 });
    const [hide, remove] = before.items.map((x) => x.id);
    // None of these go through the service's notifications.
    await storage.patchItem(hide, { hidden: true });
    expect(await storage.deleteItem(remove)).toBe(true);
    await storage.upsertItems([item('i900', { categories: ['new'], timestamp: NOW + 1000 })]);
    const next = await activate(storage, data(), family);
    expect(next.record.version).toBe(record.version + 1);
    // Before the reload the service still serves what it loaded (it was not told).
    expect(service.modelInfo).toEqual({ name: family.name, version: record.version });

    await service.reload();
    expect(service.ready().model).toEqual({ name: family.name, version: next.record.version });
    expect(service.catalogIds()).toContain('i900');
    const after = await service.recommend(user, { n: 5 });
    expect(after.model).toEqual({ name: family.name, version: next.record.version });
    const forbidden = await seenInStore(storage, user);
    forbidden.add(hide).add(remove);
    await expectConsistent(after, storage, forbidden, family.name);
    const cold = await service.recommend('stranger', { n: 30 });
    await expectConsistent(cold, storage, new Set([hide, remove]), family.name);
    // The new item is in the catalogue that serves: the newest item of the "latest" list.
    expect(service.latest(1, undefined).items.map((x) => x.id)).toEqual(['i900']);
  });
});
