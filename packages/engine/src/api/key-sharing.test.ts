import { describe, expect, it } from 'vitest';
import { sharedKeyWarnings } from './key-sharing.js';

describe('sharedKeyWarnings', () => {
  it('names every pair of roles sharing one key (by field, never the key itself)', () => {
    const k = 'same-key-0001';
    expect(sharedKeyWarnings({ readKey: k, writeKey: 'other-key-01', adminKey: k })).toEqual([
      'auth.readKey and auth.adminKey are the same key: whoever holds it has the admin role',
    ]);
    const all = sharedKeyWarnings({ readKey: k, writeKey: k, adminKey: k });
    expect(all).toHaveLength(3);
    expect(all.join('\n')).not.toContain(k);
  });

  it('is silent for distinct or missing keys', () => {
    expect(sharedKeyWarnings({})).toEqual([]);
    expect(sharedKeyWarnings({ readKey: 'read-key-01', adminKey: 'admin-key-01' })).toEqual([]);
  });
});
