import { DataFormatError, InvalidParameterError } from '../errors.js';
import { splitQuoted } from './delimited.js';
import type { IdMap, RawId } from './id-map.js';
import { InteractionsBuilder, type DuplicatePolicy, type Interactions } from './interactions.js';

/** A column by header name, or by 0-based position. */
export type Column = string | number;

/** Which columns hold the user, the item, and optionally the value and the timestamp. */
export interface ColumnMapping {
  user: Column;
  item: Column;
  /** Absent: every row has value 1 (implicit feedback). */
  value?: Column;
  timestamp?: Column;
}

/**
 * How raw ids are typed. `number`: every id must be a number (MovieLens). `string`: ids are kept as text. `auto`:
 * canonical integers ("42", not "042" or "4.0") become numbers and everything else stays text, so a CSV export of
 * MovieLens gets the same ids as the MovieLens readers.
 */
export type IdKind = 'auto' | 'string' | 'number';

/** A line-oriented table format with a column mapping. */
export interface TableFormat {
  /** csv: RFC 4180 quoting, header by default; tsv: no quoting, header by default; delimited: any separator
   * (e.g. '::'), no header by default; jsonl: one JSON object (or array, for index columns) per line. */
  kind: 'csv' | 'tsv' | 'delimited' | 'jsonl';
  /** Field separator; defaults to ',' (csv) or '\t' (tsv, delimited). */
  delimiter?: string;
  /** Whether the first non-blank line names the columns. Needed for columns given by name. */
  header?: boolean;
  columns: ColumnMapping;
  /** Extra numeric columns returned as Float64Arrays aligned with the rows (e.g. a `fold` column), optionally
   * checked to be integers and/or at least `min`. */
  extras?: Record<string, Column | ExtraColumn>;
  ids?: IdKind;
  /** When set, every line must have exactly this many fields. */
  fieldCount?: number;
  /** Names used in error messages for columns given by position (default: the role, e.g. 'user'). */
  labels?: Partial<Record<keyof ColumnMapping, string>>;
}

/** An extra column with checks. */
export interface ExtraColumn {
  column: Column;
  integer?: boolean;
  min?: number;
}

/** Built-in rating file formats. */
export type RatingsFormatName = 'ml-100k' | 'ml-latest' | 'ml-1m' | 'ml-10m';

const ML_LABELS = { user: 'user', item: 'item', value: 'rating', timestamp: 'timestamp' } as const;
const ML_COLUMNS = { user: 0, item: 1, value: 2, timestamp: 3 } as const;

/**
 * The MovieLens rating files: ML-100K `u.data` (and `u1.base` …, tab-separated `user item rating timestamp`),
 * MovieLens latest/small `ratings.csv` (header `userId,movieId,rating,timestamp`), ML-1M and ML-10M `ratings.dat`
 * (`UserID::MovieID::Rating::Timestamp`). Ids are numbers, timestamps epoch seconds.
 *
 * @example
 * RATINGS_FORMATS['ml-1m'].delimiter; // '::'
 */
export const RATINGS_FORMATS: Readonly<Record<RatingsFormatName, TableFormat>> = {
  'ml-100k': {
    kind: 'delimited',
    delimiter: '\t',
    columns: ML_COLUMNS,
    ids: 'number',
    fieldCount: 4,
    labels: ML_LABELS,
  },
  'ml-latest': {
    kind: 'csv',
    header: true,
    columns: { user: 'userId', item: 'movieId', value: 'rating', timestamp: 'timestamp' },
    ids: 'number',
  },
  'ml-1m': { kind: 'delimited', delimiter: '::', columns: ML_COLUMNS, ids: 'number', fieldCount: 4, labels: ML_LABELS },
  'ml-10m': {
    kind: 'delimited',
    delimiter: '::',
    columns: ML_COLUMNS,
    ids: 'number',
    fieldCount: 4,
    labels: ML_LABELS,
  },
};

/** Options shared by the parser and the file readers. */
export interface ParseOptions {
  /** File name used in error messages. */
  file?: string;
  /** Skip malformed lines (counted in `skipped`, the first few kept in `firstErrors`) instead of throwing. */
  skipBad?: boolean;
  /** How many skipped-line errors to keep (default 10). */
  maxErrors?: number;
  /** How rows of the same (user, item) pair combine (default 'keep'; see `InteractionsBuilder.build`). */
  duplicates?: DuplicatePolicy;
  /** Existing id maps to extend (e.g. so train and test files share indices). */
  userIds?: IdMap;
  itemIds?: IdMap;
}

/** What a parse produced, with line statistics. */
export interface ParseResult {
  data: Interactions;
  /** Physical lines seen, including the header and blank lines. */
  lines: number;
  /** Malformed lines skipped (only with `skipBad`). */
  skipped: number;
  /** The first `maxErrors` errors of skipped lines, each naming file, line and field. */
  firstErrors: DataFormatError[];
  /** The `extras` columns, aligned with `data`'s rows. */
  extras: Record<string, Float64Array>;
}

type Role = keyof ColumnMapping;
const ISO_DATE = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * A streaming parser of rating lines: feed it lines in order with `push` (from a string, a file reader or a network
 * stream) and call `finish` for the `Interactions`. Records go straight into typed arrays, so memory grows with the
 * number of rows, not the size of the text. A malformed line throws `DataFormatError` naming the file, the 1-based
 * line and the field, or, with `skipBad`, is skipped and counted.
 *
 * @example
 * const p = new RatingsParser('ml-100k', { file: 'u.data' });
 * p.push('196\t242\t3\t881250949');
 * p.push('186\t302\t3\t891717742');
 * const { data } = p.finish(); // 2 rows, ids 196, 186 / 242, 302
 */
export class RatingsParser {
  private readonly fmt: TableFormat;
  private readonly kind: TableFormat['kind'];
  private readonly delimiter: string;
  private readonly quoting: boolean;
  private readonly ids: IdKind;
  private readonly opts: ParseOptions;
  private readonly maxErrors: number;
  private readonly builder: InteractionsBuilder;
  private needHeader: boolean;
  // Resolved column positions (-1 = absent) and their names for messages; JSONL uses keys instead.
  private cols: number[] = [];
  private keys: (string | number)[] = [];
  private labels: string[] = [];
  private extraNames: string[];
  private extraCols: number[] = [];
  private extraKeys: (string | number)[] = [];
  private extraChecks: { integer: boolean; min: number }[] = [];
  private extraLabels: string[] = [];
  private extraData: Float64Array[];
  // Extra-column values of the line being parsed, copied into extraData once the whole line is valid.
  private pendingExtras: number[] = [];
  private minFields = 0;
  // Field boundaries of the current line (scanLine).
  private starts = new Int32Array(0);
  private ends = new Int32Array(0);
  private lineNo = 0;
  private pending: string | null = null;
  private pendingLine = 0;
  private skipped = 0;
  private readonly errors: DataFormatError[] = [];

  constructor(format: RatingsFormatName | TableFormat, opts: ParseOptions = {}) {
    const fmt = typeof format === 'string' ? RATINGS_FORMATS[format] : format;
    if (!fmt)
      throw new InvalidParameterError(
        `unknown ratings format "${String(format)}"; valid: ${Object.keys(RATINGS_FORMATS).join(', ')}`,
      );
    this.fmt = fmt;
    this.kind = fmt.kind;
    this.delimiter = fmt.delimiter ?? (fmt.kind === 'csv' ? ',' : '\t');
    if (this.delimiter.length === 0) throw new InvalidParameterError('delimiter must not be empty');
    this.quoting = fmt.kind === 'csv';
    this.ids = fmt.ids ?? 'auto';
    this.opts = opts;
    this.maxErrors = opts.maxErrors ?? 10;
    this.builder = new InteractionsBuilder({ userIds: opts.userIds, itemIds: opts.itemIds });
    this.needHeader = fmt.kind !== 'jsonl' && (fmt.header ?? (fmt.kind === 'csv' || fmt.kind === 'tsv'));
    this.extraNames = Object.keys(fmt.extras ?? {});
    this.extraData = this.extraNames.map(() => new Float64Array(1024));
    if (this.extraNames.length && (opts.duplicates ?? 'keep') !== 'keep')
      throw new InvalidParameterError('extra columns need duplicates: "keep" (merged rows would lose their extras)');
    const roles: Role[] = ['user', 'item', 'value', 'timestamp'];
    for (const role of roles) {
      const c = fmt.columns[role];
      this.keys.push(c ?? -1);
      this.labels.push(typeof c === 'string' ? c : (fmt.labels?.[role] ?? role));
    }
    for (const name of this.extraNames) {
      const spec = fmt.extras![name];
      const c = typeof spec === 'object' ? spec.column : spec;
      this.extraChecks.push(
        typeof spec === 'object'
          ? { integer: spec.integer ?? false, min: spec.min ?? -Infinity }
          : { integer: false, min: -Infinity },
      );
      this.extraKeys.push(c);
      this.extraLabels.push(typeof c === 'string' ? c : name);
    }
    if (fmt.columns.user === undefined || fmt.columns.item === undefined)
      throw new InvalidParameterError('column mapping needs user and item');
    if (!this.needHeader && fmt.kind !== 'jsonl') this.resolve(null);
  }

  /** Feeds one physical line (without its line break; a trailing "\r" is removed). */
  push(line: string): void {
    const lineNo = ++this.lineNo;
    if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (this.pending !== null) {
      line = this.pending + '\n' + line;
    } else if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim().length === 0)) return;
    try {
      if (this.kind === 'jsonl') this.jsonLine(line, lineNo);
      else this.delimitedLine(line, this.pending !== null ? this.pendingLine : lineNo);
    } catch (e) {
      if (!(e instanceof DataFormatError) || !this.opts.skipBad || e.details.fatal) throw e;
      this.pending = null;
      this.skipped++;
      if (this.errors.length < this.maxErrors) this.errors.push(e);
    }
  }

  /** Ends the input and builds the interactions (applying the duplicate policy). */
  finish(): ParseResult {
    if (this.pending !== null) {
      const e = this.error('unterminated quoted field at end of input', this.pendingLine, undefined);
      this.pending = null;
      if (!this.opts.skipBad) throw e;
      this.skipped++;
      if (this.errors.length < this.maxErrors) this.errors.push(e);
    }
    if (this.needHeader) throw this.error('no header line (the input is empty)', 1, undefined, true);
    const n = this.builder.length;
    const extras: Record<string, Float64Array> = {};
    this.extraNames.forEach((name, k) => (extras[name] = this.extraData[k].slice(0, n)));
    return {
      data: this.builder.build(this.opts.duplicates ?? 'keep'),
      lines: this.lineNo,
      skipped: this.skipped,
      firstErrors: this.errors,
      extras,
    };
  }

  private error(reason: string, line: number, field: string | undefined, fatal = false): DataFormatError {
    const e = new DataFormatError(reason, { file: this.opts.file, line, field });
    if (fatal) (e.details as Record<string, unknown>).fatal = true;
    return e;
  }

  /** Column positions from the header (or from the mapping when there is no header). */
  private resolve(header: string[] | null): void {
    const find = (c: Column): number => {
      if (typeof c === 'number') {
        if (!Number.isInteger(c) || c < 0)
          throw new InvalidParameterError(`column index ${c} must be a non-negative integer`);
        return c;
      }
      if (!header)
        throw new InvalidParameterError(
          `column "${c}" is given by name but the format has no header (set header: true)`,
        );
      const idx = header.indexOf(c);
      if (idx < 0) throw this.error(`column "${c}" not found in header [${header.join(', ')}]`, this.lineNo, c, true);
      return idx;
    };
    this.cols = this.keys.map((k) => (k === -1 ? -1 : find(k)));
    this.extraCols = this.extraKeys.map((k) => find(k));
    this.minFields = Math.max(...this.cols, ...this.extraCols) + 1;
    this.starts = new Int32Array(this.minFields);
    this.ends = new Int32Array(this.minFields);
  }

  /**
   * Unquoted lines: find field boundaries with indexOf and read numbers straight from the character codes, so a line
   * costs no substrings (measured: ~2× faster than split + Number on ML-100K). Falls back to the general checks
   * (with the token text) only on unusual tokens.
   */
  private scanLine(line: string, lineNo: number): void {
    const d = this.delimiter,
      dl = d.length,
      starts = this.starts,
      ends = this.ends,
      want = starts.length;
    let count = 0,
      pos = 0;
    for (;;) {
      const q = line.indexOf(d, pos);
      if (count < want) {
        starts[count] = pos;
        ends[count] = q < 0 ? line.length : q;
      }
      count++;
      if (q < 0) break;
      pos = q + dl;
    }
    const fixed = this.fmt.fieldCount;
    if (fixed !== undefined ? count !== fixed : count < this.minFields)
      throw this.error(
        `expected ${fixed ?? `at least ${this.minFields}`} fields separated by ${JSON.stringify(d)}, found ${count}`,
        lineNo,
        undefined,
      );
    const cols = this.cols;
    let c = cols[0];
    const user =
      this.ids === 'number'
        ? this.numberId(line, starts[c], ends[c], 0, lineNo)
        : this.id(line.slice(starts[c], ends[c]), 0, lineNo);
    c = cols[1];
    const item =
      this.ids === 'number'
        ? this.numberId(line, starts[c], ends[c], 1, lineNo)
        : this.id(line.slice(starts[c], ends[c]), 1, lineNo);
    let value = 1;
    c = cols[2];
    if (c >= 0) {
      value = scanNumber(line, starts[c], ends[c]);
      if (Number.isNaN(value)) value = this.num(line.slice(starts[c], ends[c]), 2, lineNo);
    }
    let ts: number | undefined;
    c = cols[3];
    if (c >= 0) {
      ts = scanNumber(line, starts[c], ends[c]);
      if (Number.isNaN(ts)) ts = this.timestamp(line.slice(starts[c], ends[c]), lineNo);
    }
    for (let k = 0; k < this.extraCols.length; k++) {
      c = this.extraCols[k];
      this.extraValue(k, line.slice(starts[c], ends[c]), lineNo);
    }
    this.add(user, item, value, ts);
  }

  private numberId(line: string, a: number, b: number, role: number, lineNo: number): number {
    const x = scanNumber(line, a, b);
    return Number.isNaN(x) ? (this.id(line.slice(a, b), role, lineNo) as number) : x;
  }

  private delimitedLine(line: string, lineNo: number): void {
    if (!this.quoting && !this.needHeader) return this.scanLine(line, lineNo);
    let fields: string[];
    if (this.quoting) {
      const s = splitQuoted(line, this.delimiter);
      if (!s.ok) {
        if (s.open) {
          if (this.pending === null) this.pendingLine = lineNo;
          this.pending = line;
          return;
        }
        this.pending = null;
        throw this.error(s.reason, lineNo, this.fieldName(s.field));
      }
      this.pending = null;
      fields = s.fields;
    } else fields = line.split(this.delimiter);
    if (this.needHeader) {
      this.needHeader = false;
      this.resolve(fields.map((f) => f.trim()));
      return;
    }
    const count = this.fmt.fieldCount;
    if (count !== undefined ? fields.length !== count : fields.length < this.minFields)
      throw this.error(
        `expected ${count ?? `at least ${this.minFields}`} fields separated by ${JSON.stringify(this.delimiter)}, found ${fields.length}`,
        lineNo,
        undefined,
      );
    const cols = this.cols;
    const user = this.id(fields[cols[0]], 0, lineNo);
    const item = this.id(fields[cols[1]], 1, lineNo);
    const value = cols[2] >= 0 ? this.num(fields[cols[2]], 2, lineNo) : 1;
    const ts = cols[3] >= 0 ? this.timestamp(fields[cols[3]], lineNo) : undefined;
    for (let k = 0; k < this.extraCols.length; k++) this.extraValue(k, fields[this.extraCols[k]], lineNo);
    this.add(user, item, value, ts);
  }

  private jsonLine(line: string, lineNo: number): void {
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch (e) {
      throw this.error(`invalid JSON: ${(e as Error).message}`, lineNo, undefined);
    }
    if (rec === null || typeof rec !== 'object') throw this.error('expected a JSON object or array', lineNo, undefined);
    const obj = rec as Record<string | number, unknown>;
    const get = (key: string | number, label: string): string | number => {
      const v = obj[key];
      if (v === undefined || v === null) throw this.error('missing', lineNo, label);
      if (typeof v !== 'string' && typeof v !== 'number')
        throw this.error(`expected a string or number, found ${typeof v}`, lineNo, label);
      return v;
    };
    const k = this.keys;
    const user = this.id(get(k[0], this.labels[0]), 0, lineNo);
    const item = this.id(get(k[1], this.labels[1]), 1, lineNo);
    const value = k[2] !== -1 ? this.num(get(k[2], this.labels[2]), 2, lineNo) : 1;
    const ts = k[3] !== -1 ? this.timestamp(get(k[3], this.labels[3]), lineNo) : undefined;
    for (let e = 0; e < this.extraKeys.length; e++)
      this.extraValue(e, get(this.extraKeys[e], this.extraLabels[e]), lineNo);
    this.add(user, item, value, ts);
  }

  private add(user: RawId, item: RawId, value: number, ts: number | undefined): void {
    const n = this.builder.length;
    if (this.extraData.length && n === this.extraData[0].length) {
      this.extraData = this.extraData.map((a) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      });
    }
    for (let e = 0; e < this.extraData.length; e++) this.extraData[e][n] = this.pendingExtras[e];
    this.builder.add(user, item, value, ts);
  }

  private extraValue(k: number, tok: string | number, lineNo: number): void {
    const label = this.extraLabels[k];
    const x = typeof tok === 'number' ? tok : tok.trim() === '' ? NaN : Number(tok);
    if (!Number.isFinite(x)) throw this.error(`${JSON.stringify(tok)} is not a finite number`, lineNo, label);
    const check = this.extraChecks[k];
    if (check.integer && !Number.isInteger(x))
      throw this.error(`${JSON.stringify(tok)} is not an integer`, lineNo, label);
    if (x < check.min) throw this.error(`${JSON.stringify(tok)} is below ${check.min}`, lineNo, label);
    this.pendingExtras[k] = x;
  }

  private fieldName(index: number): string | undefined {
    const r = this.cols.indexOf(index);
    if (r >= 0) return this.labels[r];
    const e = this.extraCols.indexOf(index);
    return e >= 0 ? this.extraLabels[e] : undefined;
  }

  private id(tok: string | number, role: number, lineNo: number): RawId {
    const label = this.labels[role];
    if (typeof tok === 'number') {
      if (!Number.isFinite(tok)) throw this.error(`id ${tok} is not finite`, lineNo, label);
      return this.ids === 'string' ? String(tok) : tok;
    }
    if (tok.length === 0 || tok.trim().length === 0) throw this.error('empty id', lineNo, label);
    if (this.ids === 'string') return tok;
    const x = Number(tok);
    if (this.ids === 'number') {
      if (!Number.isFinite(x)) throw this.error(`id ${JSON.stringify(tok)} is not a number`, lineNo, label);
      return x;
    }
    // auto: only canonical integers become numbers, so "007" and "7" stay different ids.
    return Number.isSafeInteger(x) && String(x) === tok ? x : tok;
  }

  private num(tok: string | number, role: number, lineNo: number): number {
    const x = typeof tok === 'number' ? tok : tok.length === 0 || tok.trim().length === 0 ? NaN : Number(tok);
    if (!Number.isFinite(x))
      throw this.error(`${JSON.stringify(tok)} is not a finite number`, lineNo, this.labels[role]);
    return x;
  }

  private timestamp(tok: string | number, lineNo: number): number {
    const label = this.labels[3];
    if (typeof tok === 'number') {
      if (!Number.isFinite(tok)) throw this.error(`timestamp ${tok} is not finite`, lineNo, label);
      return tok;
    }
    const s = tok.trim();
    if (s.length === 0) throw this.error('empty timestamp', lineNo, label);
    const x = Number(s);
    if (Number.isFinite(x)) return x;
    const t = parseIsoSeconds(s);
    if (t === undefined)
      throw this.error(
        `timestamp ${JSON.stringify(tok)} is neither an epoch number nor an ISO-8601 date`,
        lineNo,
        label,
      );
    return t;
  }
}

/**
 * The number written in line[a, b) when it is a plain decimal (`-?digits(.digits)?`, up to 15 significant digits),
 * else NaN (the caller then parses the token text and reports errors). m / 10^k of two exact doubles is correctly
 * rounded, so the result equals `Number(text)`.
 */
function scanNumber(line: string, a: number, b: number): number {
  let i = a;
  const neg = i < b && line.charCodeAt(i) === 45;
  if (neg) i++;
  let m = 0,
    digits = 0,
    scale = 1;
  for (; i < b; i++) {
    const c = line.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    m = m * 10 + c;
    digits++;
  }
  if (digits === 0) return NaN;
  if (i < b && line.charCodeAt(i) === 46) {
    for (i++; i < b; i++) {
      const c = line.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      m = m * 10 + c;
      scale *= 10;
      digits++;
    }
  }
  if (i !== b || digits > 15) return NaN;
  const x = scale === 1 ? m : m / scale;
  return neg ? -x : x;
}

/**
 * Epoch seconds of an ISO-8601 date or date-time (`2024-05-01`, `2024-05-01T10:00:00Z`, `…+02:00`); a time without an
 * offset is read as UTC so results do not depend on the machine's time zone. Undefined when `s` is not such a date.
 *
 * @example
 * parseIsoSeconds('1970-01-02'); // 86400
 */
export function parseIsoSeconds(s: string): number | undefined {
  const m = ISO_DATE.exec(s);
  if (!m) return undefined;
  const text = m[2] ? `${m[1]}T${m[2]}${m[3] ?? 'Z'}` : m[3] ? `${m[1]}T00:00${m[3]}` : m[1];
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

/**
 * Parses a whole text (lines separated by "\n" or "\r\n") in one call.
 *
 * @example
 * const { data } = parseRatings('userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n', 'ml-latest');
 * data.length; // 1
 */
export function parseRatings(
  text: string,
  format: RatingsFormatName | TableFormat,
  opts: ParseOptions = {},
): ParseResult {
  const p = new RatingsParser(format, opts);
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) {
      if (start < text.length) p.push(text.slice(start));
      break;
    }
    p.push(text.slice(start, nl));
    start = nl + 1;
  }
  return p.finish();
}
