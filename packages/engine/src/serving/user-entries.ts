import { LRUCache } from 'lru-cache';
import type { FeedbackRecord } from '../storage/port.js';
import type { ServedItem } from './serving-types.js';
import type { RequestTimeUser } from './request-time-user.js';
import type { HistorySummary, IndexedHistory } from './user-history.js';

/** Feedback rows kept per cached user (newest); older ones still count through the model's training rows. */
const MAX_HISTORY = 1000;
/** Length of the cached top-N list per user: requests with offset + n within it are served from the cache. */
export const LIST_SIZE = 50;

/** Per-user state: feedback rows (oldest first) and what is derived from them, per snapshot generation. */
export interface UserEntry {
  rows: FeedbackRecord[];
  summary: HistorySummary | null;
  derived: {
    gen: number;
    history: IndexedHistory;
    /** Model user index (-1: unknown to the model, or deleted since it was trained). */
    u: number;
    /** Has feedback the model was not trained on (live rows, or seq past the model's trainedThroughSeq). */
    fresh: boolean;
    /** Request-time model state (ALS fold-in vector, history to score); undefined until first needed. */
    userState: RequestTimeUser | null | undefined;
  } | null;
  list: CachedList | null;
}

/** A user's top-N as served; `stamp` is the catalogue version it was computed on. */
export interface CachedList {
  gen: number;
  stamp: number;
  items: ServedItem[];
  indices: Int32Array;
  fallback: string | null;
}

/** Reads a user's newest feedback rows from the store (newest first), at most `limit`. */
export type ReadUserFeedback = (userId: string, limit: number) => Promise<FeedbackRecord[]>;

/**
 * Per-user serving state in a bounded LRU with TTL (`serving.cacheSize`, `serving.cacheTtlSeconds`; none when the
 * size is 0): each user's feedback rows, read from the store once and then kept current by live feedback, with what
 * is derived from them and their cached top-N list. Concurrent requests for a user share one read; a read that new
 * feedback or a deletion raced is marked stale and made again.
 *
 * @example
 * const users = new UserEntries((id, n) => storage.userFeedback(id, n), 10_000, 600);
 * const entry = await users.entry('u1');
 */
export class UserEntries {
  private readonly users: LRUCache<string, UserEntry> | null;
  private readonly loading = new Map<string, { promise: Promise<UserEntry>; stale: boolean }>();

  constructor(
    private readonly read: ReadUserFeedback,
    cacheSize: number,
    cacheTtlSeconds: number,
  ) {
    this.users =
      cacheSize > 0
        ? new LRUCache<string, UserEntry>({ max: cacheSize, ttl: cacheTtlSeconds * 1000 || undefined })
        : null;
  }

  /** Whether users are cached at all (`serving.cacheSize` > 0). */
  get enabled(): boolean {
    return this.users !== null;
  }

  /** Users cached now. */
  get size(): number {
    return this.users?.size ?? 0;
  }

  /** The cached users' ids, most recently used first. */
  keys(): string[] {
    return this.users ? [...this.users.keys()] : [];
  }

  /** The user's cached state, if cached, without touching the LRU's recency. */
  peek(userId: string): UserEntry | undefined {
    return this.users?.peek(userId);
  }

  delete(userId: string): void {
    this.users?.delete(userId);
  }

  clear(): void {
    this.users?.clear();
  }

  /** A read of the user's feedback under way must start again: feedback or a deletion raced it. */
  markStale(userId: string): void {
    const pending = this.loading.get(userId);
    if (pending) pending.stale = true;
  }

  /** Live feedback rows appended to a cached user's history (newest kept), voiding what was derived from it. */
  appendLive(userId: string, list: readonly FeedbackRecord[]): void {
    const e = this.users?.peek(userId);
    if (!e) return;
    // No seq: live rows count as newer than any model (request-time state: fold-in, history scoring), which is
    // right until the next retrain.
    for (const r of list)
      e.rows.push({ userId, itemId: r.itemId, type: r.type, value: r.value, timestamp: r.timestamp });
    if (e.rows.length > MAX_HISTORY) e.rows.splice(0, e.rows.length - MAX_HISTORY);
    e.summary = null;
    e.derived = null;
    e.list = null;
  }

  /** The user's cached state, or one read from the store (re-read if feedback or a deletion raced the read). */
  async entry(userId: string): Promise<UserEntry> {
    const hit = this.users?.get(userId);
    if (hit) return hit;
    const pending = this.loading.get(userId);
    if (pending) return pending.promise;
    const token = { promise: null as unknown as Promise<UserEntry>, stale: false };
    token.promise = (async () => {
      let rows: FeedbackRecord[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        token.stale = false;
        rows = await this.read(userId, MAX_HISTORY);
        if (!token.stale) break;
      }
      const e: UserEntry = { rows: rows.reverse(), summary: null, derived: null, list: null };
      this.users?.set(userId, e);
      return e;
    })();
    const done = () => {
      if (this.loading.get(userId) === token) this.loading.delete(userId);
    };
    token.promise.then(done, done);
    this.loading.set(userId, token);
    return token.promise;
  }
}
