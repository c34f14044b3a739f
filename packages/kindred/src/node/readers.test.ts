import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFormatError, DataNotFoundError } from '../errors.js';
import { foldsFromAssignment, kFold } from '../data/splitters.js';
import { forEachLine } from './read-lines.js';
import { readFoldsFile, readMovieLens100k, readMovieLensSplit, readRatingsFile } from './readers.js';

const dir = mkdtempSync(join(tmpdir(), 'kindred-readers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const UDATA = ['196\t242\t3\t881250949', '186\t302\t3\t891717742', '22\t377\t1\t878887116', '196\t377\t5\t881250950'];

describe('forEachLine', () => {
  it('yields the same lines whatever the chunk size, including multi-byte characters split across chunks', async () => {
    const text = 'a\u00e9b\nsecond \u20ac line\r\n\nlast without newline';
    const p = write('lines.txt', text);
    for (const chunkSize of [1, 2, 3, 5, 1 << 16]) {
      const lines: string[] = [];
      await forEachLine(p, (l) => lines.push(l), { chunkSize });
      expect(lines).toEqual(['a\u00e9b', 'second \u20ac line\r', '', 'last without newline']);
    }
  });

  it('decodes latin-1 and reports a missing file as DataNotFoundError', async () => {
    const p = write('latin1.txt', Buffer.from([0x4d, 0x69, 0x73, 0xe9, 0x72, 0x61, 0x62, 0x6c, 0x65, 0x73, 0x0a]));
    const lines: string[] = [];
    await forEachLine(p, (l) => lines.push(l), { encoding: 'latin1' });
    expect(lines).toEqual(['Misérables']);
    await expect(forEachLine(join(dir, 'nope.txt'), () => {})).rejects.toBeInstanceOf(DataNotFoundError);
  });
});

describe('readRatingsFile', () => {
  it('streams a file into Interactions and names the file in errors', async () => {
    const p = write('u.data', UDATA.join('\n') + '\n');
    const { data, lines } = await readRatingsFile(p, 'ml-100k');
    expect(data.length).toBe(4);
    expect(lines).toBe(4);
    expect(data.userIds.ids()).toEqual([196, 186, 22]);
    const bad = write('bad.data', UDATA[0] + '\n196\t242\tx\t1\n');
    const err = await readRatingsFile(bad, 'ml-100k').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as DataFormatError).message).toBe(`${bad}:line 2: "x" is not a finite number (field "rating")`);
    const skipped = await readRatingsFile(bad, 'ml-100k', { skipBad: true });
    expect([skipped.data.length, skipped.skipped]).toEqual([1, 1]);
  });

  it('reads a CSV with a column mapping and UTF-8 ids', async () => {
    const p = write('events.csv', 'visitor,sku,when\n"Zoë",A-1,2024-03-01T12:00:00Z\nbo,A-2,1709294400\n');
    const { data } = await readRatingsFile(p, {
      kind: 'csv',
      columns: { user: 'visitor', item: 'sku', timestamp: 'when' },
    });
    expect(data.userIds.ids()).toEqual(['Zoë', 'bo']);
    expect(Array.from(data.timestamps!)).toEqual([1709294400, 1709294400]);
    // A bare mapping takes the kind from the extension.
    const bare = await readRatingsFile(p, { user: 'visitor', item: 'sku' });
    expect(bare.data.itemIds.ids()).toEqual(['A-1', 'A-2']);
    const j = write('events.jsonl', '{"u":1,"i":"a"}\n');
    expect((await readRatingsFile(j, { user: 'u', item: 'i' })).data.userIds.ids()).toEqual([1]);
  });
});

describe('readMovieLens100k', () => {
  it('reads ratings, item metadata (latin-1) and users', async () => {
    const ml = join(dir, 'ml-100k');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(ml, { recursive: true });
    writeFileSync(join(ml, 'u.data'), UDATA.join('\n') + '\n');
    const flags = (on: number[]) => Array.from({ length: 19 }, (_, g) => (on.includes(g) ? 1 : 0)).join('|');
    writeFileSync(
      join(ml, 'u.item'),
      Buffer.from(
        [
          `242|Kolya (1996)|24-Jan-1997||http://k|${flags([5])}`,
          `302|L.A. Confidential (1997)|01-Jan-1997||http://l|${flags([6, 10, 13, 16])}`,
          `377|Misérables, Les (1995)|01-Jan-1995||http://m|${flags([8])}`,
        ].join('\n') + '\n',
        'latin1',
      ),
    );
    writeFileSync(join(ml, 'u.user'), '196|49|M|writer|55105\n186|39|F|executive|00000\n22|25|M|writer|40206\n');
    const { ratings, items, users } = await readMovieLens100k(ml);
    expect(ratings.length).toBe(4);
    expect(items.get(377)).toMatchObject({ title: 'Misérables, Les (1995)', year: 1995, genres: ['Drama'] });
    expect(items.get(302)!.genres).toEqual(['Crime', 'Film-Noir', 'Mystery', 'Thriller']);
    expect(users.get(186)).toEqual({ id: 186, age: 39, gender: 'F', occupation: 'executive', zip: '00000' });
  });
});

describe('canonical MovieLens splits', () => {
  it('reads <name>.base/.test with shared id maps', async () => {
    write('u1.base', UDATA.slice(0, 3).join('\n') + '\n');
    write('u1.test', UDATA[3] + '\n' + '999\t888\t2\t5\n');
    const s = await readMovieLensSplit(dir, 'u1');
    expect(s.name).toBe('u1');
    expect([s.train.length, s.test.length]).toEqual([3, 2]);
    expect(s.train.userIds).toBe(s.test.userIds);
    // User 196 has the same index in both; the test-only user extends the shared map.
    expect(s.test.users[0]).toBe(s.train.users[0]);
    expect(s.train.nUsers).toBe(4);
    await expect(readMovieLensSplit(dir, 'u9' as never)).rejects.toThrow(/unknown MovieLens split/);
  });
});

describe('fold-assignment files', () => {
  it('round-trips: folds written from kFold read back as the same splits', async () => {
    const lines = ['user\titem\trating\ttimestamp\tfold'];
    const rows: string[] = [];
    for (let u = 1; u <= 12; u++)
      for (let i = 1; i <= 5; i++) rows.push(`${u}\t${i * 7}\t${1 + ((u + i) % 5)}\t${1000 + u * 10 + i}`);
    const { data } = await readRatingsFile(write('plain.tsv', rows.join('\n')), 'ml-100k');
    const splits = kFold(4, 3)(data);
    const foldOf = new Int32Array(data.length);
    const index = new Map(rows.map((r, k) => [r, k]));
    splits.forEach((s, f) => {
      for (const r of s.test.records()) foldOf[index.get(`${r.user}\t${r.item}\t${r.value}\t${r.timestamp}`)!] = f;
    });
    rows.forEach((r, k) => lines.push(`${r}\t${foldOf[k]}`));
    const file = write('folds.tsv', lines.join('\n') + '\n');
    const read = await readFoldsFile(file);
    expect(read.folds).toBe(4);
    expect(Array.from(read.foldOfRow)).toEqual(Array.from(foldOf));
    const again = foldsFromAssignment(read.foldOfRow)(read.data);
    const recs = (s: { test: typeof data }) => [...s.test.records()];
    expect(again.map(recs)).toEqual(splits.map(recs));
  });

  it('columns are found by header name in any order; bad folds are located', async () => {
    const ok = await readFoldsFile(
      write('f2.tsv', 'fold\tuser\titem\ttimestamp\trating\n1\t5\t6\t7\t4\n0\t5\t7\t8\t2\n'),
    );
    expect(Array.from(ok.foldOfRow)).toEqual([1, 0]);
    expect([...ok.data.records()][0]).toEqual({ user: 5, item: 6, value: 4, timestamp: 7 });
    const e = await readFoldsFile(write('f3.tsv', 'user\titem\trating\ttimestamp\tfold\n1\t2\t3\t4\t-1\n')).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(DataFormatError);
    expect([(e as DataFormatError).line, (e as DataFormatError).field]).toEqual([2, 'fold']);
    const h = await readFoldsFile(write('f4.tsv', 'user\titem\trating\ttimestamp\n1\t2\t3\t4\n')).catch(
      (x: unknown) => x,
    );
    expect((h as DataFormatError).message).toMatch(/column "fold" not found in header/);
  });
});
