import { recommend, type RecommendResult } from 'kindred';
import type { EngineConfig } from '../config.js';
import type { ListRequest } from './serving-types.js';
import type { Snapshot } from './snapshot.js';
import { servedItems, type ComputedList } from './served-lists.js';
import { LIST_SIZE, type CachedList, type UserEntries, type UserEntry } from './user-entries.js';
import type { RequestTimeUser } from './request-time-user.js';
import { indexHistory, summarizeHistory } from './user-history.js';

/** Users whose lists are recomputed per event-loop turn when warming the cache after a model swap (at most). */
const WARM_BATCH = 32;
/**
 * Milliseconds of warming per event-loop turn: a turn ends after this even within the batch, so models whose lists
 * cost a few ms each (a HistoryScorer's decoder pass over the catalogue) keep the event loop free for requests.
 */
const WARM_TURN_MS = 10;

/** What a user's personal list depends on beyond their entry and the snapshot. */
export interface PersonalListContext {
  readonly config: EngineConfig;
  /** Users deleted since the active model was trained: its rows for them must not serve. */
  readonly deletedUsers: ReadonlySet<string>;
  /** Explanations' verb per feedback type ("Because you bought X"). */
  readonly verbOf: (type: string) => string;
}

/**
 * Runs the pipeline for one user on snapshot `s` (synchronous: the snapshot cannot change underneath). A user with
 * feedback the model was not trained on, or unknown to it, is served from request-time state when the model has one
 * (request-time-user.ts: ALS fold-in, or a HistoryScorer scoring their newest positive events).
 *
 * @example
 * const { items, indices, fallback } = personalList('u1', entry, snap, { n: 10 }, ctx);
 */
export function personalList(
  userId: string,
  e: UserEntry,
  s: Snapshot,
  req: ListRequest,
  ctx: PersonalListContext,
): ComputedList {
  const d = derivedState(userId, e, s, ctx);
  const rt = s.requestTime;
  let user: RequestTimeUser | null = null;
  if (rt && (d.u < 0 || d.fresh)) {
    if (d.userState === undefined) d.userState = rt.model.userState(d.history);
    user = d.userState;
  }
  if (user) rt!.user = user;
  let r: RecommendResult;
  try {
    r = recommend(s.pipeline, {
      // With request-time state the request runs as anonymous: its generator replaces the stale model row.
      userIndex: user ? -1 : d.u,
      context: d.history.context,
      n: req.n,
      offset: req.offset ?? 0,
      category: req.category,
      exclude: req.exclude,
    });
  } finally {
    if (rt) rt.user = null;
  }
  return servedItems(r, s);
}

/**
 * The user's history indexed on snapshot `s` and their model row, computed once per snapshot generation.
 *
 * @example
 * derivedState('u1', entry, snap, ctx).u; // the model's user index, -1 when unknown or deleted
 */
export function derivedState(
  userId: string,
  e: UserEntry,
  s: Snapshot,
  ctx: PersonalListContext,
): NonNullable<UserEntry['derived']> {
  if (e.derived && e.derived.gen === s.gen) return e.derived;
  e.summary ??= summarizeHistory(e.rows, ctx.config.feedback.types);
  const m = s.model;
  let u = m && !ctx.deletedUsers.has(userId) ? m.training.userIds.get(userId) : -1;
  if (u >= 0 && !m!.knownUser(u)) u = -1;
  const through = s.record?.trainedThroughSeq ?? 0;
  const fresh = e.rows.some((r) => r.seq === undefined || r.seq > through);
  // A request-time request runs as anonymous, so the model's training items must be excluded explicitly.
  let trainingSeen: Int32Array | undefined;
  if (m && u >= 0 && s.requestTime && fresh) {
    const t = m.training;
    trainingSeen = t.seenIndices.subarray(t.seenIndptr[u], t.seenIndptr[u + 1]);
  }
  const history = indexHistory(e.summary, s.catalog, m ? m.training.nItems : 0, trainingSeen, ctx.verbOf);
  return (e.derived = { gen: s.gen, history, u, fresh, userState: undefined });
}

/**
 * How many items a personal list leaves out as seen: the history's and the model's training rows.
 *
 * @example
 * seenCount('u1', entry, snap, ctx); // 12
 */
export function seenCount(userId: string, e: UserEntry, s: Snapshot, ctx: PersonalListContext): number {
  const d = derivedState(userId, e, s, ctx);
  let n = d.history.context.seen?.length ?? 0;
  const t = s.model?.training;
  if (t && d.u >= 0) n += t.seenIndptr[d.u + 1] - t.seenIndptr[d.u];
  return n;
}

/**
 * A cached list still serves offset + n items when it was computed on this snapshot, none of its first `end`
 * items was hidden or deleted since, and — if it came out short — the catalogue has not changed since (`itemStamp`).
 *
 * @example
 * if (!listUsable(entry.list, snap, 10, stamp)) entry.list = null;
 */
export function listUsable(l: CachedList, s: Snapshot, end: number, itemStamp: number): boolean {
  if (l.gen !== s.gen) return false;
  if (l.items.length < LIST_SIZE && l.stamp !== itemStamp) return false;
  for (let k = 0; k < l.indices.length && k < end; k++) if (s.catalog.isHidden(l.indices[k])) return false;
  return true;
}

/**
 * The user's cached default list (the first LIST_SIZE items, no filters), recomputed and cached again when it no
 * longer serves items up to `end` (see {@link listUsable}).
 *
 * @example
 * cachedDefaultList('u1', entry, snap, 10, stamp, ctx).items.slice(0, 10);
 */
export function cachedDefaultList(
  userId: string,
  e: UserEntry,
  s: Snapshot,
  end: number,
  itemStamp: number,
  ctx: PersonalListContext,
): CachedList {
  let l = e.list;
  if (!l || !listUsable(l, s, end, itemStamp)) {
    const r = personalList(userId, e, s, { n: LIST_SIZE }, ctx);
    l = e.list = { gen: s.gen, stamp: itemStamp, ...r };
  }
  return l;
}

/** What warming needs of the service: its cached users, their lists' context, its snapshot and catalogue stamp. */
export interface WarmHost {
  readonly users: UserEntries;
  readonly ctx: PersonalListContext;
  snapshot(): Snapshot;
  itemStamp(): number;
}

/**
 * Recomputes the default list of recently active users after a swap, a few per event-loop turn; stops when another
 * swap replaces generation `gen`.
 *
 * @example
 * warmDefaultLists(host.users.keys(), snap.gen, host);
 */
export function warmDefaultLists(userIds: string[], gen: number, host: WarmHost): void {
  const users = host.users;
  if (!users.enabled || userIds.length === 0) return;
  let at = 0;
  const step = () => {
    const s = host.snapshot();
    if (s.gen !== gen) return;
    const started = performance.now();
    for (const end = Math.min(userIds.length, at + WARM_BATCH); at < end; at++) {
      if (performance.now() - started > WARM_TURN_MS) break;
      const id = userIds[at];
      const e = users.peek(id);
      if (!e || (e.list && e.list.gen === gen)) continue;
      try {
        const r = personalList(id, e, s, { n: LIST_SIZE }, host.ctx);
        e.list = { gen, stamp: host.itemStamp(), ...r };
      } catch {
        // A failing precompute leaves the list to be computed on demand (where the error surfaces).
      }
    }
    if (at < userIds.length) setImmediate(step);
  };
  setImmediate(step);
}
