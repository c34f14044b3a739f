// The messages between ThreadedSqliteStorage (the request thread) and its writer thread.
import { UnknownReferenceError } from './errors.js';
import type { FeedbackRecord } from './port.js';

/** Store methods the writer thread runs for the request thread (every write, and the writer's diagnostics). */
export const WRITER_OPS = [
  'upsertItems',
  'patchItem',
  'deleteItem',
  'upsertUsers',
  'patchUser',
  'deleteUser',
  'deleteFeedback',
  'saveModel',
  'activateModel',
  'deleteModel',
  'mergeUserIndex',
  'whenUserIndexMerged',
  'whenItemsPurged',
  'userIndexPending',
  'pendingItemPurges',
  'synchronousLevel',
] as const;
export type WriterOp = (typeof WRITER_OPS)[number];

/** A feedback batch in column form: cheaper to copy between threads than an array of row objects. */
export interface FeedbackBatchColumns {
  userIds: string[];
  itemIds: string[];
  types: string[];
  values: Float64Array;
  timestamps: Float64Array;
  /** Each row's eventId (null where it has none); absent when no row has one, so plain batches copy nothing more. */
  eventIds?: (string | null)[];
}

export type WriterRequest =
  | { id: number; op: 'insertFeedback'; batch: FeedbackBatchColumns; createUsers: boolean; createItems: boolean }
  | { id: number; op: WriterOp; args: unknown[] }
  | { id: number; op: 'close' };

/** An error as it crosses the thread boundary (classes do not survive structured clone). */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  kind?: 'user' | 'item';
  ref?: string;
  index?: number;
}

export type WriterReply =
  { type: 'ready' } | { type: 'result'; id: number; result: unknown } | { type: 'error'; id: number; error: WireError };

export function toColumns(rows: FeedbackRecord[]): FeedbackBatchColumns {
  const n = rows.length;
  const out: FeedbackBatchColumns = {
    userIds: new Array<string>(n),
    itemIds: new Array<string>(n),
    types: new Array<string>(n),
    values: new Float64Array(n),
    timestamps: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    out.userIds[i] = r.userId;
    out.itemIds[i] = r.itemId;
    out.types[i] = r.type;
    out.values[i] = r.value;
    out.timestamps[i] = r.timestamp;
    if (r.eventId !== undefined) (out.eventIds ??= new Array<string | null>(n).fill(null))[i] = r.eventId;
  }
  return out;
}

export function fromColumns(c: FeedbackBatchColumns): FeedbackRecord[] {
  const rows = new Array<FeedbackRecord>(c.userIds.length);
  for (let i = 0; i < rows.length; i++) {
    rows[i] = {
      userId: c.userIds[i],
      itemId: c.itemIds[i],
      type: c.types[i],
      value: c.values[i],
      timestamp: c.timestamps[i],
    };
    const eventId = c.eventIds?.[i];
    if (eventId !== undefined && eventId !== null) rows[i].eventId = eventId;
  }
  return rows;
}

export function toWire(e: unknown): WireError {
  if (e instanceof UnknownReferenceError)
    return { name: e.name, message: e.message, kind: e.kind, ref: e.id, index: e.index };
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return { name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(e) };
}

/** The error the request thread rethrows: the store's own classes come back as themselves. */
export function fromWire(w: WireError): Error {
  if (w.name === 'UnknownReferenceError' && w.kind && w.ref !== undefined && w.index !== undefined)
    return new UnknownReferenceError(w.kind, w.ref, w.index);
  const e = new Error(w.message);
  e.name = w.name;
  if (w.code !== undefined) (e as Error & { code: string }).code = w.code;
  return e;
}
