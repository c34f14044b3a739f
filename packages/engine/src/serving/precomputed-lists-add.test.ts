// PrecomputedLists.add's guards and growth: lists it must not keep (a user to skip, a list longer than listSize, an
// item the serving catalogue does not have) are left out, and more users than expected grow the arrays intact.
import type { Catalog } from 'kindred';
import { describe, expect, it } from 'vitest';
import { PrecomputedLists, type ListChunk } from './precomputed-lists.js';

const names = ['a', 'b', 'c'];
const catalog = {
  itemIds: { id: (i: number) => names[i], get: (id: string) => names.indexOf(id) },
  isHidden: () => false,
} as unknown as Catalog;
const reason = { reason: { source: 'als', because: [], sources: ['als'] }, explanation: 'Picked for you' };

/** A chunk of `users`, each with the items `lists[k]` (all with reason 0). */
function chunk(users: string[], lists: number[][]): ListChunk {
  const items = lists.flat();
  return {
    users,
    lengths: Uint8Array.from(lists.map((l) => l.length)),
    fallbacks: new Uint8Array(users.length),
    items: Int32Array.from(items),
    scores: Float64Array.from(items.map((_, k) => 1 - k / 100)),
    reasons: new Int32Array(items.length),
    newReasons: [reason],
  };
}
const ids = (l: PrecomputedLists, user: string) => l.page(user, catalog, 0, 2, 0)?.items.map((x) => x.id);

describe('PrecomputedLists.add', () => {
  it('leaves out skipped users, over-long lists and lists naming an item the catalogue lacks', () => {
    const l = new PrecomputedLists(2, 0, 4, catalog, { name: 'als', version: 1 });
    const reasons = l.addReasons([reason]);
    // remap: worker item 3 has no index in the serving catalogue (-1); item 4 is beyond the remap table.
    const remap = Int32Array.of(0, 1, 2, -1);
    l.add(
      chunk(
        ['keep', 'skip', 'long', 'gone', 'beyond'],
        [
          [0, 1],
          [1, 2],
          [0, 1, 2],
          [0, 3],
          [4, 0],
        ],
      ),
      remap,
      reasons,
      new Set(['skip']),
    );
    expect(l.size).toBe(1);
    expect(ids(l, 'keep')).toEqual(['a', 'b']);
    for (const u of ['skip', 'long', 'gone', 'beyond']) expect(l.page(u, catalog, 0, 2, 0)).toBeNull();
    expect(l.fallbackOf('nobody')).toBeNull();
  });

  it('grows past the expected user count without losing the lists already stored', () => {
    const l = new PrecomputedLists(2, 0, 1, catalog, null);
    const reasons = l.addReasons([reason]);
    const users = Array.from({ length: 40 }, (_, k) => `u${k}`);
    l.add(
      chunk(
        users,
        users.map((_, k) => [k % 3, (k + 1) % 3]),
      ),
      Int32Array.of(0, 1, 2),
      reasons,
      new Set(),
    );
    expect(l.size).toBe(40);
    for (let k = 0; k < 40; k++) expect(ids(l, `u${k}`)).toEqual([names[k % 3], names[(k + 1) % 3]]);
  });
});
