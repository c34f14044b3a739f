// Test data shared by the hybrid-model tests (a .case.ts file: imported by tests, never by the library).
import { Interactions, type InteractionRecord } from '../../data/interactions.js';
import { FeatureBuilder } from '../../features/feature-builder.js';

/**
 * Two tastes: users a0.. watch "action" items A0..A(items-1), users r0.. "romance" items R0..R(items-1), each
 * `perUser` consecutive items of the ring. Items CA (action) and CR (romance) exist with a genre feature only: nobody
 * interacted with them (cold items).
 *
 * @example
 * const { data, features } = tastes(20, 6, 10);
 */
export function tastes(
  users: number,
  perUser: number,
  items: number,
): { data: Interactions; features: ReturnType<FeatureBuilder['build']> } {
  const recs: InteractionRecord[] = [];
  for (const [g, G] of [
    ['a', 'A'],
    ['r', 'R'],
  ])
    for (let u = 0; u < users; u++)
      for (let k = 0; k < perUser; k++) recs.push({ user: `${g}${u}`, item: `${G}${(u + k) % items}` });
  const data = Interactions.fromRecords(recs);
  data.itemIds.add('CA');
  data.itemIds.add('CR');
  const features = new FeatureBuilder(data.itemIds)
    .categorical('genre', (id) => (String(id).includes('A') ? 'action' : 'romance'))
    .build();
  return { data, features };
}
