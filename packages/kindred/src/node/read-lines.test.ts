import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataNotFoundError } from '../errors.js';
import { forEachLine, readLineBatches } from './read-lines.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kindred-lines-'));
  dirs.push(dir);
  const path = join(dir, 'f.txt');
  writeFileSync(path, text);
  return path;
}

describe('readLineBatches', () => {
  it('yields the lines forEachLine sees, across chunk boundaries and split UTF-8 characters', async () => {
    const text = 'a,1\nbé,2\n\n€€€,3\nlast without newline';
    const path = file(text);
    for (const chunkSize of [1, 2, 3, 7, 1 << 20]) {
      const batches: string[][] = [];
      for await (const b of readLineBatches(path, { chunkSize })) batches.push(b);
      const lines: string[] = [];
      await forEachLine(path, (l) => lines.push(l), { chunkSize });
      expect(batches.flat()).toEqual(lines);
      expect(batches.flat()).toEqual(text.split('\n'));
      expect(batches.every((b) => b.length > 0)).toBe(true);
    }
  });

  it('reads the next chunk only when asked (a consumer that stops early reads no further)', async () => {
    const path = file(Array.from({ length: 1000 }, (_, k) => `line ${k}`).join('\n'));
    const gen = readLineBatches(path, { chunkSize: 64 });
    const first = await gen.next();
    // 64 bytes hold the first nine 7-byte lines: one chunk's worth, not the file.
    expect(first.value).toEqual(Array.from({ length: 9 }, (_, k) => `line ${k}`));
    await gen.return(undefined);
    expect((await gen.next()).done).toBe(true);
  });

  it('a missing file is DataNotFoundError', async () => {
    const gen = readLineBatches(join(tmpdir(), 'no-such-kindred-file.csv'));
    await expect(gen.next()).rejects.toBeInstanceOf(DataNotFoundError);
  });
});
