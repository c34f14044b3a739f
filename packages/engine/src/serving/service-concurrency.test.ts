// The serving cache's concurrent paths on the default (writer thread) store: many requests for the same user while
// feedback arrives, an item is hidden and a model swap happens. Every answer must be consistent (no duplicate, no
// hidden item, no item seen by a write that finished before the request started), and an answer to a request started
// after a swap names the new version: the cache never serves a list computed before a write that finished first.
import { afterEach, describe, expect, it } from 'vitest';
import { ServingService, type ServedList } from './service.js';
import { FAMILIES, NOW, activate, activeUser, data, postFeedback, seenInStore, served } from './service-models.case.js';

const ALS = FAMILIES.find((f) => f.name === 'als')!;
const BPR = FAMILIES.find((f) => f.name === 'bpr')!;
const tick = () => new Promise<void>((r) => setImmediate(r));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
/** Polls `cond` (an explicit condition, no fixed sleep), failing after a generous 10 s. */
async function waitFor(cond: () => boolean): Promise<void> {
  for (let k = 0; !cond(); k++) {
    if (k > 10_000) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 1));
  }
}

describe('ServingService: concurrent requests, writes and swaps', () => {
  it('every answer is consistent with the writes that finished before its request started', async () => {
    const { service, storage, d, record } = await served(ALS, { threaded: true });
    const users = [activeUser(d), 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7'];
    // What each request must not contain, fixed when it starts: the user's seen items and hidden items as of then.
    const seen = new Map<string, Set<string>>();
    for (const u of users) seen.set(u, await seenInStore(storage, u));
    const hidden = new Set<string>();
    let minVersion = record.version;
    const failures: string[] = [];
    const answers: Promise<void>[] = [];
    let checked = 0;

    const start = (user: string) => {
      const forbidden = new Set([...seen.get(user)!, ...hidden]);
      const version = minVersion;
      answers.push(
        service.recommend(user, { n: 10 }).then((list: ServedList) => {
          checked++;
          const ids = list.items.map((x) => x.id);
          if (new Set(ids).size !== ids.length) failures.push(`${user}: duplicates ${ids}`);
          for (const id of ids) if (forbidden.has(id)) failures.push(`${user}: served ${id}, seen or hidden before`);
          if ((list.model?.version ?? 0) < version)
            failures.push(
              `${user}: v${list.model?.version} answered a request started after v${version} was swapped in`,
            );
          if (ids.length !== 10) failures.push(`${user}: ${ids.length} items`);
        }),
      );
    };
    const write = async (user: string, itemId: string) => {
      await postFeedback(storage, service, [{ userId: user, itemId, type: 'like', value: 1, timestamp: NOW }]);
      seen.get(user)!.add(itemId);
    };

    const next = await activate(storage, data(12), BPR);
    // activate() marked it active in the store; serve v1 until the swap below, as the training manager would.
    for (let step = 0; step < users.length; step++) {
      const hot = users[0];
      const fresh = users[step];
      // The items the write will take: the top of the lists the cache holds (or is loading) right now.
      const target = (await service.recommend(hot, { n: 1 })).items[0].id;
      const freshTarget = (await service.recommend(fresh, { n: 1, offset: 1 })).items[0].id;
      if (step > 0) service.onUserDeleted('nobody'); // a no-op notification must not disturb anything
      for (let k = 0; k < 10; k++) start(hot);
      start(fresh);
      // Writes in flight while requests for the same users start on every turn of the event loop.
      const writes = Promise.all([write(hot, target), write(fresh, freshTarget)]);
      let done = false;
      void writes.then(() => (done = true));
      while (!done) {
        start(hot);
        start(fresh);
        await tick();
      }
      await writes;
      for (let k = 0; k < 10; k++) start(hot);
      start(fresh);

      if (step === 2) {
        // Hidden through the catalogue route's path: store first, then the notification.
        const victim = (await service.recommend(hot, { n: 1 })).items[0].id;
        const updated = await storage.patchItem(victim, { hidden: true });
        service.onItemsUpserted([updated!]);
        hidden.add(victim);
        for (let k = 0; k < 10; k++) start(hot);
      }
      if (step === 4) {
        // The training manager's swap: mark active in the store, then swap serving in one step.
        const inFlight = [0, 1, 2, 3, 4].map(() => start(hot));
        expect(inFlight).toHaveLength(5);
        service.swapModel(next.model, next.record);
        minVersion = next.record.version;
        // The cached list of v1 is not served under v2's name: the answer is what v2 computes now without the cache
        // (an exclusion bypasses it; 50 is the cached list's length, over which diversity re-ranks).
        const cached = (await service.recommend(hot, { n: 10 })).items.map((x) => x.id);
        const direct = await service.recommend(hot, { n: 50, exclude: ['not-an-item'] });
        expect(cached).toEqual(direct.items.slice(0, 10).map((x) => x.id));
        for (let k = 0; k < 10; k++) start(hot);
      }
    }
    await Promise.all(answers);
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(200);
    expect(service.modelInfo).toEqual({ name: 'bpr', version: next.record.version });
  });

  it('a write that finishes while a first load is reading makes the load read again (no stale list)', async () => {
    const { service: plain, storage, d, config } = await served(ALS, { threaded: true });
    const user = activeUser(d);
    const top = (await plain.recommend(user, { n: 3 })).items.map((x) => x.id);
    // The same store, with the service's history reads held at a gate after they have read: the load's snapshot is
    // taken before the write below, and it finishes only after the write was committed and notified.
    let open!: () => void;
    let gate = new Promise<void>((r) => (open = r));
    let reads = 0;
    const gated = new Proxy(storage, {
      get(target, prop) {
        if (prop === 'userFeedback')
          return async (id: string, n?: number) => {
            const rows = await target.userFeedback(id, n);
            reads++;
            await gate;
            return rows;
          };
        const v = Reflect.get(target, prop) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const service = new ServingService({ config, storage: gated });
    cleanups.push(() => service.close());
    await service.reload();
    const early = Array.from({ length: 10 }, () => service.recommend(user, { n: 10 }));
    await waitFor(() => reads === 1);
    await postFeedback(storage, service, [{ userId: user, itemId: top[0], type: 'like', value: 1, timestamp: NOW }]);
    // Started after the write finished: they share the load under way, which must not answer with its old read.
    const late = Array.from({ length: 10 }, () => service.recommend(user, { n: 10 }));
    open();
    gate = Promise.resolve();
    for (const l of await Promise.all(early)) expect(new Set(l.items.map((x) => x.id)).size).toBe(10);
    for (const l of await Promise.all(late)) expect(l.items.map((x) => x.id)).not.toContain(top[0]);
    // One shared load for all twenty requests, read again once because of the write.
    expect(reads).toBe(2);
  });
});
