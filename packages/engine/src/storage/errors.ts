/**
 * Errors a store raises for caller mistakes (as opposed to I/O failures). The API layer maps them to 4xx answers;
 * every adapter (SQLite, Postgres, ...) throws these same classes so the routes need not know which store runs.
 */

/**
 * A feedback row names a user or item that does not exist while auto-creation is off. Thrown from inside the write
 * transaction, so nothing of the batch is stored.
 *
 * @example
 * try { await store.insertFeedback(rows, { createUsers: true, createItems: false }); }
 * catch (e) { if (e instanceof UnknownReferenceError) console.log(e.kind, e.id, e.index); }
 */
export class UnknownReferenceError extends Error {
  constructor(
    readonly kind: 'user' | 'item',
    readonly id: string,
    /** Position of the first offending row in the batch. */
    readonly index: number,
  ) {
    super(`unknown ${kind} "${id}"`);
    this.name = 'UnknownReferenceError';
  }
}

/**
 * A list cursor that this store did not issue (or that was mangled).
 *
 * @example
 * await store.listItems('garbage', 10); // throws InvalidCursorError
 */
export class InvalidCursorError extends Error {
  constructor(cursor: string) {
    super(`invalid cursor "${cursor.length > 40 ? cursor.slice(0, 40) + '…' : cursor}"`);
    this.name = 'InvalidCursorError';
  }
}

const CURSOR_PREFIX = 'k1:';

/**
 * Encodes the last id of a page as an opaque cursor (base64url, versioned so the format can change).
 *
 * @example
 * decodeCursor(encodeCursor('item-42')); // 'item-42'
 */
export function encodeCursor(lastId: string): string {
  return Buffer.from(CURSOR_PREFIX + lastId, 'utf8').toString('base64url');
}

/** Decodes a cursor from {@link encodeCursor}; throws InvalidCursorError for anything else. */
export function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  // Node's base64 decoder skips junk instead of failing, so insist on an exact round trip.
  if (!text.startsWith(CURSOR_PREFIX) || encodeCursor(text.slice(CURSOR_PREFIX.length)) !== cursor)
    throw new InvalidCursorError(cursor);
  return text.slice(CURSOR_PREFIX.length);
}
