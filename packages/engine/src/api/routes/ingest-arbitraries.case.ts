import fc from 'fast-check';
import { validateConfig, valueRange } from '../../config.js';
import type { Body } from './ingest-harness.case.js';

/**
 * Generators of request bodies for the ingestion property tests: hostile strings and numbers, near-valid batches
 * (valid rows with a few fields set to hostile values, removed or added) and the input classes issue 12 bounds
 * (extreme values per feedback type, nesting depth, label keys, whitespace ids). Test-only.
 */

/** Ids the fixtures create, so that many generated writes reach the happy path. */
export const POOL_USERS = ['u1', 'u2', 'u3'];
export const POOL_ITEMS = ['i1', 'i2', 'i3'];

export const hostileString = fc.constantFrom(
  'NaN',
  'Infinity',
  '-Infinity',
  '',
  ' ',
  '1e400',
  'null',
  'true',
  '__proto__',
  'constructor',
  'toString',
  '\u0000',
  'a\ud800',
  '\udfff',
  '2023-02-30',
  '2024-01-01T25:00:00Z',
  '9999-12-31T23:59:59+23:59',
  '0001-01-01',
  'x'.repeat(300),
  '../../etc/passwd',
  "'; DROP TABLE feedback; --",
);
export const hostileNumber = fc.constantFrom(
  0,
  -0,
  -1,
  1.5,
  1e308,
  -1e308,
  5e-324,
  1e6 + 1,
  5.0001,
  -0.0001,
  2 ** 53,
  8.64e15,
  253_402_300_800_000,
);
export const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  hostileString,
  hostileNumber,
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string(),
);

/** Characters JavaScript's `\s` matches (Unicode White_Space plus the BOM): none may start or end an id. */
export const EDGE_WHITESPACE = [
  ' ',
  '\t',
  '\n',
  '\r',
  '\u00a0',
  '\ufeff',
  '\u3000',
  '\u2028',
  '\u2029',
  '\u2003',
  '\u202f',
];

/** An id that starts or ends with whitespace, or is only whitespace: always a 400. */
export const edgeWhitespaceId = fc.oneof(
  fc
    .tuple(fc.constantFrom(...EDGE_WHITESPACE), fc.constantFrom(...POOL_USERS, ...POOL_ITEMS, 'new'))
    .map(([w, s]) => w + s),
  fc
    .tuple(fc.constantFrom(...POOL_USERS, ...POOL_ITEMS, 'new'), fc.constantFrom(...EDGE_WHITESPACE))
    .map(([s, w]) => s + w),
  fc.array(fc.constantFrom(...EDGE_WHITESPACE), { minLength: 1, maxLength: 4 }).map((ws) => ws.join('')),
);
/** An id with whitespace inside only: allowed. */
export const innerWhitespaceId = fc
  .tuple(
    fc.constantFrom('a', 'x1'),
    fc.constantFrom(' ', '\u00a0', '\u3000', '\ufeff', '  '),
    fc.constantFrom('b', '2'),
  )
  .map(([a, w, b]) => a + w + b);

export const id = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...POOL_USERS, ...POOL_ITEMS, 'new-1') },
  { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 8 }) },
  { weight: 1, arbitrary: fc.oneof(edgeWhitespaceId, innerWhitespaceId, hostileString) },
);
export const labels = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ maxLength: 6 }), {
  maxKeys: 3,
});
export const timestamp = fc.oneof(
  fc.integer({ min: 0, max: 2e12 }),
  fc.date({ min: new Date(0), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
);

export const validItem = fc.record(
  {
    id,
    categories: fc.array(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 3 }),
    labels,
    text: fc.string({ maxLength: 20 }),
    timestamp,
    hidden: fc.boolean(),
  },
  { requiredKeys: ['id'] },
);
export const validUser = fc.record({ id, labels }, { requiredKeys: ['id'] });

/** The default configuration's feedback types with their value ranges (rating 0..5, the others ±1e6). */
export const FEEDBACK_TYPES = Object.entries(validateConfig({}).feedback.types).map(([name, t]) => ({
  name,
  useValue: t.useValue === true,
  ...valueRange(t),
}));

export const validFeedback = fc.record(
  {
    userId: id,
    itemId: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...POOL_ITEMS) }, { weight: 1, arbitrary: id }),
    // Mostly valid types, so that whole batches get through; 'rating' without a value and 'bogus' are 400s.
    type: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom('click', 'like', 'read', 'purchase') },
      { weight: 1, arbitrary: fc.constantFrom('rating', 'bogus') },
    ),
    value: fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0, max: 5 }) },
      { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
      { weight: 1, arbitrary: hostileNumber },
    ),
    timestamp,
    eventId: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('e1', 'e2', 'e3', 'e4') },
      { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 6 }) },
      { weight: 1, arbitrary: edgeWhitespaceId },
    ),
  },
  { requiredKeys: ['userId', 'itemId', 'type'] },
);
export const itemPatch = fc.record(
  {
    categories: fc.array(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 3 }),
    labels,
    text: fc.oneof(fc.string({ maxLength: 20 }), fc.constant(null)),
    timestamp,
    hidden: fc.boolean(),
  },
  { requiredKeys: [] },
);
export const userPatch = fc.record({ labels });

/** A mutation of one field of one row: set it to a hostile value, delete it, or add an unknown field. */
const mutation = (keys: string[]) =>
  fc.record({
    row: fc.nat(20),
    key: fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 8 })),
    op: fc.constantFrom('set', 'set', 'delete', 'replaceRow'),
    value: anyValue,
  });

type Mutation = { row: number; key: string; op: string; value: unknown };
function mutate(target: Record<string, unknown>, m: Mutation): unknown {
  if (m.op === 'replaceRow') return m.value;
  const copy = { ...target };
  if (m.op === 'delete') delete copy[m.key];
  else Object.defineProperty(copy, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** A batch of valid rows with up to three mutations. */
export function nearValidBatch<T extends Record<string, unknown>>(row: fc.Arbitrary<T>, keys: string[]) {
  return fc
    .tuple(fc.array(row, { minLength: 1, maxLength: 5 }), fc.array(mutation(keys), { maxLength: 3 }))
    .map(([rows, muts]) => {
      const out: unknown[] = [...rows];
      for (const m of muts) {
        const i = m.row % out.length;
        out[i] = typeof out[i] === 'object' && out[i] !== null ? mutate(out[i] as Record<string, unknown>, m) : m.value;
      }
      return out;
    });
}

/** A valid object with up to three mutations. */
export function nearValidObject<T extends Record<string, unknown>>(obj: fc.Arbitrary<T>, keys: string[]) {
  return fc
    .tuple(obj, fc.array(mutation(keys), { maxLength: 3 }))
    .map(([o, muts]) =>
      muts.reduce<unknown>(
        (acc, m) =>
          typeof acc === 'object' && acc !== null && !Array.isArray(acc)
            ? mutate(acc as Record<string, unknown>, m)
            : m.value,
        o,
      ),
    );
}

/** A request body: mostly near-valid, else any JSON value or raw (mostly malformed) text. */
export function bodies(nearValid: fc.Arbitrary<unknown>): fc.Arbitrary<Body> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((json) => ({ json })) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((raw) => ({ raw })) },
    { weight: 5, arbitrary: nearValid.map((json) => ({ json })) },
  );
}

/** A path with an id segment: pool ids, hostile strings, whitespace ids. */
export const idPath = (prefix: string) =>
  fc
    .oneof(
      { weight: 4, arbitrary: fc.constantFrom(...POOL_ITEMS, ...POOL_USERS, 'missing') },
      { weight: 2, arbitrary: fc.string({ maxLength: 10 }) },
      { weight: 1, arbitrary: fc.oneof(edgeWhitespaceId, hostileString) },
    )
    .map((s) => `${prefix}/${encodeSegment(s)}`);

/**
 * Percent-encodes a URL segment; a lone surrogate (which `encodeURIComponent` refuses) becomes the bytes a careless
 * client would send for it (its 3-byte WTF-8 form, invalid UTF-8), which is itself a hostile input.
 *
 * @example
 * encodeSegment('a b');    // 'a%20b'
 * encodeSegment('a\ud800'); // 'a%ED%A0%80'
 */
export function encodeSegment(s: string): string {
  return s.replace(/[\ud800-\udbff][\udc00-\udfff]|[\s\S]/g, (c) => {
    if (c.length === 2 || c.charCodeAt(0) < 0xd800 || c.charCodeAt(0) > 0xdfff) return encodeURIComponent(c);
    const u = c.charCodeAt(0);
    return [0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f)]
      .map((b) => '%' + b.toString(16).toUpperCase())
      .join('');
  });
}

/** Extreme values to try against every feedback type's range (finite, except what JSON text cannot avoid). */
export const extremeValue = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(1e308, -1e308, 5e-324, -5e-324, 1e6, -1e6, 1e6 + 1, -1e6 - 1, 5, 5.0001) },
  { weight: 4, arbitrary: fc.constantFrom(0, -0, -0.0001, 0.0001, 2 ** 53, Number.MAX_VALUE, 1e-300, 4.9999) },
  { weight: 3, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 2, arbitrary: fc.double({ min: -2e6, max: 2e6, noNaN: true }) },
);
