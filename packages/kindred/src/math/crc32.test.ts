// Known-answer tests for the CRC-32 that guards saved models and checks ZIP entries (node/zip.ts uses the same
// function), so a wrong table or a signedness slip fails here rather than as "every model file is corrupt".
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32.js';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('crc32', () => {
  it('matches the standard check value and published vectors (IEEE 802.3 / zlib)', () => {
    // "123456789" → 0xCBF43926 is the catalogued check value of CRC-32/ISO-HDLC (the zlib/PNG CRC).
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(ascii('a'))).toBe(0xe8b7be43);
    expect(crc32(ascii('abc'))).toBe(0x352441c2);
    expect(crc32(ascii('message digest'))).toBe(0x20159d7f);
    expect(crc32(ascii('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
    // Bytes with the high bit set exercise the table's upper half and the unsigned result.
    expect(crc32(Uint8Array.of(0xff, 0xff, 0xff, 0xff))).toBe(0xffffffff);
    expect(crc32(new Uint8Array(32))).toBe(0x190a55ad);
  });

  it('returns an unsigned 32-bit integer', () => {
    const v = crc32(ascii('123456789'));
    expect(v).toBeGreaterThan(0x7fffffff);
    expect(Number.isInteger(v)).toBe(true);
  });

  it('covers exactly bytes [start, end)', () => {
    const bytes = ascii('xx123456789yy');
    expect(crc32(bytes, 2, 11)).toBe(0xcbf43926);
    expect(crc32(bytes, 2)).toBe(crc32(ascii('123456789yy')));
    expect(crc32(bytes, 5, 5)).toBe(0);
    // A subarray view starts at its own byte 0, not the buffer's.
    expect(crc32(bytes.subarray(2, 11))).toBe(0xcbf43926);
  });
});
