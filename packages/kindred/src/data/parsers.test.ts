import { describe, expect, it } from 'vitest';
import { DataFormatError, InvalidParameterError } from '../errors.js';
import { splitQuoted } from './delimited.js';
import { IdMap } from './id-map.js';
import { movieItemsParser, movieUsersParser } from './movielens.js';
import { parseIsoSeconds, parseRatings, RatingsParser, type TableFormat } from './parsers.js';

/** The DataFormatError thrown by `f`, failing the test when nothing is thrown. */
function formatError(f: () => unknown): DataFormatError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DataFormatError);
    return e as DataFormatError;
  }
  throw new Error('expected a DataFormatError');
}

describe('splitQuoted (RFC 4180)', () => {
  it('splits plain and quoted fields', () => {
    expect(splitQuoted('a,b,,c', ',')).toEqual({ ok: true, fields: ['a', 'b', '', 'c'] });
    expect(splitQuoted('1,"Toy Story, The",5', ',')).toEqual({ ok: true, fields: ['1', 'Toy Story, The', '5'] });
    expect(splitQuoted('"a ""q"" b",x', ',')).toEqual({ ok: true, fields: ['a "q" b', 'x'] });
    expect(splitQuoted('"",x,', ',')).toEqual({ ok: true, fields: ['', 'x', ''] });
    expect(splitQuoted('x,"y"', ',')).toEqual({ ok: true, fields: ['x', 'y'] });
    expect(splitQuoted('"a::b"::c', '::')).toEqual({ ok: true, fields: ['a::b', 'c'] });
  });
  it('reports open quotes and malformed quoting with the field index', () => {
    expect(splitQuoted('1,"open', ',')).toEqual({ ok: false, open: true });
    expect(splitQuoted('1,"a""', ',')).toEqual({ ok: false, open: true });
    const a = splitQuoted('1,"a"b,3', ',');
    expect(a.ok === false && !a.open && a.field).toBe(1);
    const b = splitQuoted('1,2,a"b', ',');
    expect(b.ok === false && !b.open && b.field).toBe(2);
  });
});

describe('RatingsParser: MovieLens formats', () => {
  it('reads ML-100K u.data lines with numeric ids, values and timestamps', () => {
    const { data, lines, skipped } = parseRatings(
      '196\t242\t3\t881250949\n186\t302\t3.5\t891717742\r\n\n196\t302\t1\t1\n',
      'ml-100k',
    );
    expect(data.length).toBe(3);
    expect(lines).toBe(4);
    expect(skipped).toBe(0);
    expect(data.userIds.ids()).toEqual([196, 186]);
    expect(data.itemIds.ids()).toEqual([242, 302]);
    expect(Array.from(data.values)).toEqual([3, 3.5, 1]);
    expect(Array.from(data.timestamps!)).toEqual([881250949, 891717742, 1]);
  });

  it('reads ml-latest ratings.csv by header names, in any column order', () => {
    const text = 'timestamp,rating,movieId,userId\n1260759144,2.5,31,1\n1260759179,3.0,1029,1\n';
    const { data } = parseRatings(text, 'ml-latest');
    expect([...data.records()]).toEqual([
      { user: 1, item: 31, value: 2.5, timestamp: 1260759144 },
      { user: 1, item: 1029, value: 3, timestamp: 1260759179 },
    ]);
  });

  it('reads ML-1M ratings.dat with "::" separators', () => {
    const { data } = parseRatings('1::1193::5::978300760\n1::661::3::978302109\n', 'ml-1m');
    expect(data.itemIds.ids()).toEqual([1193, 661]);
    expect(Array.from(data.values)).toEqual([5, 3]);
  });

  it('parses unusual but valid numbers like Number() does', () => {
    const { data } = parseRatings('1\t2\t4.125\t1e9\n-3\t2\t0.1\t12\n', 'ml-100k');
    expect(data.values[0]).toBe(Math.fround(4.125));
    expect(data.values[1]).toBe(Math.fround(0.1));
    expect(data.timestamps![0]).toBe(1e9);
    expect(data.userIds.ids()).toEqual([1, -3]);
  });
});

describe('RatingsParser: errors name file, line and field', () => {
  const cases: [string, string, number, string | undefined, RegExp][] = [
    ['wrong field count', '1\t2\t3\t4\n1\t2\t3\n', 2, undefined, /expected 4 fields .* found 3/],
    ['rating not a number', '1\t2\t3\t4\n\n1\t2\tfive\t4\n', 3, 'rating', /"five" is not a finite number/],
    ['rating Infinity', '1\t2\tInfinity\t4\n', 1, 'rating', /not a finite number/],
    ['empty rating', '1\t2\t\t4\n', 1, 'rating', /"" is not a finite number/],
    ['empty user id', '\t2\t3\t4\n', 1, 'user', /empty id/],
    ['item id not a number', '1\tabc\t3\t4\n', 1, 'item', /id "abc" is not a number/],
    ['bad timestamp', '1\t2\t3\tyesterday\n', 1, 'timestamp', /neither an epoch number nor an ISO-8601 date/],
  ];
  for (const [what, text, line, field, msg] of cases) {
    it(what, () => {
      const e = formatError(() => parseRatings(text, 'ml-100k', { file: 'u.data' }));
      expect(e.file).toBe('u.data');
      expect(e.line).toBe(line);
      expect(e.field).toBe(field);
      expect(e.message).toMatch(msg);
      expect(e.message.startsWith(`u.data:line ${line}: `)).toBe(true);
      if (field) expect(e.message).toContain(`(field "${field}")`);
    });
  }

  it('names header columns in errors and fails on a missing column', () => {
    const e = formatError(() =>
      parseRatings('userId,movieId,rating,timestamp\n1,2,x,3\n', 'ml-latest', { file: 'r.csv' }),
    );
    expect([e.line, e.field]).toEqual([2, 'rating']);
    const h = formatError(() =>
      parseRatings('userId,itemId,rating\n1,2,3\n', 'ml-latest', { file: 'r.csv', skipBad: true }),
    );
    expect([h.line, h.field]).toEqual([1, 'movieId']);
    expect(h.message).toContain('not found in header [userId, itemId, rating]');
  });

  it('skipBad skips and counts bad lines, keeping the first errors', () => {
    const text = ['1\t1\t5\t1', '1\tx\t5\t1', '2\t1\t4\t2', '2\t2', '3\t3\tNaN\t3', '3\t1\t2\t9'].join('\n');
    const res = parseRatings(text, 'ml-100k', { file: 'f', skipBad: true, maxErrors: 2 });
    expect(res.data.length).toBe(3);
    expect(res.skipped).toBe(3);
    expect(res.firstErrors.map((e) => [e.line, e.field])).toEqual([
      [2, 'item'],
      [4, undefined],
    ]);
    // A skipped line leaves no trace: ids of bad lines are not added.
    expect(res.data.itemIds.ids()).toEqual([1]);
  });

  it('rejects an empty input that should have a header', () => {
    expect(formatError(() => parseRatings('\n', 'ml-latest')).message).toMatch(/no header/);
  });
});

describe('RatingsParser: generic tables', () => {
  it('CSV with quoting, multi-line fields, string ids and ISO timestamps', () => {
    const fmt: TableFormat = { kind: 'csv', columns: { user: 'who', item: 'what', timestamp: 'when' } };
    const text = 'who,what,when\n"Smith, J","Book ""A""\nsecond line",2024-01-01T00:00:01Z\nbob,b2,2024-01-02\n';
    const { data } = parseRatings(text, fmt);
    expect([...data.records()]).toEqual([
      { user: 'Smith, J', item: 'Book "A"\nsecond line', value: 1, timestamp: 1704067201 },
      { user: 'bob', item: 'b2', value: 1, timestamp: 1704153600 },
    ]);
  });

  it('reports the starting line of an unterminated multi-line field', () => {
    const fmt: TableFormat = { kind: 'csv', columns: { user: 0, item: 1 } };
    const e = formatError(() => parseRatings('u,i\na,b\nc,"open\nmore\n', fmt, { file: 'x.csv' }));
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/unterminated/);
    const bad = formatError(() => parseRatings('u,i\na,b"c\n', fmt, { file: 'x.csv' }));
    expect([bad.line, bad.field]).toEqual([2, 'item']);
  });

  it('TSV by index without header; ids "auto" keeps "007" and 7 distinct', () => {
    const fmt: TableFormat = { kind: 'delimited', delimiter: '\t', columns: { user: 1, item: 0, value: 2 } };
    const { data } = parseRatings('i1\t007\t2\ni1\t7\t3\n', fmt);
    expect(data.userIds.ids()).toEqual(['007', 7]);
    expect(data.itemIds.ids()).toEqual(['i1']);
    const s = parseRatings('i1\t7\t3\n', { ...fmt, ids: 'string' });
    expect(s.data.userIds.ids()).toEqual(['7']);
  });

  it('JSONL objects with a mapping; bad JSON and missing keys are located', () => {
    const fmt: TableFormat = { kind: 'jsonl', columns: { user: 'u', item: 'i', value: 'r', timestamp: 't' } };
    const { data } = parseRatings(
      '{"u":"a","i":1,"r":4,"t":"2020-01-01T00:00:00+01:00"}\n{"u":"b","i":"x","r":"2.5","t":5}\n',
      fmt,
    );
    expect([...data.records()]).toEqual([
      { user: 'a', item: 1, value: 4, timestamp: 1577833200 },
      { user: 'b', item: 'x', value: 2.5, timestamp: 5 },
    ]);
    const e1 = formatError(() => parseRatings('{"u":"a","i":1,"r":4,"t":1}\n{"u":"a",', fmt, { file: 'e.jsonl' }));
    expect([e1.line, e1.field]).toEqual([2, undefined]);
    expect(e1.message).toMatch(/invalid JSON/);
    const e2 = formatError(() => parseRatings('{"u":"a","r":4,"t":1}', fmt, { file: 'e.jsonl' }));
    expect([e2.line, e2.field]).toEqual([1, 'i']);
  });

  it('extra columns come back aligned with rows, checked when asked', () => {
    const fmt: TableFormat = {
      kind: 'tsv',
      columns: { user: 'user', item: 'item', value: 'rating' },
      extras: { fold: { column: 'fold', integer: true, min: 0 } },
    };
    const res = parseRatings('user\titem\trating\tfold\n1\t2\t3\t4\n1\t3\t3\t0\n', fmt);
    expect(Array.from(res.extras.fold)).toEqual([4, 0]);
    const e = formatError(() => parseRatings('user\titem\trating\tfold\n1\t2\t3\t1.5\n', fmt));
    expect([e.line, e.field]).toEqual([2, 'fold']);
    expect(() => new RatingsParser(fmt, { duplicates: 'last' })).toThrow(InvalidParameterError);
  });

  it('passes the duplicate policy to the builder and extends given id maps', () => {
    const userIds = IdMap.from([9]);
    const { data } = parseRatings('1\t1\t2\t1\n1\t1\t4\t2\n', 'ml-100k', { duplicates: 'mean', userIds });
    expect(data.length).toBe(1);
    expect(data.values[0]).toBe(3);
    expect(data.userIds).toBe(userIds);
    expect(userIds.ids()).toEqual([9, 1]);
  });

  it('rejects column names without a header and unknown formats', () => {
    expect(() => new RatingsParser({ kind: 'delimited', columns: { user: 'u', item: 'i' } })).toThrow(
      InvalidParameterError,
    );
    expect(() => new RatingsParser('ml-5m' as never)).toThrow(/unknown ratings format/);
  });
});

describe('parseIsoSeconds', () => {
  it('reads dates and date-times, UTC unless an offset is given', () => {
    expect(parseIsoSeconds('1970-01-02')).toBe(86400);
    expect(parseIsoSeconds('1970-01-01T01:00')).toBe(3600);
    expect(parseIsoSeconds('1970-01-01 00:00:01.5')).toBe(1.5);
    expect(parseIsoSeconds('1970-01-01T02:00:00+02:00')).toBe(0);
    expect(parseIsoSeconds('01/02/1970')).toBeUndefined();
    expect(parseIsoSeconds('1970-13-01')).toBeUndefined();
  });
});

describe('MovieLens metadata parsers', () => {
  it('u.item: title, year, genres; year from the title when the date is empty', () => {
    const p = movieItemsParser('ml-100k', { file: 'u.item' });
    p.push('1|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0');
    p.push('1373|Good Morning (1971)|4-Feb-1971||http://y|0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0');
    p.push('267|unknown||||1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0');
    p.push('5|Misérables, Les (1995)|||u|0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|1');
    const { records } = p.finish();
    expect(records.get(1)).toMatchObject({
      title: 'Toy Story (1995)',
      year: 1995,
      genres: ['Animation', "Children's", 'Comedy'],
    });
    expect(records.get(1373)!.year).toBe(1971);
    expect(records.get(267)).toMatchObject({ year: null, genres: ['unknown'] });
    expect(records.get(5)).toMatchObject({ year: 1995, genres: ['Drama', 'Western'] });
  });

  it('u.item errors name line and field; skipBad counts', () => {
    const p = movieItemsParser('ml-100k', { file: 'u.item' });
    p.push('1|T (1995)|01-Jan-1995||u|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0');
    const e = formatError(() => p.push('2|T (1995)|01-Jan-1995||u|0|0|2|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0'));
    expect([e.file, e.line, e.field]).toEqual(['u.item', 2, 'Adventure']);
    const q = movieItemsParser('ml-100k', { skipBad: true });
    q.push('x|T|||u|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0');
    q.push('3|short');
    const r = q.finish();
    expect(r.skipped).toBe(2);
    expect(r.firstErrors.map((x) => [x.line, x.field])).toEqual([
      [1, 'id'],
      [2, undefined],
    ]);
  });

  it('movies.csv and movies.dat; u.user and users.dat', () => {
    const c = movieItemsParser('ml-latest');
    c.push('movieId,title,genres');
    c.push('11,"American President, The (1995)",Comedy|Drama|Romance');
    c.push('9999,No Genre (2010),(no genres listed)');
    expect(c.finish().records.get(11)).toEqual({
      id: 11,
      title: 'American President, The (1995)',
      year: 1995,
      genres: ['Comedy', 'Drama', 'Romance'],
    });
    expect(c.finish().records.get(9999)!.genres).toEqual([]);
    const d = movieItemsParser('ml-1m');
    d.push("1::Toy Story (1995)::Animation|Children's|Comedy");
    expect(d.finish().records.get(1)!.genres).toHaveLength(3);
    const u = movieUsersParser('ml-100k');
    u.push('1|24|M|technician|85711');
    expect(u.finish().records.get(1)).toEqual({ id: 1, age: 24, gender: 'M', occupation: 'technician', zip: '85711' });
    const v = movieUsersParser('ml-1m');
    v.push('1::F::1::10::48067');
    expect(v.finish().records.get(1)).toEqual({ id: 1, age: 1, gender: 'F', occupation: '10', zip: '48067' });
    const w = movieUsersParser('ml-100k', { file: 'u.user' });
    const e = formatError(() => w.push('1|old|M|x|1'));
    expect([e.line, e.field]).toEqual([1, 'age']);
  });
});
