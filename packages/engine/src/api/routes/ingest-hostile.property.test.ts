import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThreadedSqliteStorage } from '../../storage/sqlite-threaded.js';
import {
  POOL_ITEMS,
  POOL_USERS,
  bodies,
  edgeWhitespaceId,
  encodeSegment,
  hostileString,
  idPath,
  itemPatch,
  nearValidBatch,
  nearValidObject,
  userPatch,
  validFeedback,
  validItem,
  validUser,
} from './ingest-arbitraries.case.js';
import { checkRequests, openIngestHarness, type IngestHarness, type Req } from './ingest-harness.case.js';

/**
 * Property: whatever the body, a write route of the production server (buildServer over Engine.open with the default
 * writer-thread SQLite store) answers without a 5xx, every 4xx carries the error envelope, a rejected request leaves
 * the store's row counts as they were, and an accepted one changes them by exactly what it reports (see
 * IngestHarness.send). Bodies: arbitrary JSON, raw (mostly malformed) text, and near-valid batches. Seeds are pinned:
 * a failure prints the seed and the shrunk request; rerun one case with `fc.assert(..., { seed, path })`.
 */
const RUNS = {
  items: 1200,
  users: 900,
  feedback: 1500,
  patchItems: 700,
  patchUsers: 500,
  deletes: 1200,
};
const PLANNED = Object.values(RUNS).reduce((s, n) => s + n, 0);

let h: IngestHarness;
beforeAll(async () => {
  h = await openIngestHarness();
  await restock();
});
afterAll(async () => h?.close());

/** Puts the pool's users and items back (the delete property removes them). */
async function restock(): Promise<void> {
  await h.send({ method: 'POST', url: '/api/items', body: { json: POOL_ITEMS.map((id) => ({ id })) } });
  await h.send({ method: 'POST', url: '/api/users', body: { json: POOL_USERS.map((id) => ({ id })) } });
}

const post = (url: string, body: fc.Arbitrary<Req['body']>) => body.map((b): Req => ({ method: 'POST', url, body: b }));
const patch = (url: fc.Arbitrary<string>, body: fc.Arbitrary<Req['body']>) =>
  fc.tuple(url, body).map(([u, b]): Req => ({ method: 'PATCH', url: u, body: b }));

describe('write routes of the production server keep the store invariants (fast-check, pinned seeds)', () => {
  it('runs on the default store: writer thread, synchronous=FULL', async () => {
    expect(h.engine.storage).toBeInstanceOf(ThreadedSqliteStorage);
    expect(await (h.engine.storage as ThreadedSqliteStorage).writerSynchronousLevel()).toBe(2);
  });

  it('POST /api/items', async () => {
    const keys = ['id', 'categories', 'labels', 'text', 'timestamp', 'hidden'];
    const before = h.statuses.get(200) ?? 0;
    await checkRequests(h, post('/api/items', bodies(nearValidBatch(validItem, keys))), {
      seed: 1201,
      numRuns: RUNS.items,
    });
    // The generator must reach the happy path too, or the property says little.
    expect((h.statuses.get(200) ?? 0) - before).toBeGreaterThan(50);
  });

  it('POST /api/users', async () => {
    const before = h.statuses.get(200) ?? 0;
    await checkRequests(h, post('/api/users', bodies(nearValidBatch(validUser, ['id', 'labels']))), {
      seed: 1202,
      numRuns: RUNS.users,
    });
    expect((h.statuses.get(200) ?? 0) - before).toBeGreaterThan(50);
  });

  it('POST /api/feedback', async () => {
    const keys = ['userId', 'itemId', 'type', 'value', 'timestamp', 'eventId'];
    const [ok, missing] = [h.statuses.get(200) ?? 0, h.statuses.get(404) ?? 0];
    await checkRequests(h, post('/api/feedback', bodies(nearValidBatch(validFeedback, keys))), {
      seed: 1203,
      numRuns: RUNS.feedback,
    });
    expect((h.statuses.get(200) ?? 0) - ok).toBeGreaterThan(40);
    expect((h.statuses.get(404) ?? 0) - missing).toBeGreaterThan(0);
  });

  it('PATCH /api/items/:id', async () => {
    const keys = ['categories', 'labels', 'text', 'timestamp', 'hidden'];
    const before = h.statuses.get(200) ?? 0;
    await checkRequests(h, patch(idPath('/api/items'), bodies(nearValidObject(itemPatch, keys))), {
      seed: 1204,
      numRuns: RUNS.patchItems,
    });
    expect((h.statuses.get(200) ?? 0) - before).toBeGreaterThan(20);
  });

  it('PATCH /api/users/:id', async () => {
    const before = h.statuses.get(200) ?? 0;
    await checkRequests(h, patch(idPath('/api/users'), bodies(nearValidObject(userPatch, ['labels']))), {
      seed: 1205,
      numRuns: RUNS.patchUsers,
    });
    expect((h.statuses.get(200) ?? 0) - before).toBeGreaterThan(20);
  });

  it('DELETE routes, between writes that refill what they delete', async () => {
    // Seqs up to a little past the last stored one, and the forms the seq pattern refuses.
    const lastSeq = await h.engine.storage.lastSeq();
    const seq = fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 1, max: lastSeq + 50 }).map(String) },
      { weight: 1, arbitrary: fc.oneof(fc.constantFrom('0', '-1', '01', '1e3', '1.5', '9'.repeat(20)), hostileString) },
    );
    const eventId = fc.oneof(fc.constantFrom('e1', 'e2', 'e3', 'e4', 'never'), edgeWhitespaceId, hostileString);
    const del = fc.oneof(
      idPath('/api/items').map((url): Req => ({ method: 'DELETE', url })),
      idPath('/api/users').map((url): Req => ({ method: 'DELETE', url })),
      seq.map((s): Req => ({ method: 'DELETE', url: `/api/feedback/${encodeSegment(s)}` })),
      eventId.map((e): Req => ({ method: 'DELETE', url: `/api/feedback?eventId=${encodeSegment(e)}` })),
    );
    // A few valid events (some with pool eventIds) before each delete, so deletes keep finding rows.
    const refill = fc
      .array(
        fc.record({
          userId: fc.constantFrom(...POOL_USERS),
          itemId: fc.constantFrom(...POOL_ITEMS),
          type: fc.constantFrom('click', 'like'),
          eventId: fc.option(fc.constantFrom('e1', 'e2', 'e3', 'e4'), { nil: undefined }),
        }),
        { minLength: 1, maxLength: 3 },
      )
      .map((rows): Req[] => [
        { method: 'POST', url: '/api/items', body: { json: POOL_ITEMS.map((id) => ({ id })) } },
        { method: 'POST', url: '/api/feedback', body: { json: rows } },
      ]);
    const runs = RUNS.deletes / 3; // each run: refill (2 requests) + one delete
    const [deleted, gone] = [h.statuses.get(204) ?? 0, h.statuses.get(404) ?? 0];
    await checkRequests(
      h,
      fc.tuple(refill, del).map(([r, d]) => [...r, d]),
      { seed: 1206, numRuns: runs },
    );
    expect((h.statuses.get(204) ?? 0) - deleted).toBeGreaterThan(20);
    expect((h.statuses.get(404) ?? 0) - gone).toBeGreaterThan(20);
    await restock();
  });

  it(`sent at least the ${PLANNED} generated requests planned`, () => {
    expect(h.sent).toBeGreaterThanOrEqual(PLANNED);
    expect([...h.statuses.keys()].filter((s) => s >= 500)).toEqual([]);
  });
});
