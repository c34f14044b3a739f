import { extname } from 'node:path';
import { splitQuoted } from 'kindred';
import { UsageError } from '../usage-error.js';

/** What a row becomes in the engine: an item, a user or a feedback event. */
export type RecordKind = 'item' | 'user' | 'feedback';

/** One input row, as the body of its POST route expects it, and where it came from. */
export interface ImportRow {
  kind: RecordKind;
  body: Record<string, unknown>;
  /** 1-based line of the file where the row starts. */
  line: number;
}

/** Turns the lines of one input file into rows; `finish` after the last line. */
export interface RowReader {
  push(line: string, lineNo: number): ImportRow | null;
  finish(): void;
}

/** Columns a CSV/TSV feedback file may have (a header row names them, in any order). */
export const FEEDBACK_COLUMNS = ['userId', 'itemId', 'type', 'value', 'timestamp', 'eventId'] as const;
const REQUIRED_COLUMNS = ['userId', 'itemId', 'type'] as const;

/**
 * Fields of the export format that the write routes do not take: the engine assigns them again (`updatedAt` is the
 * time of the import, `seq` the new store's order).
 */
const ASSIGNED: Record<RecordKind, readonly string[]> = {
  item: ['updatedAt'],
  user: ['updatedAt'],
  feedback: ['seq'],
};

/**
 * The reader for a file, by extension: `.ndjson`, `.jsonl`, `.json` are the export format (one object per line with
 * a `kind`); `.csv` is comma-separated and `.tsv`, `.tab`, `.txt` tab-separated feedback with a header row naming
 * {@link FEEDBACK_COLUMNS} (RFC 4180 quotes; `timestamp` as ISO-8601 or epoch milliseconds). Errors name
 * `file:line`.
 *
 * @example
 * const reader = rowReaderFor('events.csv');
 * reader.push('userId,itemId,type', 1); // null (the header)
 * reader.push('u1,i1,click', 2);        // {kind: 'feedback', body: {userId: 'u1', itemId: 'i1', type: 'click'}, line: 2}
 */
export function rowReaderFor(file: string): RowReader {
  const ext = extname(file).toLowerCase();
  if (ext === '.ndjson' || ext === '.jsonl' || ext === '.json') return new NdjsonRows(file);
  if (ext === '.csv') return new DelimitedRows(file, ',');
  if (ext === '.tsv' || ext === '.tab' || ext === '.txt') return new DelimitedRows(file, '\t');
  throw new UsageError(`${file}: unknown file type "${ext}"; use .ndjson/.jsonl (the export format), .csv or .tsv`);
}

/** A bad row: the message names the file and line. */
export function rowError(file: string, line: number, message: string): UsageError {
  return new UsageError(`${file}:${line}: ${message}`);
}

class NdjsonRows implements RowReader {
  constructor(private readonly file: string) {}

  push(raw: string, lineNo: number): ImportRow | null {
    const line = stripLineEnd(raw);
    if (line.trim() === '') return null;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw rowError(this.file, lineNo, `not valid JSON (${(e as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw rowError(this.file, lineNo, 'each line must be one JSON object');
    const { kind, ...body } = value as Record<string, unknown>;
    if (kind !== 'item' && kind !== 'user' && kind !== 'feedback')
      throw rowError(this.file, lineNo, `"kind" must be "item", "user" or "feedback", got ${JSON.stringify(kind)}`);
    for (const field of ASSIGNED[kind]) delete body[field];
    return { kind, body, line: lineNo };
  }

  finish(): void {}
}

class DelimitedRows implements RowReader {
  private columns: string[] | null = null;
  /** A record whose quoted field spans lines: its text so far and its first line. */
  private open: { text: string; line: number } | null = null;

  constructor(
    private readonly file: string,
    private readonly delimiter: string,
  ) {}

  push(raw: string, lineNo: number): ImportRow | null {
    const line = stripLineEnd(raw);
    const text = this.open ? `${this.open.text}\n${line}` : line;
    const start = this.open?.line ?? lineNo;
    if (!this.open && line.trim() === '') return null;
    const split = splitQuoted(text, this.delimiter);
    if (!split.ok && split.open) {
      this.open = { text, line: start };
      return null;
    }
    this.open = null;
    if (!split.ok) throw rowError(this.file, start, `field ${split.field + 1}: ${split.reason}`);
    if (this.columns === null) {
      this.columns = this.header(split.fields, start);
      return null;
    }
    return { kind: 'feedback', body: this.feedback(split.fields, start), line: start };
  }

  finish(): void {
    if (this.open) throw rowError(this.file, this.open.line, 'a quoted field is not closed before the end of the file');
    if (this.columns === null) throw rowError(this.file, 1, `no header row (${FEEDBACK_COLUMNS.join(',')})`);
  }

  private header(fields: string[], line: number): string[] {
    const names = fields.map((f, k) => (k === 0 ? f.replace(/^\uFEFF/, '') : f).trim());
    for (const name of names)
      if (!(FEEDBACK_COLUMNS as readonly string[]).includes(name))
        throw rowError(this.file, line, `unknown column "${name}"; the header names ${FEEDBACK_COLUMNS.join(', ')}`);
    if (new Set(names).size !== names.length) throw rowError(this.file, line, 'a column is named twice');
    const missing = REQUIRED_COLUMNS.filter((c) => !names.includes(c));
    if (missing.length > 0) throw rowError(this.file, line, `the header lacks ${missing.join(', ')}`);
    return names;
  }

  private feedback(fields: string[], line: number): Record<string, unknown> {
    const columns = this.columns!;
    if (fields.length !== columns.length)
      throw rowError(this.file, line, `${fields.length} fields where the header names ${columns.length}`);
    const body: Record<string, unknown> = {};
    for (let k = 0; k < columns.length; k++) {
      const name = columns[k];
      const cell = fields[k];
      if (name === 'value' || name === 'timestamp') {
        const v = cell.trim();
        if (v === '') continue;
        if (name === 'value') {
          const n = Number(v);
          if (!Number.isFinite(n)) throw rowError(this.file, line, `value "${v}" is not a finite number`);
          body.value = n;
        } else body.timestamp = /^-?[0-9]+$/.test(v) ? Number(v) : v; // epoch ms, else ISO-8601 for the engine
      } else if (name === 'eventId') {
        if (cell !== '') body.eventId = cell;
      } else {
        if (cell === '') throw rowError(this.file, line, `${name} is empty`);
        body[name] = cell;
      }
    }
    return body;
  }
}

/** The line without a Windows line end (the line reader splits on "\n" only). */
function stripLineEnd(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
