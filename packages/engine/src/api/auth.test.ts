import { describe, expect, it } from 'vitest';
import { KeyRing } from './auth.js';

describe('KeyRing', () => {
  it('grants the highest role a key matches; unknown, empty and near-miss keys get none', () => {
    const ring = new KeyRing({ readKey: 'read-key-123', writeKey: 'write-key-456', adminKey: 'admin-key-789' });
    expect(ring.enabled).toBe(true);
    expect(ring.roleOf('read-key-123')).toBe('read');
    expect(ring.roleOf('write-key-456')).toBe('write');
    expect(ring.roleOf('admin-key-789')).toBe('admin');
    expect(ring.roleOf('read-key-12')).toBeNull();
    expect(ring.roleOf('')).toBeNull();
    // The same key for two roles grants the higher one.
    expect(new KeyRing({ readKey: 'same', adminKey: 'same' }).roleOf('same')).toBe('admin');
  });

  it('remembers only keys that matched, and at most as many as it holds: a guess is never cached', () => {
    const ring = new KeyRing({ readKey: 'read-key-123' });
    const granted = (ring as unknown as { granted: Map<string, string> }).granted;
    for (let i = 0; i < 100; i++) expect(ring.roleOf(`guess-${i}`)).toBeNull();
    expect(granted.size).toBe(0);
    expect(ring.roleOf('read-key-123')).toBe('read');
    expect(ring.roleOf('read-key-123')).toBe('read');
    expect([...granted]).toEqual([['read-key-123', 'read']]);
  });

  it('is off with no key configured', () => {
    expect(new KeyRing({}).enabled).toBe(false);
  });
});
