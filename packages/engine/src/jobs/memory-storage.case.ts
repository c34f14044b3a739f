// Test helper (not shipped): an in-memory Storage so the training tests do not depend on the SQLite adapter.
import type {
  FeedbackRecord,
  FeedbackSelector,
  ItemRecord,
  ModelRecord,
  Page,
  Storage,
  UserRecord,
} from '../storage/port.js';
import { decodeFeedbackCursor, encodeFeedbackCursor } from '../storage/feedback-cursor.js';
import { UnknownReferenceError, decodeCursor, encodeCursor } from '../storage/errors.js';

/**
 * A minimal in-memory implementation of the Storage port, faithful where training relies on it: feedback `seq` is
 * increasing in insertion order, `scanFeedback` pages by seq, model versions are numbered 1, 2, ... and exactly one
 * is active. It runs the same Storage contract as the SQLite stores (storage/contract.case.ts): copies out, keyset
 * cursors, unknown references rejected atomically, newest-event-first order.
 *
 * @example
 * const store = new MemoryStorage();
 * await store.insertFeedback([{ userId: 'u', itemId: 'i', type: 'click', value: 1, timestamp: 0 }], { createUsers: true, createItems: true });
 */
export class MemoryStorage implements Storage {
  readonly items = new Map<string, ItemRecord>();
  readonly users = new Map<string, UserRecord>();
  feedback: FeedbackRecord[] = [];
  readonly models: { record: ModelRecord; bytes: Uint8Array }[] = [];
  private seq = 0;
  /** Last model version given out (versions are never reused, also after deletes). */
  private modelSeq = 0;
  /** Milliseconds each scanFeedback call sleeps (to simulate a slow store). */
  scanDelayMs = 0;

  async upsertItems(items: ItemRecord[]): Promise<number> {
    for (const it of items) this.items.set(it.id, structuredClone(it));
    return items.length;
  }
  async getItem(id: string): Promise<ItemRecord | null> {
    const it = this.items.get(id);
    return it ? structuredClone(it) : null;
  }
  async patchItem(id: string, patch: Partial<Omit<ItemRecord, 'id'>>): Promise<ItemRecord | null> {
    const it = this.items.get(id);
    if (!it) return null;
    Object.assign(it, patch);
    // An explicit undefined clears an optional field, as in SQLite (where it becomes NULL).
    if ('text' in patch && patch.text === undefined) delete it.text;
    return structuredClone(it);
  }
  async deleteItem(id: string): Promise<boolean> {
    this.feedback = this.feedback.filter((f) => f.itemId !== id);
    return this.items.delete(id);
  }
  async listItems(cursor: string | null, n: number): Promise<Page<ItemRecord>> {
    return page([...this.items.values()], cursor, n);
  }
  async allItems(): Promise<ItemRecord[]> {
    return [...this.items.values()].map((it) => structuredClone(it));
  }
  async upsertUsers(users: UserRecord[]): Promise<number> {
    for (const u of users) this.users.set(u.id, structuredClone(u));
    return users.length;
  }
  async getUser(id: string): Promise<UserRecord | null> {
    const u = this.users.get(id);
    return u ? structuredClone(u) : null;
  }
  async patchUser(id: string, patch: Partial<Omit<UserRecord, 'id'>>): Promise<UserRecord | null> {
    const u = this.users.get(id);
    if (!u) return null;
    Object.assign(u, patch);
    return structuredClone(u);
  }
  async deleteUser(id: string): Promise<FeedbackRecord[] | null> {
    const removed = this.feedback.filter((f) => f.userId === id).sort(newestFirst);
    this.feedback = this.feedback.filter((f) => f.userId !== id);
    return this.users.delete(id) ? removed : null;
  }
  async listUsers(cursor: string | null, n: number): Promise<Page<UserRecord>> {
    return page([...this.users.values()], cursor, n);
  }
  async recentUsers(limit: number): Promise<string[]> {
    const out: string[] = [];
    const seen = new Set<string>();
    for (let k = this.feedback.length - 1; k >= 0 && out.length < limit; k--) {
      const id = this.feedback[k].userId;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(id);
    }
    return out;
  }
  async insertFeedback(rows: FeedbackRecord[], opts: { createUsers: boolean; createItems: boolean }): Promise<number> {
    const now = Date.now();
    // Checked before anything is written, so a rejected batch stores nothing (SQLite rolls back its transaction).
    for (let k = 0; k < rows.length; k++) {
      const r = rows[k];
      if (!opts.createUsers && !this.users.has(r.userId)) throw new UnknownReferenceError('user', r.userId, k);
      if (!opts.createItems && !this.items.has(r.itemId)) throw new UnknownReferenceError('item', r.itemId, k);
    }
    let stored = 0;
    for (const r of rows) {
      // Idempotent ingestion as in SqliteStorage: a row whose eventId is stored (or repeated earlier) is skipped.
      if (r.eventId !== undefined && this.feedback.some((f) => f.eventId === r.eventId)) continue;
      if (opts.createUsers && !this.users.has(r.userId))
        this.users.set(r.userId, { id: r.userId, labels: {}, updatedAt: now });
      if (opts.createItems && !this.items.has(r.itemId))
        this.items.set(r.itemId, {
          id: r.itemId,
          categories: [],
          labels: {},
          timestamp: now,
          hidden: false,
          updatedAt: now,
        });
      r.seq = ++this.seq;
      this.feedback.push({ ...r });
      stored++;
    }
    return stored;
  }
  async deleteFeedback(sel: FeedbackSelector): Promise<FeedbackRecord | null> {
    const k = this.feedback.findIndex((f) => ('seq' in sel ? f.seq === sel.seq : f.eventId === sel.eventId));
    if (k < 0) return null;
    return this.feedback.splice(k, 1)[0];
  }
  async userFeedbackPage(userId: string, cursor: string | null, n: number): Promise<Page<FeedbackRecord>> {
    const from = cursor === null ? null : decodeFeedbackCursor(cursor);
    // The SQLite store's order and keyset: newest event first, seq breaking ties, rows after the cursor's position.
    const later = (a: FeedbackRecord, b: FeedbackRecord | { timestamp: number; seq: number }) =>
      a.timestamp !== b.timestamp ? a.timestamp < b.timestamp : (a.seq ?? 0) < (b.seq ?? 0);
    const rows = this.feedback
      .filter((f) => f.userId === userId && (from === null || later(f, from)))
      .sort(newestFirst);
    const items = rows.slice(0, n).map((f) => ({ ...f }));
    const last = items[items.length - 1];
    const next = rows.length > n ? encodeFeedbackCursor({ timestamp: last.timestamp, seq: last.seq ?? 0 }) : null;
    return { items, next };
  }
  async userFeedback(userId: string, limit = 100): Promise<FeedbackRecord[]> {
    return this.feedback
      .filter((f) => f.userId === userId)
      .sort(newestFirst)
      .slice(0, limit)
      .map((f) => ({ ...f }));
  }
  async scanFeedback(afterSeq: number, limit: number): Promise<FeedbackRecord[]> {
    if (this.scanDelayMs) await new Promise((r) => setTimeout(r, this.scanDelayMs));
    // feedback is in seq order: binary search the first row after afterSeq.
    let lo = 0,
      hi = this.feedback.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.feedback[mid].seq ?? 0) <= afterSeq) lo = mid + 1;
      else hi = mid;
    }
    return this.feedback.slice(lo, lo + limit).map((f) => ({ ...f }));
  }
  async positiveItemCounts(types: readonly string[]): Promise<Map<string, number>> {
    const wanted = new Set(types);
    const counts = new Map<string, number>();
    for (const f of this.feedback) if (wanted.has(f.type)) counts.set(f.itemId, (counts.get(f.itemId) ?? 0) + 1);
    return counts;
  }
  async feedbackCount(): Promise<number> {
    return this.feedback.length;
  }
  async lastSeq(): Promise<number> {
    return this.seq;
  }
  async saveModel(
    meta: Omit<ModelRecord, 'version' | 'active' | 'sizeBytes'>,
    bytes: Uint8Array,
  ): Promise<ModelRecord> {
    const record: ModelRecord = { ...meta, version: ++this.modelSeq, active: false, sizeBytes: bytes.length };
    this.models.push({ record, bytes: bytes.slice() });
    return { ...record };
  }
  async listModels(): Promise<ModelRecord[]> {
    return this.models.map((m) => ({ ...m.record }));
  }
  async modelBytes(version: number): Promise<Uint8Array | null> {
    return this.models.find((m) => m.record.version === version)?.bytes.slice() ?? null;
  }
  async activateModel(version: number): Promise<boolean> {
    if (!this.models.some((m) => m.record.version === version)) return false;
    for (const m of this.models) m.record.active = m.record.version === version;
    return true;
  }
  async deleteModel(version: number): Promise<boolean> {
    const k = this.models.findIndex((m) => m.record.version === version && !m.record.active);
    if (k < 0) return false;
    this.models.splice(k, 1);
    return true;
  }
  async activeModel(): Promise<ModelRecord | null> {
    const m = this.models.find((x) => x.record.active);
    return m ? { ...m.record } : null;
  }
  async close(): Promise<void> {}
}

/** The SQLite store's feedback order: newest event first, the later seq first among equal timestamps. */
function newestFirst(a: FeedbackRecord, b: FeedbackRecord): number {
  return b.timestamp - a.timestamp || (b.seq ?? 0) - (a.seq ?? 0);
}

function page<T extends { id: string }>(all: T[], cursor: string | null, n: number): Page<T> {
  const sorted = all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  // Opaque cursors as in SQLite: a raw id (or junk) throws InvalidCursorError.
  const after = cursor === null ? null : decodeCursor(cursor);
  const start = after === null ? 0 : sorted.findIndex((x) => x.id > after);
  const items = start < 0 ? [] : sorted.slice(start, start + n).map((x) => structuredClone(x));
  const next = start >= 0 && start + n < sorted.length ? encodeCursor(items[items.length - 1].id) : null;
  return { items, next };
}
