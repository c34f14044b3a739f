import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifySchemaValidationError } from 'fastify';
import { ApiError } from './errors.js';

/**
 * Route schemas shared by the ingestion routes (catalogue and feedback), and the helpers that turn wire values
 * (ISO-8601 or epoch-ms timestamps, page sizes) into store values. Every object rejects unknown fields; numbers are
 * finite by construction (JSON cannot carry NaN/Infinity, Ajv rejects `1e400`, and no coercion turns "NaN" into one).
 */

/** Most rows one write request may carry (besides server.bodyLimit on its bytes). */
export const MAX_BATCH = 10_000;
/** Default and largest page of `GET /api/items`, `GET /api/users`. */
export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;
/** Default and largest number of rows of `GET /api/users/:id/feedback`. */
export const DEFAULT_FEEDBACK_PAGE = 100;
export const MAX_FEEDBACK_PAGE = 10_000;

// Ids travel in URLs and logs: no control characters, no lone UTF-16 surrogates (which SQLite would store as
// invalid UTF-8, so the id read back would differ from the one written). Ajv compiles patterns with the `u` flag.
const ID_PATTERN = '^[^\\u0000-\\u001f\\u007f\\ud800-\\udfff]+$';
const ID_HINT = 'must be a non-empty string of at most 256 characters without control characters';
// Ids are stored and compared exactly as sent (never trimmed, so they round-trip), and an edge space is almost
// always a client bug (" u1" would be a second user beside "u1", invisible in a log): an id must not start or end
// with anything JavaScript's `\s` matches (Unicode White_Space plus U+FEFF BOM, so NBSP, U+2028/2029, U+3000).
// Whitespace inside an id is allowed. A second pattern (in allOf) so that the error can say which rule failed.
const ID_EDGE_PATTERN = '^(?!\\s)[\\s\\S]*(?<!\\s)$';
const ID_EDGE_HINT = 'must not start or end with whitespace';

/** The string schema of an id: length bounds, no control characters, no whitespace at either end. */
function idSchema(maxLength: number, description: string) {
  return Type.String({
    minLength: 1,
    maxLength,
    pattern: ID_PATTERN,
    allOf: [{ pattern: ID_EDGE_PATTERN }],
    description: `${description} (no control characters; must not start or end with whitespace)`,
  });
}

/** A user or item id. */
export const Id = idSchema(256, 'User or item id');
/** Longest `eventId` of a feedback row. */
export const MAX_EVENT_ID = 128;
/** A client-chosen feedback event id (idempotent ingestion): the id rules, at most 128 characters. */
export const EventId = idSchema(
  MAX_EVENT_ID,
  'Client-chosen event id; a row whose eventId is already stored is skipped',
);

/** Free-form string labels (`{"genre": "comedy"}`), used by rules and filters. */
/** Longest label key and value, and most keys of one labels object. */
export const MAX_LABEL_KEY = 256;
export const MAX_LABEL_VALUE = 4096;
export const MAX_LABELS = 256;
// Label keys follow the id rule on characters (they travel in filters, rules and logs too), without the edge rule.
const LABEL_KEY_PATTERN = '^[^\\u0000-\\u001f\\u007f\\ud800-\\udfff]+$';
const LABEL_KEY_HINT = `must be 1 to ${MAX_LABEL_KEY} characters without control characters`;

/**
 * Free-form string labels (`{"genre": "comedy"}`), used by rules and filters. Keys are bounded like values (a 9 MB
 * key once made one list page 289 MB): `propertyNames` checks each key before its value; every key matches the
 * catch-all pattern, so `additionalProperties: false` only tells the parser's depth bound that values are strings.
 */
export const Labels = Type.Record(Type.String(), Type.String({ maxLength: MAX_LABEL_VALUE }), {
  maxProperties: MAX_LABELS,
  propertyNames: { type: 'string', minLength: 1, maxLength: MAX_LABEL_KEY, pattern: LABEL_KEY_PATTERN },
  additionalProperties: false,
  description: `String labels, e.g. {"lang": "en"}: at most ${MAX_LABELS} keys of 1..${MAX_LABEL_KEY} characters, values of at most ${MAX_LABEL_VALUE}`,
});

export const Categories = Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
  maxItems: 256,
  description: 'Categories the item belongs to',
});

/** A wire timestamp: ISO-8601 (`2024-05-01T12:00:00Z`; no offset means UTC) or epoch milliseconds. */
export const Timestamp = Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Number()], {
  description: 'ISO-8601 date-time (no offset = UTC) or epoch milliseconds',
});

export const ItemIn = Type.Object(
  {
    id: Id,
    categories: Type.Optional(Categories),
    labels: Type.Optional(Labels),
    text: Type.Optional(Type.String({ maxLength: 65_536, description: 'Text for content-based models' })),
    timestamp: Type.Optional(Timestamp),
    hidden: Type.Optional(Type.Boolean({ description: 'Hidden items are never recommended' })),
  },
  { additionalProperties: false },
);
export type ItemIn = Static<typeof ItemIn>;

export const ItemsBody = Type.Array(ItemIn, { minItems: 1, maxItems: MAX_BATCH });

export const ItemPatch = Type.Object(
  {
    categories: Type.Optional(Categories),
    labels: Type.Optional(Labels),
    text: Type.Optional(
      Type.Union([Type.String({ maxLength: 65_536 }), Type.Null()], { description: 'null clears it' }),
    ),
    timestamp: Type.Optional(Timestamp),
    hidden: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type ItemPatch = Static<typeof ItemPatch>;

export const UserIn = Type.Object({ id: Id, labels: Type.Optional(Labels) }, { additionalProperties: false });
export type UserIn = Static<typeof UserIn>;
export const UsersBody = Type.Array(UserIn, { minItems: 1, maxItems: MAX_BATCH });
export const UserPatch = Type.Object({ labels: Labels }, { additionalProperties: false });
export type UserPatch = Static<typeof UserPatch>;

export const FeedbackIn = Type.Object(
  {
    userId: Id,
    itemId: Id,
    type: Type.String({ minLength: 1, maxLength: 32, description: 'One of the configured feedback.types' }),
    value: Type.Optional(
      Type.Number({
        description:
          "Required for types with useValue (e.g. rating); default 1; within the type's min..max (default ±1e6)",
      }),
    ),
    timestamp: Type.Optional(Timestamp),
    eventId: Type.Optional(EventId),
  },
  { additionalProperties: false },
);
export type FeedbackIn = Static<typeof FeedbackIn>;
export const FeedbackBody = Type.Array(FeedbackIn, { minItems: 1, maxItems: MAX_BATCH });

export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });

// Query values arrive as strings and the server does not coerce types, so page sizes are digit strings here.
const PageSize = Type.String({ pattern: '^[0-9]{1,6}$', description: 'Page size' });
export const ListQuery = Type.Object(
  { cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })), n: Type.Optional(PageSize) },
  { additionalProperties: false },
);
// The same cursor field: a feedback cursor is a keyset position (storage/feedback-cursor.ts), not an id.
export const FeedbackQuery = ListQuery;

export const ItemOut = Type.Object({
  id: Type.String(),
  categories: Type.Array(Type.String()),
  labels: Type.Record(Type.String(), Type.String()),
  text: Type.Optional(Type.String()),
  timestamp: Type.String({ description: 'ISO-8601' }),
  hidden: Type.Boolean(),
  updatedAt: Type.String({ description: 'ISO-8601' }),
});
export const UserOut = Type.Object({
  id: Type.String(),
  labels: Type.Record(Type.String(), Type.String()),
  updatedAt: Type.String({ description: 'ISO-8601' }),
});
export const FeedbackOut = Type.Object({
  seq: Type.Integer(),
  userId: Type.String(),
  itemId: Type.String(),
  type: Type.String(),
  value: Type.Number(),
  timestamp: Type.String({ description: 'ISO-8601' }),
  eventId: Type.Optional(Type.String({ description: 'The eventId it was posted with, when it had one' })),
});
export const ItemPage = Type.Object({ items: Type.Array(ItemOut), next: Type.Union([Type.String(), Type.Null()]) });
export const UserPage = Type.Object({ users: Type.Array(UserOut), next: Type.Union([Type.String(), Type.Null()]) });
export const FeedbackList = Type.Object({
  feedback: Type.Array(FeedbackOut),
  next: Type.Union([Type.String(), Type.Null()], { description: 'Cursor of the next page; null at the end' }),
});
export const Accepted = Type.Object({ accepted: Type.Integer({ description: 'Rows written' }) });
export const FeedbackAccepted = Type.Object({
  accepted: Type.Integer({ description: 'Rows written' }),
  duplicates: Type.Integer({
    description: 'Rows skipped because their eventId was already stored or repeated earlier in the batch',
  }),
});
export const ErrorOut = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), path: Type.Optional(Type.String()) }),
});

/** Error answers every ingestion route documents (the error handler produces them). */
export const ERROR_RESPONSES: Record<number, TSchema> = {
  400: ErrorOut,
  401: ErrorOut,
  403: ErrorOut,
  404: ErrorOut,
  413: ErrorOut,
};

// Epoch-ms range of years 0001..9999, the span ISO-8601 four-digit years can name.
const MIN_MS = -62_135_596_800_000;
const MAX_MS = 253_402_300_799_999;
const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * Parses a wire timestamp into epoch milliseconds, or throws a 400 naming `path`. Strings must be ISO-8601 dates or
 * date-times with real calendar values (`2023-02-30` fails, where `Date.parse` would roll over to March); a
 * date-time without an offset is UTC (unlike `new Date()`, which would use the server's zone). Numbers are epoch
 * milliseconds (fractions floored) in years 0001..9999; epoch seconds are not guessed at.
 *
 * @example
 * parseTimestamp('2024-05-01T12:00:00+02:00', 'body.0.timestamp'); // 1714557600000
 * parseTimestamp(1714557600000, 'body.0.timestamp');               // 1714557600000
 */
export function parseTimestamp(v: string | number, path: string): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < MIN_MS || v > MAX_MS)
      throw new ApiError('VALIDATION', `${path} must be epoch milliseconds within years 0001..9999, got ${v}`, path);
    return Math.floor(v);
  }
  const m = ISO_RE.exec(v);
  const bad = () => new ApiError('VALIDATION', `${path} must be an ISO-8601 date-time or epoch milliseconds`, path);
  if (!m) throw bad();
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', tz = 'Z'] = m;
  const year = +y,
    month = +mo,
    day = +d,
    hour = +h,
    minute = +mi,
    second = +s;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
    throw bad();
  let offsetMin = 0;
  if (tz.toUpperCase() !== 'Z') {
    const digits = tz.slice(1).replace(':', '');
    const oh = +digits.slice(0, 2),
      om = digits.length > 2 ? +digits.slice(2) : 0;
    if (oh > 23 || om > 59) throw bad();
    offsetMin = (tz[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = Number((frac + '000').slice(0, 3));
  // Date.UTC maps years 0..99 to 1900..1999; setUTCFullYear does not.
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  date.setUTCFullYear(year);
  const t = date.getTime() - offsetMin * 60_000;
  if (!(t >= MIN_MS && t <= MAX_MS)) throw bad();
  return t;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Epoch ms → ISO-8601 (`toISOString`), the form every response uses. */
export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A page-size query value (digits) bounded to 1..max; throws a 400 naming `path`. */
export function parsePageSize(raw: string | undefined, dflt: number, max: number, path: string): number {
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new ApiError('VALIDATION', `${path} must be an integer from 1 to ${max}, got "${raw}"`, path);
  return n;
}

/**
 * Turns Ajv's errors into one ApiError with a dotted path (`body.3.type`) and a message a client can act on: the
 * unknown field's name, both branches of a union, the batch limits in words. Installed per route scope with
 * `app.setSchemaErrorFormatter(schemaErrorFormatter)`; the error handler answers ApiErrors as they are.
 *
 * @example
 * app.setSchemaErrorFormatter(schemaErrorFormatter);
 */
export function schemaErrorFormatter(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const union = errors.find((e) => e.keyword === 'anyOf');
  // Ajv reports a bad property name twice: the rule it broke (at the object's path), then propertyNames; the second
  // names the key.
  const badKey = errors.find((e) => e.keyword === 'propertyNames');
  const e = union ?? badKey ?? errors[0];
  if (!e) return new ApiError('VALIDATION', `${dataVar} is invalid`, dataVar);
  const segments = (e.instancePath ?? '').split('/').filter(Boolean).map(unescapePointer);
  let path = [dataVar, ...segments].join('.');
  const params = (e.params ?? {}) as Record<string, unknown>;
  let message: string;
  switch (e.keyword) {
    case 'anyOf': {
      const types = errors
        .filter((x) => x !== e && x.instancePath === e.instancePath && x.keyword === 'type')
        .map((x) => String((x.params as { type?: unknown }).type));
      message = path.endsWith('timestamp')
        ? `${path} must be an ISO-8601 string or epoch milliseconds`
        : `${path} must be ${types.length ? types.join(' or ') : 'one of the allowed forms'}`;
      break;
    }
    case 'propertyNames': {
      const key = String(params.propertyName ?? '');
      const shown =
        key.length > 40 ? `${JSON.stringify(key.slice(0, 40))}… (${key.length} characters)` : JSON.stringify(key);
      message = `${path} has a key ${shown}; label keys ${LABEL_KEY_HINT}`;
      break;
    }
    case 'additionalProperties':
      path = `${path}.${String(params.additionalProperty)}`;
      message = `${path} is not a known field`;
      break;
    case 'required':
      path = `${path}.${String(params.missingProperty)}`;
      message = `${path} is required`;
      break;
    case 'minItems':
      message = segments.length === 0 ? `${path} must hold at least one row` : `${path} ${e.message}`;
      break;
    case 'maxItems':
      message =
        segments.length === 0
          ? `${path} has more than ${String(params.limit)} rows; split the batch`
          : `${path} ${e.message}`;
      break;
    case 'minProperties':
      message = `${path} must set at least one field`;
      break;
    case 'pattern':
      message =
        params.pattern === ID_PATTERN
          ? `${path} ${ID_HINT}`
          : params.pattern === ID_EDGE_PATTERN
            ? `${path} ${ID_EDGE_HINT}`
            : `${path} ${e.message}`;
      break;
    case 'minLength':
    case 'maxLength':
      message = !isIdPath(segments)
        ? `${path} ${e.message}`
        : segments[segments.length - 1] === 'eventId'
          ? `${path} ${ID_HINT.replace('256', String(MAX_EVENT_ID))}`
          : `${path} ${ID_HINT}`;
      break;
    default:
      message = `${path} ${e.message ?? 'is invalid'}`;
  }
  return new ApiError('VALIDATION', message, path);
}

function isIdPath(segments: string[]): boolean {
  const last = segments[segments.length - 1];
  return last === 'id' || last === 'userId' || last === 'itemId' || last === 'eventId';
}

function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}
