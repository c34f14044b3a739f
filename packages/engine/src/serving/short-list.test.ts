import { describe, expect, it } from 'vitest';
import { validateConfig } from '../config.js';
import { MemoryStorage } from '../jobs/memory-storage.case.js';
import type { ItemRecord } from '../storage/port.js';
import { ServingService } from './service.js';

const NOW = Date.now();
const item = (id: string, categories: string[]): ItemRecord => ({
  id,
  categories,
  labels: { title: id.toUpperCase() },
  timestamp: NOW,
  hidden: false,
  updatedAt: NOW,
});

async function serving(items: ItemRecord[]) {
  const storage = new MemoryStorage();
  await storage.upsertItems(items);
  const s = new ServingService({ config: validateConfig({ dataDir: '/nonexistent-kindred-test' }), storage });
  await s.reload();
  return { s, storage };
}

describe('a short or empty list says why (reason)', () => {
  it('no items in the catalogue', async () => {
    const { s } = await serving([]);
    expect((await s.recommend('u1', { n: 10 })).reason).toBe('no items in the catalogue');
    expect(s.popular(10).reason).toBe('no items in the catalogue');
  });

  it('every candidate was already seen (the README example with one item); the rest when some are left', async () => {
    const { s, storage } = await serving([item('m1', ['Comedy'])]);
    const like = { userId: 'u1', itemId: 'm1', type: 'like', value: 1, timestamp: NOW };
    await storage.insertFeedback([like], { createUsers: true, createItems: false });
    s.onFeedback([like]);
    const empty = await s.recommend('u1', { n: 10 });
    expect(empty.items).toEqual([]);
    expect(empty.reason).toBe('every candidate was already seen');
    s.onItemsUpserted([item('m2', ['Comedy'])]);
    const short = await s.recommend('u1', { n: 10 });
    expect(short.items.map((x) => x.id)).toEqual(['m2']);
    expect(short.reason).toBe('every other candidate was already seen');
    expect((await s.recommend('u1', { n: 10, exclude: ['m2'] })).reason).toBe(
      'every candidate was already seen or excluded',
    );
    // A full page has no reason.
    expect((await s.recommend('u1', { n: 1 })).reason).toBeUndefined();
  });

  it('filter matched no items; a page past the end', async () => {
    const { s } = await serving([item('m1', ['Comedy']), item('m2', ['Drama'])]);
    expect((await s.recommend('u9', { n: 5, category: 'Horror' })).reason).toBe(
      'filter matched no items (no visible item has category "Horror")',
    );
    expect(s.latest(5, 'Horror').reason).toBe('filter matched no items (no visible item has category "Horror")');
    expect((await s.recommend('u9', { n: 5, offset: 2 })).reason).toBe('offset 2 is past the end (2 items qualify)');
  });
});
