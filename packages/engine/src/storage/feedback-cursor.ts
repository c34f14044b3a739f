import { InvalidCursorError } from './errors.js';

/**
 * The position of a page of a user's feedback: the sort key `(timestamp, seq)` of the last index entry the page
 * examined. A user's feedback is listed newest first by event time, seq breaking ties, which is the order of the user
 * index's primary key `(user_key, timestamp, seq)`; a keyset cursor on that key lets every page start with an index
 * seek, whatever its depth, and stays stable while events are inserted (an existing row is never repeated or skipped).
 */
export interface FeedbackPosition {
  timestamp: number;
  seq: number;
}

const PREFIX = 'f1:';

/**
 * Encodes a feedback position as an opaque cursor (base64url, versioned, distinct from the id cursors of the item
 * and user lists, so a cursor from one list is refused by the other).
 *
 * @example
 * decodeFeedbackCursor(encodeFeedbackCursor({ timestamp: 1714557600000, seq: 42 })); // { timestamp: 1714557600000, seq: 42 }
 */
export function encodeFeedbackCursor(p: FeedbackPosition): string {
  return Buffer.from(`${PREFIX}${p.timestamp}:${p.seq}`, 'utf8').toString('base64url');
}

/**
 * Decodes a cursor from {@link encodeFeedbackCursor}; throws {@link InvalidCursorError} for anything else (junk,
 * another list's cursor, a seq that is not a positive safe integer).
 *
 * @example
 * decodeFeedbackCursor('garbage'); // throws InvalidCursorError
 */
export function decodeFeedbackCursor(cursor: string): FeedbackPosition {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const parts = text.startsWith(PREFIX) ? text.slice(PREFIX.length).split(':') : [];
  const p = { timestamp: Number(parts[0]), seq: Number(parts[1]) };
  // Node's base64 decoder skips junk instead of failing, and Number() accepts '' or ' 1': insist on an exact round
  // trip, which also makes the text canonical.
  if (
    parts.length !== 2 ||
    !Number.isFinite(p.timestamp) ||
    !Number.isSafeInteger(p.seq) ||
    p.seq < 1 ||
    encodeFeedbackCursor(p) !== cursor
  )
    throw new InvalidCursorError(cursor);
  return p;
}
