import type { FeedbackRecord, ItemRecord, ModelRecord, Page, UserRecord } from './port.js';
import { encodeCursor } from './errors.js';

/** Row shapes of the statements in sqlite-statements.ts, and their conversions to and from the port's records. */

export interface ItemRow {
  id: string;
  categories: string;
  labels: string;
  text: string | null;
  timestamp: number;
  hidden: number;
  updatedAt: number;
}

export interface UserRow {
  id: string;
  labels: string;
  updatedAt: number;
}

export interface ModelRow {
  version: number;
  meta: string;
  active: number;
  sizeBytes: number;
}

export type ModelMeta = Omit<ModelRecord, 'version' | 'active' | 'sizeBytes'>;

/** The parameters of `upsertItem` for one item (JSON columns serialised). */
export function itemParams(it: ItemRecord): unknown[] {
  return [
    it.id,
    JSON.stringify(it.categories ?? []),
    JSON.stringify(it.labels ?? {}),
    it.text ?? null,
    it.timestamp,
    it.hidden ? 1 : 0,
    it.updatedAt,
  ];
}

/** An `items` row as the port's record (`text` left out when NULL). */
export function itemFromRow(row: ItemRow): ItemRecord {
  const item: ItemRecord = {
    id: row.id,
    categories: JSON.parse(row.categories) as string[],
    labels: JSON.parse(row.labels) as Record<string, string>,
    timestamp: row.timestamp,
    hidden: row.hidden !== 0,
    updatedAt: row.updatedAt,
  };
  if (row.text !== null) item.text = row.text;
  return item;
}

/** A `users` row as the port's record. */
export function userFromRow(row: UserRow): UserRecord {
  return { id: row.id, labels: JSON.parse(row.labels) as Record<string, string>, updatedAt: row.updatedAt };
}

/** A `models` row (without its bytes) as the port's record. */
export function modelFromRow(row: ModelRow): ModelRecord {
  const meta = JSON.parse(row.meta) as ModelMeta;
  return { ...meta, version: row.version, active: row.active !== 0, sizeBytes: row.sizeBytes };
}

/** Rows read with `f.event_id AS eventId` have `eventId: null` when posted without one: the port leaves it out. */
export function withoutNullEventIds(rows: FeedbackRecord[]): FeedbackRecord[] {
  for (const r of rows) if (r.eventId === null) delete r.eventId;
  return rows;
}

/** Turns n + 1 fetched rows into a page of n and a cursor (the extra row only says that more exist). */
export function page<T extends { id: string }>(rows: T[], n: number): Page<T> {
  if (rows.length <= n) return { items: rows, next: null };
  const items = rows.slice(0, n);
  return { items, next: encodeCursor(items[n - 1].id) };
}
