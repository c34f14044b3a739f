import type { EngineConfig } from '../config.js';

const ROLES = ['readKey', 'writeKey', 'adminKey'] as const;

/**
 * Warnings for API keys configured for more than one role: such a key grants the highest of them, so the lower role's
 * holders (a read-only dashboard, say) can in fact write or administer. Not an error: a single-tenant setup may mean
 * it, but it should be said at start. The messages name the fields, never the key.
 *
 * @example
 * sharedKeyWarnings({ readKey: 'k'.repeat(8), adminKey: 'k'.repeat(8) });
 * // ['auth.readKey and auth.adminKey are the same key: whoever holds it has the admin role']
 */
export function sharedKeyWarnings(auth: EngineConfig['auth']): string[] {
  const out: string[] = [];
  for (let a = 0; a < ROLES.length; a++)
    for (let b = a + 1; b < ROLES.length; b++) {
      const x = auth[ROLES[a]];
      if (x !== undefined && x === auth[ROLES[b]])
        out.push(
          `auth.${ROLES[a]} and auth.${ROLES[b]} are the same key: whoever holds it has the ` +
            `${ROLES[b].replace('Key', '')} role`,
        );
    }
  return out;
}
