import type { Catalog } from 'kindred';
import { describe, expect, it } from 'vitest';
import { PrecomputedLists, type ListChunk, type SharedReason } from './precomputed-lists.js';

// The members the lists read; a real Catalog needs a whole item table for nothing more.
function stubCatalog(names: string[], hiddenSet: Set<number>): Catalog {
  return {
    itemIds: { id: (i: number) => names[i], get: (id: string) => names.indexOf(id) },
    isHidden: (i: number) => hiddenSet.has(i),
  } as unknown as Catalog;
}
const ids = ['a', 'b"quoted"', 'c', 'ünï'];
const hidden = new Set<number>();
const catalog = stubCatalog(ids, hidden);

const reasons: SharedReason[] = [
  { reason: { source: 'als', because: ['x'], sources: ['als', 'popular'] }, explanation: 'Because you liked "X"' },
  {
    reason: { source: 'popular', because: [], category: 'Comedy', sources: ['popular'] },
    explanation: 'Popular in Comedy',
  },
];

function lists(): PrecomputedLists {
  const l = new PrecomputedLists(4, 0, 2, catalog, { name: 'als', version: 3 });
  const chunk: ListChunk = {
    users: ['u1', 'u2'],
    lengths: Uint8Array.of(4, 2),
    fallbacks: Uint8Array.of(0, 1),
    items: Int32Array.of(0, 1, 2, 3, 3, 0),
    scores: Float64Array.of(0.9, 0.5, 1e-7, -0.25, 1, 0.1),
    reasons: Int32Array.of(0, 1, 0, 1, 1, 1),
    newReasons: reasons,
  };
  l.add(chunk, Int32Array.of(0, 1, 2, 3), l.addReasons(reasons), new Set());
  return l;
}

describe('PrecomputedLists.pageJson', () => {
  it('serializes exactly the page that page() builds (quotes, unicode, tiny and negative scores, categories)', () => {
    const l = lists();
    for (const [user, offset, end] of [
      ['u1', 0, 4],
      ['u1', 1, 3],
      ['u1', 3, 4],
      ['u2', 0, 2],
    ] as const) {
      const page = l.page(user, catalog, offset, end, 0);
      const json = l.pageJson(user, catalog, offset, end, 0);
      expect(JSON.parse(json as string)).toEqual(JSON.parse(JSON.stringify(page?.items)));
    }
    expect(l.fallbackOf('u2')).toBe('popular');
    expect(l.fallbackOf('u1')).toBeNull();
  });

  it('answers null exactly when page() does: unknown user, a hidden item, a short list after a catalogue change', () => {
    const l = lists();
    expect(l.pageJson('nobody', catalog, 0, 2, 0)).toBeNull();
    expect(l.pageJson('u2', catalog, 0, 2, 1)).toBeNull(); // 2 < listSize 4 and the stamp moved
    // A page the list cannot fill: the on-demand path answers it (and says why it is short).
    expect(l.page('u1', catalog, 3, 10, 0)).toBeNull();
    expect(l.pageJson('u2', catalog, 0, 4, 0)).toBeNull();
    hidden.add(2);
    try {
      expect(l.page('u1', catalog, 0, 4, 0)).toBeNull();
      expect(l.pageJson('u1', catalog, 0, 4, 0)).toBeNull();
      expect(l.pageJson('u1', catalog, 0, 2, 0)).not.toBeNull(); // the hidden item is past this page
    } finally {
      hidden.clear();
    }
  });

  it('after a model swap, serves its own ids and checks them in the new catalogue: a hidden or missing item voids', () => {
    const l = lists();
    // The new snapshot's catalogue orders the items differently and no longer has 'c'.
    const newer = ['ünï', 'a', 'new', 'b"quoted"'];
    const newHidden = new Set<number>();
    const now = stubCatalog(newer, newHidden);
    expect(l.pageJson('u2', now, 0, 2, 0)).toBe(l.pageJson('u2', catalog, 0, 2, 0)); // ünï, a: both still there
    expect(JSON.parse(l.pageJson('u1', now, 0, 2, 0) as string).map((x: { id: string }) => x.id)).toEqual([
      'a',
      'b"quoted"',
    ]);
    expect(l.pageJson('u1', now, 0, 3, 0)).toBeNull(); // 'c' is gone from the catalogue
    expect(l.page('u1', now, 0, 3, 0)).toBeNull();
    newHidden.add(1); // 'a', hidden in the new catalogue
    expect(l.pageJson('u2', now, 0, 2, 0)).toBeNull();
    expect(l.model).toEqual({ name: 'als', version: 3 });
    expect(l.modelJson).toBe('{"name":"als","version":3}');
  });
});
