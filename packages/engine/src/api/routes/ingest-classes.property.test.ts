import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POOL_ITEMS, POOL_USERS } from './ingest-arbitraries.case.js';
import { extremeValues, labelKeys, tooDeep, whitespaceIds } from './ingest-classes.case.js';
import { checkRequests, openIngestHarness, type IngestHarness } from './ingest-harness.case.js';

/**
 * Property: the input classes issue 12 bounds get the answer their rule gives, from the production server over the
 * default store, with the store invariants of IngestHarness.send checked after every request (a rejected request
 * changes no row count; an accepted batch adds exactly what it reports). Each generator is its own oracle
 * (ingest-classes.case.ts). Seeds are pinned: a failure prints the seed and the shrunk request.
 */
const RUNS = { extremeValues: 1500, tooDeep: 600, labelKeys: 900, whitespaceIds: 1500 };
const PLANNED = Object.values(RUNS).reduce((s, n) => s + n, 0);

let h: IngestHarness;
beforeAll(async () => {
  h = await openIngestHarness();
  await h.send({ method: 'POST', url: '/api/items', body: { json: POOL_ITEMS.map((id) => ({ id })) } });
  await h.send({ method: 'POST', url: '/api/users', body: { json: POOL_USERS.map((id) => ({ id })) } });
});
afterAll(async () => h?.close());

describe('bounded input classes are refused or accepted by their rule (fast-check, pinned seeds)', () => {
  it('feedback values: extreme finite values per type, within range accepted, outside a 400 naming the row', async () => {
    await checkRequests(h, extremeValues, { seed: 1301, numRuns: RUNS.extremeValues });
  });

  it('nesting depth: bodies nested deeper than allowed are a 400 (BODY_TOO_DEEP past 16 levels)', async () => {
    await checkRequests(h, tooDeep, { seed: 1302, numRuns: RUNS.tooDeep });
  });

  it('label keys: over-long, empty, too many or with control characters are a 400; the bounds are accepted', async () => {
    await checkRequests(h, labelKeys, { seed: 1303, numRuns: RUNS.labelKeys });
  });

  it('ids with leading or trailing whitespace are a 400 wherever an id goes; inner whitespace is accepted', async () => {
    await checkRequests(h, whitespaceIds, { seed: 1304, numRuns: RUNS.whitespaceIds });
  });

  it(`sent at least the ${PLANNED} generated requests planned, none answered 5xx`, () => {
    expect(h.sent).toBeGreaterThanOrEqual(PLANNED);
    expect([...h.statuses.keys()].filter((s) => s >= 500)).toEqual([]);
  });
});
