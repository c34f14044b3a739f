import { Interactions, type InteractionRecord } from '../data/interactions.js';
import { Rng } from '../math/rng.js';

/**
 * A checkerboard of tastes: users `u0..u{n-1}` and items `i0..i{m-1}`; even users love even items (5 stars) and
 * dislike odd ones (1 star), odd users the reverse. Each user rates a seeded random `density` share of items.
 * `heldOut` lists pairs removed from the data, with the rating the pattern implies, so a test can check that a model
 * learned the pattern. With `implicit`, only liked pairs are kept, with value 1.
 */
export function checkerboard(
  opts: { users?: number; items?: number; density?: number; seed?: number; implicit?: boolean } = {},
): { data: Interactions; heldOut: { user: string; item: string; liked: boolean }[] } {
  const nu = opts.users ?? 24,
    ni = opts.items ?? 24,
    density = opts.density ?? 0.6;
  const rng = new Rng(opts.seed ?? 7);
  const recs: InteractionRecord[] = [];
  const heldOut: { user: string; item: string; liked: boolean }[] = [];
  for (let u = 0; u < nu; u++) {
    // Hold out one liked and one disliked item per user, chosen at random.
    const likedParity = u % 2;
    const hoLiked = 2 * rng.int(ni / 2) + likedParity;
    const hoDisliked = 2 * rng.int(ni / 2) + (1 - likedParity);
    heldOut.push({ user: `u${u}`, item: `i${hoLiked}`, liked: true });
    heldOut.push({ user: `u${u}`, item: `i${hoDisliked}`, liked: false });
    for (let i = 0; i < ni; i++) {
      if (i === hoLiked || i === hoDisliked) continue;
      if (rng.next() > density) continue;
      const liked = i % 2 === likedParity;
      if (opts.implicit && !liked) continue;
      recs.push({ user: `u${u}`, item: `i${i}`, value: opts.implicit ? 1 : liked ? 5 : 1, timestamp: recs.length });
    }
  }
  // Make sure every item id exists in the map even if no one rated it, so held-out items are known ids.
  const data = Interactions.fromRecords(recs);
  for (let i = 0; i < ni; i++) data.itemIds.add(`i${i}`);
  return { data, heldOut };
}
