import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnknownReferenceError } from '../../storage/errors.js';
import { openIngestHarness, type IngestHarness, type Req } from './ingest-harness.case.js';

/**
 * The property suites' invariants have teeth: a store broken on purpose (it writes a batch and then reports it
 * unknown, or stores a row more than it reports) fails `send`, naming the rule. Without these the properties could
 * pass by checking nothing.
 */
let h: IngestHarness;
let insert: (...a: unknown[]) => Promise<number>;
beforeAll(async () => {
  h = await openIngestHarness();
  await h.send({ method: 'POST', url: '/api/items', body: { json: [{ id: 'i1' }] } });
  insert = (h.engine.storage as unknown as { insertFeedback: typeof insert }).insertFeedback.bind(h.engine.storage);
});
afterAll(async () => h?.close());

const batch: Req = {
  method: 'POST',
  url: '/api/feedback',
  body: { json: [{ userId: 'u1', itemId: 'i1', type: 'click' }] },
};
const breakInsert = (fn: (...a: unknown[]) => Promise<number>) =>
  ((h.engine.storage as unknown as { insertFeedback: typeof insert }).insertFeedback = fn);

describe('IngestHarness.send', () => {
  it('passes a correct store', async () => {
    breakInsert(insert);
    await expect(h.send(batch)).resolves.toMatchObject({ status: 200 });
  });

  it('fails a rejected request that changed the store', async () => {
    breakInsert(async (...a) => {
      await insert(...a);
      throw new UnknownReferenceError('item', 'i1', 0);
    });
    await expect(h.send(batch)).rejects.toThrow(/a rejected request changed the store/);
  });

  it('fails an accepted batch that stored more rows than it reports', async () => {
    breakInsert(async (...a) => (await insert(...a)) - 1);
    await expect(h.send(batch)).rejects.toThrow(/feedback count changed by 1, 0 accepted|accepted \+ duplicates/);
  });

  it('fails an answer that contradicts what the generator expects', async () => {
    breakInsert(insert);
    await expect(h.send({ ...batch, expect: { status: 400 } })).rejects.toThrow(/expected status 400/);
  });
});
