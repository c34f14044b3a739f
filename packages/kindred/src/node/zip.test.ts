import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFormatError } from '../errors.js';
import { listZip, readZipEntry, unzipToDir } from './zip.js';
import { buildZip } from './zip-builder.case.js';

const dir = mkdtempSync(join(tmpdir(), 'kindred-zip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const big = 'user\titem\n'.repeat(5000);
const files = { 'ml-x/': '', 'ml-x/u.data': big, 'ml-x/README': 'Misérables €', 'ml-x/empty': '' };

describe('ZIP reader', () => {
  it('lists entries and reads deflated and stored ones back byte for byte', () => {
    const zip = buildZip(files, { store: ['ml-x/README'] });
    const entries = listZip(zip);
    expect(entries.map((e) => [e.name, e.method])).toEqual([
      ['ml-x/', 0],
      ['ml-x/u.data', 8],
      ['ml-x/README', 0],
      ['ml-x/empty', 8],
    ]);
    expect(entries[1].compressedSize).toBeLessThan(entries[1].size);
    const text = (name: string) =>
      new TextDecoder().decode(
        readZipEntry(
          zip,
          entries.find((e) => e.name === name)!,
        ),
      );
    expect(text('ml-x/u.data')).toBe(big);
    expect(text('ml-x/README')).toBe('Misérables €');
    expect(text('ml-x/empty')).toBe('');
  });

  it('finds the end record behind an archive comment', () => {
    const zip = buildZip({ a: 'x' });
    const comment = Buffer.from('a comment');
    const withComment = Buffer.concat([zip, comment]);
    withComment.writeUInt16LE(comment.length, zip.length - 2);
    expect(listZip(withComment).map((e) => e.name)).toEqual(['a']);
  });

  it('extracts into a folder', async () => {
    const out = join(dir, 'out');
    const written = await unzipToDir(buildZip(files), out);
    expect(written.sort()).toEqual(['ml-x/README', 'ml-x/empty', 'ml-x/u.data']);
    expect(readFileSync(join(out, 'ml-x', 'u.data'), 'utf8')).toBe(big);
  });

  it('rejects corrupt data, truncation, non-zips and paths escaping the folder', async () => {
    const zip = buildZip({ 'a.txt': 'hello hello hello hello' }, { store: ['a.txt'] });
    const corrupt = Buffer.from(zip);
    corrupt[30 + 5] ^= 0xff; // first content byte of the stored entry
    expect(() => readZipEntry(corrupt, listZip(corrupt)[0])).toThrow(/CRC-32/);
    expect(() => listZip(Buffer.from('not a zip at all, just some text'))).toThrow(DataFormatError);
    expect(() => listZip(zip.subarray(0, zip.length - 30))).toThrow(/no end-of-central-directory|central directory/);
    await expect(unzipToDir(buildZip({ '../evil.txt': 'x' }), join(dir, 'safe'))).rejects.toThrow(
      /outside the target folder/,
    );
    await expect(unzipToDir(buildZip({ 'a/../../evil.txt': 'x' }), join(dir, 'safe'))).rejects.toThrow(/outside/);
  });
});
