import { LRUCache } from 'lru-cache';
import {
  Als,
  Catalog,
  FactorModel,
  LatestIndex,
  NotSupportedError,
  Pipeline,
  PopularityIndex,
  cachedNeighbours,
  explainItem,
  loadModel,
  modelNeighbours,
  recencyWeight,
  recommend,
  sessionRecommend,
  type CatalogItem,
  type NeighbourFn,
  type PipelineConfig,
  type PipelineConfigInput,
  type RecommendResult,
  type Recommender,
} from 'kindred';
import type { EngineConfig } from '../config.js';
import type { EngineMetrics } from '../api/metrics.js';
import type { FeedbackRecord, ItemRecord, ModelRecord, Storage } from '../storage/port.js';
import { removeFeedback } from './feedback-removal.js';
import { feedbackVerbs } from './feedback-verbs.js';
import { shortListReason, type ShortListQuery } from './short-list.js';
import { toUnitScale } from './list-scale.js';
import { FoldInCandidates } from './fold-in.js';
import { startPrecompute, type PrecomputeMessage, type PrecomputeRun } from './precompute-thread.js';
import { PrecomputedLists } from './precomputed-lists.js';
import { pooledFactorNeighbours } from './pooled-neighbours.js';
import { indexHistory, summarizeHistory, type HistorySummary, type IndexedHistory } from './user-history.js';

export interface ReadyState {
  ready: boolean;
  model: { name: string; version: number } | null;
  fallbacks: string[];
  /** The precomputed lists of active users for the active model (see `serving.precomputeUsers`). */
  precompute: PrecomputeStatus;
}

/** Progress of the per-user list precomputation for the serving snapshot. */
export interface PrecomputeStatus {
  status: 'off' | 'running' | 'done' | 'failed';
  /** Users whose lists are stored (and still valid). */
  users: number;
  seconds?: number;
  error?: string;
}

/** Why an item was recommended: the source that contributed most and the items behind it. */
export interface ServedReason {
  /** The model's name for model-sourced items ('als', 'item-knn', ...), else item-to-item, popular, latest, ... */
  source: string;
  /** Raw ids of the user's items that led to it (item-to-item), or the item a similar-items list is for. */
  because: string[];
  category?: string;
  /** Every source that proposed the item. */
  sources: string[];
}

export interface ServedItem {
  id: string;
  score: number;
  reason: ServedReason;
  explanation: string;
}

/** One answer of the recommend, session, similar, popular and latest routes. */
export interface ServedList {
  items: ServedItem[];
  model: { name: string; version: number } | null;
  /** Which cold-start path served the list (null: the personalised path). */
  fallback: string | null;
  /** Why the list is shorter than requested (absent on a full page), e.g. "every candidate was already seen". */
  reason?: string;
}

export interface ListRequest {
  n: number;
  offset?: number;
  category?: string;
  exclude?: readonly string[];
}

/** One event of an anonymous session (`POST /api/recommend/session`); timestamp in epoch ms. */
export interface SessionEvent {
  itemId: string;
  type: string;
  value?: number;
  timestamp?: number;
}

export interface SimilarUsers {
  users: { id: string; score: number }[];
  model: { name: string; version: number };
}

/** What the service needs of an engine (an `Engine` is one; tests may pass a lighter object). */
/** Options of the service (embedders and tests). */
export interface ServingOptions {
  /** Pipeline settings merged over the ones derived from `serving.*` (e.g. item-to-item or blend weights). */
  pipeline?: PipelineConfigInput;
}

export interface ServingHost {
  readonly config: EngineConfig;
  readonly storage: Storage;
  readonly metrics?: EngineMetrics;
  /** The SQLite file behind `storage`, which a precompute worker opens itself (absent: no precomputation). */
  readonly dbPath?: string | null;
}

/** Feedback rows kept per cached user (newest); older ones still count through the model's training rows. */
const MAX_HISTORY = 1000;
/** Length of the cached top-N list per user: requests with offset + n within it are served from the cache. */
const LIST_SIZE = 50;
/** Freshness boost weight on the final score when `serving.freshnessHalfLifeDays` > 0 (final scores are ~[0, 1]). */
const FRESHNESS_WEIGHT = 0.2;
/** Users whose lists are recomputed per event-loop turn when warming the cache after a model swap. */
const WARM_BATCH = 32;
const DAY_MS = 86_400_000;
/** Item-to-item for factor models searches neighbours among this many most-interacted items (see pooled-neighbours). */
const NEIGHBOUR_POOL = 5000;
/** Newest positives that drive item-to-item per request (each costs one neighbour lookup when not cached). */
const MAX_POSITIVES = 5;

/** The serving state that a model swap replaces as one reference. */
interface Snapshot {
  gen: number;
  model: Recommender | null;
  record: ModelRecord | null;
  info: { name: string; version: number } | null;
  catalog: Catalog;
  pipeline: Pipeline;
  latest: LatestIndex;
  neighbours: NeighbourFn | null;
  foldIn: FoldInCandidates | null;
}

/** Per-user state: feedback rows (oldest first) and what is derived from them, per snapshot generation. */
interface UserEntry {
  rows: FeedbackRecord[];
  summary: HistorySummary | null;
  derived: {
    gen: number;
    history: IndexedHistory;
    /** Model user index (-1: unknown to the model, or deleted since it was trained). */
    u: number;
    /** Has feedback the model was not trained on (live rows, or seq past the model's trainedThroughSeq). */
    fresh: boolean;
    fold: Float32Array | null | undefined;
  } | null;
  list: CachedList | null;
}

/** A user's top-N as served; `stamp` is the catalogue version it was computed on. */
interface CachedList {
  gen: number;
  stamp: number;
  items: ServedItem[];
  indices: Int32Array;
  fallback: string | null;
}

/**
 * The read path: the catalogue, the active model and the two-stage pipeline (kindred's `Pipeline`), per-user
 * state and cached top-N lists. Everything a request needs is in memory except a user's feedback, which is read
 * from the store once and then kept current by `onFeedback` in a bounded LRU with TTL (`serving.cacheSize`,
 * `serving.cacheTtlSeconds`).
 *
 * Freshness between retrains: a user's new feedback is applied to their cached state at once — the items become
 * seen (excluded), their positives drive item-to-item candidates, and for ALS models the user's vector is folded in
 * (`Als.recalculateUser`) from their aggregated feedback, cached per user until their next feedback. A model swap
 * builds the new catalogue/pipeline completely, then replaces one reference; requests already running finish on the
 * old one (a request runs synchronously once its user's state is loaded).
 *
 * @example
 * const serving = new ServingService(engine);
 * await serving.reload();
 * const list = await serving.recommend('u1', { n: 10 });
 * list.items[0]; // { id: 'i42', score: 0.93, reason: { source: 'als', because: [], sources: ['als'] }, explanation: '...' }
 */
export class ServingService {
  private snap: Snapshot;
  private gen = 0;
  private readonly pipelineConfig: PipelineConfigInput;
  /** Item descriptions by id (the store's catalogue), to rebuild a catalogue aligned with each new model. */
  private items = new Map<string, CatalogItem>();
  /** Interaction counts (events with a positive weight) by item id, kept across model swaps. */
  private counts = new Map<string, number>();
  private readonly users: LRUCache<string, UserEntry> | null;
  private readonly loading = new Map<string, { promise: Promise<UserEntry>; stale: boolean }>();
  /** Users deleted since the active model was trained: its rows for them must not serve. */
  private readonly deletedUsers = new Set<string>();
  private readonly positiveTypes: Set<string>;
  /** Explanations' verb per feedback type ("Because you bought X"). */
  private readonly verbOf: (type: string) => string;
  private loadError: string | null = null;
  /** Whether a pipeline rule reads item labels (else the catalogue skips them). */
  private readonly useLabels: boolean;
  /** Bumped by every catalogue change: a short cached list may be missing items added since. */
  private itemStamp = 0;
  /** Default lists of active users for the snapshot generation they name (filled progressively by a worker). */
  private precomputed: PrecomputedLists | null = null;
  /** During a refresh on the same snapshot: the previous set, serving users the new run has not reached yet. */
  private previousLists: PrecomputedLists | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private precomputeRun: { run: PrecomputeRun; dirty: Set<string> } | null = null;
  private precomputeState: PrecomputeStatus = { status: 'off', users: 0 };
  private closed = false;

  constructor(
    private readonly engine: ServingHost,
    opts: ServingOptions = {},
  ) {
    const sv = engine.config.serving;
    this.pipelineConfig = mergeInput(
      {
        rerank: {
          diversity: { lambda: sv.diversityLambda },
          freshness:
            sv.freshnessHalfLifeDays > 0
              ? { weight: FRESHNESS_WEIGHT, halfLifeMs: sv.freshnessHalfLifeDays * DAY_MS }
              : { weight: 0 },
        },
        candidates: { itemToItem: { maxPositives: MAX_POSITIVES } },
        coldStart: { categories: [...sv.coldStartCategories] },
        maxResults: Math.max(500, sv.maxN),
      },
      opts.pipeline ?? {},
    ) as PipelineConfigInput;
    this.useLabels = (this.pipelineConfig.rerank?.boosts ?? []).some((b) => b.label !== undefined);
    this.users =
      sv.cacheSize > 0
        ? new LRUCache<string, UserEntry>({ max: sv.cacheSize, ttl: sv.cacheTtlSeconds * 1000 || undefined })
        : null;
    this.positiveTypes = new Set(
      Object.entries(engine.config.feedback.types)
        .filter(([, t]) => t.weight > 0 && !t.seenOnly)
        .map(([name]) => name),
    );
    this.verbOf = feedbackVerbs(engine.config.feedback.types);
    this.snap = this.build(null, null);
  }

  /** The largest offset + n a request may ask for. */
  get maxResults(): number {
    return (this.snap.pipeline.config as PipelineConfig).maxResults;
  }

  /** The active model's name and version (null when none). */
  get modelInfo(): { name: string; version: number } | null {
    return this.snap.info;
  }

  /** Loads the catalogue, popularity counts and the active model from the store; drops every cached user. */
  async reload(): Promise<void> {
    const { storage } = this.engine;
    const [items, record] = await Promise.all([storage.allItems(), storage.activeModel()]);
    const map = new Map<string, CatalogItem>();
    for (const it of items) map.set(it.id, toCatalogItem(it, this.useLabels));
    const counts = await this.scanCounts();
    let model: Recommender | null = null;
    this.loadError = null;
    if (record) {
      try {
        const bytes = await storage.modelBytes(record.version);
        if (!bytes) throw new Error(`the store has no bytes for v${record.version}`);
        model = loadModel(bytes);
      } catch (e) {
        // Serve the fallbacks rather than refuse to start; ready() reports it.
        this.loadError = `active model v${record.version} could not be loaded: ${(e as Error).message}`;
      }
    }
    this.items = map;
    this.counts = counts;
    this.users?.clear();
    this.deletedUsers.clear();
    if (model) for (const id of await this.usersMissingFromStore(model)) this.deletedUsers.add(id);
    this.snap = this.build(model, model ? record : null);
    this.engine.metrics?.modelVersion.set(model && record ? record.version : 0);
    this.startPrecompute();
  }

  /**
   * Model users the store no longer has (deleted after the model was trained): after a restart their trained rows
   * must not serve again, so they are found by comparing the model's users with the store's.
   */
  private async usersMissingFromStore(model: Recommender): Promise<string[]> {
    const present = new Set<string>();
    let cursor: string | null = null;
    do {
      const page = await this.engine.storage.listUsers(cursor, 10_000);
      for (const u of page.items) present.add(u.id);
      cursor = page.next;
    } while (cursor !== null);
    const missing: string[] = [];
    for (const id of model.training.userIds.ids()) if (!present.has(String(id))) missing.push(String(id));
    return missing;
  }

  ready(): ReadyState & { error?: string } {
    const s = this.snap;
    const fallbacks = this.items.size > 0 ? ['popular', 'latest'] : [];
    const out: ReadyState & { error?: string } = {
      ready: s.model !== null || fallbacks.length > 0,
      model: s.info,
      fallbacks,
      precompute: { ...this.precomputeState, users: this.precomputed?.size ?? 0 },
    };
    if (this.loadError) out.error = this.loadError;
    // Reads could still be answered, but a server that cannot store feedback must be taken out of rotation.
    const writeFailure = this.engine.storage.writeFailure?.() ?? null;
    if (writeFailure !== null) {
      out.ready = false;
      out.error = out.error ? `${out.error}; ${writeFailure}` : writeFailure;
    }
    return out;
  }

  /** Atomically replaces the serving model (called by training and by activate). */
  swapModel(model: Recommender, record: ModelRecord): void {
    const next = this.build(model, record);
    const active = this.users ? [...this.users.keys()] : [];
    this.snap = next; // the one assignment: requests see either the old snapshot or the new one
    for (const id of [...this.deletedUsers]) if (model.training.userIds.get(id) < 0) this.deletedUsers.delete(id);
    // With precomputation on, a worker computes active users' lists off this thread; warming them here as well
    // would only block the event loop (a few ms per user) for lists the worker delivers anyway.
    if (!this.startPrecompute()) this.warm(active, next.gen);
  }

  /** Stops background work (the precompute worker). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    const run = this.precomputeRun;
    this.precomputeRun = null;
    await run?.run.stop();
  }

  /** The catalogue's item ids by index (the worker sends indices; the serving thread maps them back by id). */
  catalogIds(): string[] {
    const ids = this.snap.catalog.itemIds;
    const out = new Array<string>(ids.size);
    for (let i = 0; i < out.length; i++) out[i] = String(ids.id(i));
    return out;
  }

  /** The user's default list (first LIST_SIZE items, no filters) computed now: what the precompute worker stores. */
  async defaultList(userId: string): Promise<{ items: ServedItem[]; indices: Int32Array; fallback: string | null }> {
    const entry = await this.entry(userId);
    return this.run(userId, entry, this.snap, { n: LIST_SIZE });
  }

  /**
   * New feedback is visible at once: seen items, popularity, the user's recent positives; cache invalidation. A batch
   * is folded per distinct item (one popularity update with the batch's count) and per distinct user.
   */
  onFeedback(rows: FeedbackRecord[]): void {
    const s = this.snap;
    const positives = new Map<string, number>();
    const byUser = new Map<string, FeedbackRecord[]>();
    for (const r of rows) {
      if (!this.items.has(r.itemId)) {
        // Created by the store on this feedback (feedback.autoCreateItems): no categories, published now.
        const it: CatalogItem = { id: r.itemId, categories: [], labels: {}, timestamp: Date.now(), hidden: false };
        this.itemStamp++;
        this.items.set(r.itemId, it);
        s.catalog.upsert(it);
      }
      if (this.positiveTypes.has(r.type)) positives.set(r.itemId, (positives.get(r.itemId) ?? 0) + 1);
      let list = byUser.get(r.userId);
      if (!list) byUser.set(r.userId, (list = []));
      list.push(r);
    }
    for (const [itemId, k] of positives) {
      this.counts.set(itemId, (this.counts.get(itemId) ?? 0) + k);
      const i = s.catalog.itemIds.get(itemId);
      if (i >= 0) s.pipeline.recordInteraction(i, k);
    }
    for (const [userId, list] of byUser) {
      const pending = this.loading.get(userId);
      if (pending) pending.stale = true;
      this.forgetPrecomputed(userId);
      const e = this.users?.peek(userId);
      if (!e) continue;
      // No seq: live rows count as newer than any model (fold-in), which is right until the next retrain.
      for (const r of list)
        e.rows.push({ userId, itemId: r.itemId, type: r.type, value: r.value, timestamp: r.timestamp });
      if (e.rows.length > MAX_HISTORY) e.rows.splice(0, e.rows.length - MAX_HISTORY);
      e.summary = null;
      e.derived = null;
      e.list = null;
    }
  }

  onItemsUpserted(items: ItemRecord[]): void {
    this.itemStamp++;
    const s = this.snap;
    for (const rec of items) {
      const it = toCatalogItem(rec, this.useLabels);
      this.items.set(rec.id, it);
      s.catalog.upsert(it);
    }
  }

  onItemDeleted(id: string): void {
    this.itemStamp++;
    this.items.delete(id);
    // All its events went with it: its popularity is zero now (not just hidden), also if the id is created again.
    this.counts.delete(id);
    const s = this.snap;
    const i = s.catalog.itemIds.get(id);
    if (i >= 0) {
      s.pipeline.recordInteraction(i, -s.pipeline.popularity.count(i));
      s.catalog.hide(id);
    }
  }

  /**
   * Feedback rows removed from the store (a single deleted event, a deleted user's rows): every statistic derived
   * from them is updated at once (see `removeFeedback`: popularity, the users' cached history and lists).
   *
   * @example
   * serving.onFeedbackRemoved([{ seq: 42, userId: 'u1', itemId: 'i1', type: 'like', value: 1, timestamp: 0 }]);
   */
  onFeedbackRemoved(rows: FeedbackRecord[]): void {
    if (rows.length === 0) return;
    const s = this.snap;
    removeFeedback(
      {
        counts: this.counts,
        positiveTypes: this.positiveTypes,
        catalog: s.catalog,
        pipeline: s.pipeline,
        cachedUser: (id) => this.users?.peek(id),
        invalidateUser: (id) => {
          const pending = this.loading.get(id);
          if (pending) pending.stale = true;
          this.forgetPrecomputed(id);
        },
      },
      rows,
    );
  }

  /** A deleted user: `removed` are the feedback rows the store deleted with them (`Storage.deleteUser`). */
  onUserDeleted(id: string, removed: FeedbackRecord[] = []): void {
    this.onFeedbackRemoved(removed);
    this.users?.delete(id);
    this.forgetPrecomputed(id);
    const pending = this.loading.get(id);
    if (pending) pending.stale = true;
    const m = this.snap.model;
    if (m && m.training.userIds.get(id) >= 0) this.deletedUsers.add(id);
  }

  /**
   * The response body of {@link recommend} as JSON when a precomputed list answers it (no filter, no exclusions, a
   * page within the list), else null: the caller then calls `recommend`. Same content, without building objects.
   *
   * @example
   * const body = serving.recommendJson('u1', { n: 10 }) ?? JSON.stringify(await serving.recommend('u1', { n: 10 }));
   */
  recommendJson(userId: string, req: ListRequest): string | null {
    const offset = req.offset ?? 0;
    const end = offset + req.n;
    if (req.category !== undefined || req.exclude?.length || end > LIST_SIZE) return null;
    const s = this.snap;
    for (const pre of [this.precomputed, this.previousLists]) {
      const items = pre?.pageJson(userId, s.catalog, offset, end, this.itemStamp);
      if (!pre || items == null) continue;
      return `{"items":${items},"model":${pre.modelJson},"fallback":${JSON.stringify(pre.fallbackOf(userId))}}`;
    }
    return null;
  }

  /**
   * A page of recommendations for a user; unknown users get the cold-start fallback. Requests without category and
   * exclusions are answered from the user's cached top-N list when it reaches offset + n.
   *
   * @example
   * await serving.recommend('u1', { n: 10, offset: 0, exclude: ['i3'] });
   */
  async recommend(userId: string, req: ListRequest): Promise<ServedList> {
    const offset = req.offset ?? 0;
    const end = offset + req.n;
    if (req.category === undefined && !req.exclude?.length && end <= LIST_SIZE)
      for (const pre of [this.precomputed, this.previousLists]) {
        const page = pre?.page(userId, this.snap.catalog, offset, end, this.itemStamp);
        if (pre && page) return { items: page.items, model: pre.model, fallback: page.fallback };
      }
    const entry = await this.entry(userId);
    const s = this.snap;
    let out: ServedList;
    if (req.category === undefined && !req.exclude?.length && end <= LIST_SIZE && this.users) {
      let l = entry.list;
      if (!l || !this.listUsable(l, s, end)) {
        const r = this.run(userId, entry, s, { n: LIST_SIZE });
        l = entry.list = { gen: s.gen, stamp: this.itemStamp, ...r };
      }
      out = { items: l.items.slice(offset, end), model: s.info, fallback: l.fallback };
    } else {
      const r = this.run(userId, entry, s, req);
      out = { items: r.items, model: s.info, fallback: r.fallback };
    }
    if (out.items.length < req.n) this.sayWhyShort(out, s, req, 'recommend', this.seenCount(userId, entry, s));
    return out;
  }

  /** Sets `list.reason` to why it is shorter than `req.n` (see `shortListReason`; only called for short lists). */
  private sayWhyShort(list: ServedList, s: Snapshot, req: ListRequest, kind: ShortListQuery['kind'], seen = 0): void {
    if (list.items.length >= req.n) return;
    list.reason = shortListReason(s.catalog, {
      kind,
      category: req.category,
      offset: req.offset ?? 0,
      seen,
      excluded: req.exclude?.length ?? 0,
      returned: list.items.length,
    });
  }

  /** How many items a personal list leaves out as seen: the history's and the model's training rows. */
  private seenCount(userId: string, e: UserEntry, s: Snapshot): number {
    const d = this.derive(userId, e, s);
    let n = d.history.context.seen?.length ?? 0;
    const t = s.model?.training;
    if (t && d.u >= 0) n += t.seenIndptr[d.u + 1] - t.seenIndptr[d.u];
    return n;
  }

  /**
   * Recommendations for an anonymous visitor from this session's events only (kindred's `sessionRecommend`:
   * item-to-item from the session's positives blended with popular items; cold-start fallback without positives).
   * Events on items the catalogue does not know are ignored.
   *
   * @example
   * serving.session([{ itemId: 'i1', type: 'like' }], { n: 5 });
   */
  session(events: readonly SessionEvent[], req: ListRequest): ServedList {
    const s = this.snap;
    const now = Date.now();
    const rows: FeedbackRecord[] = events.map((e) => ({
      userId: '',
      itemId: e.itemId,
      type: e.type,
      value: e.value ?? 1,
      timestamp: e.timestamp ?? now,
    }));
    rows.sort((a, b) => a.timestamp - b.timestamp);
    const history = indexHistory(
      summarizeHistory(rows, this.engine.config.feedback.types),
      s.catalog,
      0,
      undefined,
      this.verbOf,
    );
    const r = sessionRecommend(s.pipeline, history.context, {
      n: req.n,
      offset: req.offset ?? 0,
      category: req.category,
      exclude: req.exclude,
      now,
    });
    const out: ServedList = { items: this.served(r, s).items, model: s.info, fallback: r.fallback };
    this.sayWhyShort(out, s, req, 'recommend', history.context.seen?.length ?? 0);
    return out;
  }

  /**
   * Items similar to `itemId`: the model's item neighbours (cosine of factors, or the kNN similarity), else — no
   * model, or an item the model has not seen — popular items of the item's first category (`fallback: 'popular'`).
   * Null when the catalogue has no such item.
   *
   * @example
   * serving.similarItems('i1', 10)?.items.map((x) => x.id);
   */
  similarItems(itemId: string, n: number): ServedList | null {
    if (!this.items.has(itemId)) return null;
    const s = this.snap;
    const { catalog, model } = s;
    const i = catalog.itemIds.get(itemId);
    const title = catalog.title(i);
    if (model && s.neighbours && i < model.training.nItems && model.knownItem(i)) {
      const nb = s.neighbours(i, n + 32);
      const items: ServedItem[] = [];
      for (let k = 0; k < nb.indices.length && items.length < n; k++) {
        const j = nb.indices[k];
        if (j === i || catalog.isHidden(j)) continue;
        items.push({
          id: String(catalog.itemIds.id(j)),
          score: finite(nb.scores[k]),
          reason: { source: model.name, because: [itemId], sources: [model.name] },
          explanation: `Similar to ${title}`,
        });
      }
      // Similarity relative to the most similar item (cosine and kNN weights have different ranges).
      const out: ServedList = { items: toUnitScale(items, items[0]?.score ?? 0), model: s.info, fallback: null };
      this.sayWhyShort(out, s, { n }, 'similar');
      return out;
    }
    const cats = catalog.categoriesOf(i);
    const category = cats.length ? catalog.categoryName(cats[0]) : undefined;
    const out: ServedList = { items: this.ranked(s, 'popular', n, category, i), model: s.info, fallback: 'popular' };
    this.sayWhyShort(out, s, { n, category }, 'popular');
    return out;
  }

  /** The most interacted-with items (globally or in a category); `score` is the count relative to the top item's. */
  popular(n: number, category?: string): ServedList {
    const s = this.snap;
    const out: ServedList = { items: this.ranked(s, 'popular', n, category, -1), model: s.info, fallback: null };
    this.sayWhyShort(out, s, { n, category }, 'popular');
    return out;
  }

  /** The newest items by publication time (globally or in a category); `score` is the recency weight. */
  latest(n: number, category?: string): ServedList {
    const s = this.snap;
    const out: ServedList = { items: this.ranked(s, 'latest', n, category, -1), model: s.info, fallback: null };
    this.sayWhyShort(out, s, { n, category }, 'latest');
    return out;
  }

  /**
   * Users most similar to `userId` by the model's user vectors; null when the model does not know the user. Throws
   * NotSupportedError (400) when no model is loaded or it has no user vectors.
   *
   * @example
   * serving.similarUsers('u1', 5)?.users; // [{ id: 'u7', score: 0.93 }, ...]
   */
  similarUsers(userId: string, n: number): SimilarUsers | null {
    const { model, info } = this.snap;
    if (!model || !info) throw new NotSupportedError('similar users need a trained model; none is active');
    const m = model as Recommender & {
      similarUsers?: (u: string, k: number) => { ids: unknown[]; scores: Float32Array };
    };
    if (typeof m.similarUsers !== 'function')
      throw new NotSupportedError(`the active model (${model.name}) has no user vectors; similar users need e.g. als`);
    if (this.deletedUsers.has(userId)) return null;
    const u = model.training.userIds.get(userId);
    if (u < 0 || !model.knownUser(u)) return null;
    const r = m.similarUsers(userId, n + Math.min(this.deletedUsers.size, 100));
    const users: { id: string; score: number }[] = [];
    for (let k = 0; k < r.ids.length && users.length < n; k++) {
      const id = String(r.ids[k]);
      if (!this.deletedUsers.has(id)) users.push({ id, score: finite(r.scores[k]) });
    }
    return { users, model: info };
  }

  // ---- internals ----

  /** A user's precomputed list is void from their next feedback or deletion on (also if it is still being made). */
  private forgetPrecomputed(userId: string): void {
    this.precomputed?.drop(userId);
    this.previousLists?.drop(userId);
    this.precomputeRun?.dirty.add(userId);
  }

  /**
   * Recomputes the precomputed lists for the current snapshot now (also run every
   * `serving.precomputeRefreshSeconds`): popularity, freshness and the users' own feedback move on between model
   * swaps. The current lists keep serving each user until the new run has their list.
   *
   * @example
   * serving.refreshPrecomputed();
   */
  refreshPrecomputed(): void {
    this.startPrecompute();
  }

  /**
   * (Re)starts the precomputation of active users' default lists for the current snapshot in a worker thread
   * (`serving.precomputeUsers` users; 0 turns it off, as does a store that is not a SQLite file). Lists become
   * servable as chunks arrive; until the new run reaches a user, the newest complete set computed before serves them
   * (after a refresh, and after a model swap or reload too: a response from an older set names the model version that
   * computed it; never one the user has given feedback since). False when precomputation is off.
   */
  private startPrecompute(): boolean {
    const old = this.precomputeRun;
    this.precomputeRun = null;
    if (old) void old.run.stop();
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
    // The lists that serve until the new run reaches each user: the newest complete set (after a model swap too:
    // a response from it names the model that computed it), else whatever is left. Lists computed without a model
    // (cold start) give way at once once a model serves: its on-demand lists are better.
    const kept = [this.precomputed, this.previousLists].filter(
      (l): l is PrecomputedLists => l !== null && (l.model !== null || this.snap.info === null),
    );
    this.previousLists = kept.find((l) => l.complete) ?? kept[0] ?? null;
    this.precomputed = null;
    const max = this.engine.config.serving.precomputeUsers;
    const dbPath = this.engine.dbPath;
    if (this.closed || !dbPath || max <= 0 || this.engine.config.serving.cacheSize <= 0) {
      this.precomputeState = { status: 'off', users: 0 };
      this.previousLists = null;
      return false;
    }
    const s = this.snap;
    const lists = new PrecomputedLists(LIST_SIZE, this.itemStamp, Math.min(max, 1 << 16), s.catalog, s.info);
    const state = { dirty: new Set<string>(), remap: null as Int32Array | null, reasonIds: [] as number[] };
    this.precomputeState = { status: 'running', users: 0 };
    const t0 = performance.now();
    const onMessage = (m: PrecomputeMessage) => {
      if (this.precomputeRun?.run !== run || this.snap.gen !== s.gen) return;
      switch (m.type) {
        case 'start': {
          const remap = new Int32Array(m.itemIds.length);
          for (let i = 0; i < remap.length; i++) remap[i] = s.catalog.itemIds.get(m.itemIds[i]);
          state.remap = remap;
          this.precomputed = lists;
          break;
        }
        case 'chunk':
          for (const id of lists.addReasons(m.chunk.newReasons)) state.reasonIds.push(id);
          if (state.remap) lists.add(m.chunk, state.remap, state.reasonIds, state.dirty);
          break;
        case 'done':
          lists.complete = true;
          this.precomputeState = { status: 'done', users: m.users, seconds: Math.round(performance.now() - t0) / 1000 };
          this.precomputeRun = null;
          this.previousLists = null;
          this.scheduleRefresh();
          break;
        case 'error':
          this.precomputeState = { status: 'failed', users: 0, error: m.message };
          this.precomputeRun = null;
          this.scheduleRefresh();
          break;
      }
    };
    const run = startPrecompute(
      {
        dbPath,
        config: this.engine.config,
        pipeline: this.pipelineConfig,
        version: s.info?.version ?? null,
        maxUsers: max,
      },
      onMessage,
    );
    this.precomputeRun = { run, dirty: state.dirty };
    return true;
  }

  private scheduleRefresh(): void {
    const seconds = this.engine.config.serving.precomputeRefreshSeconds;
    if (this.closed || seconds <= 0) return;
    this.refreshTimer = setTimeout(() => this.startPrecompute(), seconds * 1000);
    // Housekeeping must not keep a process alive.
    this.refreshTimer.unref();
  }

  /**
   * A cached list still serves offset + n items when it was computed on this snapshot, none of its first `end`
   * items was hidden or deleted since, and — if it came out short — the catalogue has not changed since.
   */
  private listUsable(l: CachedList, s: Snapshot, end: number): boolean {
    if (l.gen !== s.gen) return false;
    if (l.items.length < LIST_SIZE && l.stamp !== this.itemStamp) return false;
    for (let k = 0; k < l.indices.length && k < end; k++) if (s.catalog.isHidden(l.indices[k])) return false;
    return true;
  }

  /** Builds a complete snapshot for `model` (catalogue aligned with its item indices, indexes, pipeline). */
  private build(model: Recommender | null, record: ModelRecord | null): Snapshot {
    const catalog = model ? Catalog.alignedWith(model.training.itemIds) : new Catalog();
    for (const it of this.items.values()) catalog.upsert(it);
    // Items the model was trained on that the store no longer has: never recommend them.
    for (let i = 0; i < catalog.size; i++)
      if (!this.items.has(String(catalog.itemIds.id(i)))) catalog.setHidden(i, true);
    const counts = new Float64Array(catalog.size);
    for (const [id, c] of this.counts) {
      const i = catalog.itemIds.get(id);
      if (i >= 0) counts[i] = c;
    }
    const cap = Math.max(1000, 2 * this.engine.config.serving.maxN);
    const popularity = PopularityIndex.fromCounts(catalog, counts, cap);
    const latest = new LatestIndex(catalog, cap);
    const source =
      model instanceof FactorModel ? pooledFactorNeighbours(model, NEIGHBOUR_POOL) : model && modelNeighbours(model);
    const neighbours = source ? cachedNeighbours(source, Math.max(10_000, catalog.size)) : null;
    const foldIn = model instanceof Als ? new FoldInCandidates(model) : null;
    const config = this.pipelineConfig;
    const pipeline = new Pipeline({
      catalog,
      model,
      popularity,
      latest,
      neighbours,
      config,
      generators: foldIn
        ? [{ generator: foldIn, n: config.candidates?.model?.n ?? 100, weight: config.candidates?.model?.weight ?? 1 }]
        : [],
    });
    const info = model && record ? { name: model.name, version: record.version } : null;
    return { gen: ++this.gen, model, record, info, catalog, pipeline, latest, neighbours, foldIn };
  }

  /** Counts events with a positive weight per item over the whole log (one aggregate query in the store). */
  private scanCounts(): Promise<Map<string, number>> {
    return this.engine.storage.positiveItemCounts([...this.positiveTypes]);
  }

  /** The user's cached state, or one read from the store (re-read if feedback or a deletion raced the read). */
  private async entry(userId: string): Promise<UserEntry> {
    const hit = this.users?.get(userId);
    if (hit) return hit;
    const pending = this.loading.get(userId);
    if (pending) return pending.promise;
    const token = { promise: null as unknown as Promise<UserEntry>, stale: false };
    token.promise = (async () => {
      let rows: FeedbackRecord[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        token.stale = false;
        rows = await this.engine.storage.userFeedback(userId, MAX_HISTORY);
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

  /** Runs the pipeline for one user on snapshot `s` (synchronous: the snapshot cannot change underneath). */
  private run(
    userId: string,
    e: UserEntry,
    s: Snapshot,
    req: ListRequest,
  ): { items: ServedItem[]; indices: Int32Array; fallback: string | null } {
    const d = this.derive(userId, e, s);
    let fold: Float32Array | null = null;
    if (s.foldIn && (d.u < 0 || d.fresh)) {
      if (d.fold === undefined) d.fold = s.foldIn.foldIn(d.history.foldItems, d.history.foldValues);
      fold = d.fold;
    }
    if (fold) s.foldIn!.vector = fold;
    let r: RecommendResult;
    try {
      r = recommend(s.pipeline, {
        // With a fresh vector the request runs as anonymous: the fold-in generator replaces the stale model row.
        userIndex: fold ? -1 : d.u,
        context: d.history.context,
        n: req.n,
        offset: req.offset ?? 0,
        category: req.category,
        exclude: req.exclude,
      });
    } finally {
      if (s.foldIn) s.foldIn.vector = null;
    }
    return this.served(r, s);
  }

  private derive(userId: string, e: UserEntry, s: Snapshot): NonNullable<UserEntry['derived']> {
    if (e.derived && e.derived.gen === s.gen) return e.derived;
    e.summary ??= summarizeHistory(e.rows, this.engine.config.feedback.types);
    const m = s.model;
    let u = m && !this.deletedUsers.has(userId) ? m.training.userIds.get(userId) : -1;
    if (u >= 0 && !m!.knownUser(u)) u = -1;
    const through = s.record?.trainedThroughSeq ?? 0;
    const fresh = e.rows.some((r) => r.seq === undefined || r.seq > through);
    // A fold-in request runs as anonymous, so the model's training items must be excluded explicitly.
    let trainingSeen: Int32Array | undefined;
    if (m && u >= 0 && s.foldIn && fresh) {
      const t = m.training;
      trainingSeen = t.seenIndices.subarray(t.seenIndptr[u], t.seenIndptr[u + 1]);
    }
    const history = indexHistory(e.summary, s.catalog, m ? m.training.nItems : 0, trainingSeen, this.verbOf);
    return (e.derived = { gen: s.gen, history, u, fresh, fold: undefined });
  }

  /** The pipeline's result as the API shows it ('model' named by the model, ids as strings, finite scores). */
  private served(
    r: RecommendResult,
    s: Snapshot,
  ): { items: ServedItem[]; indices: Int32Array; fallback: string | null } {
    const name = s.model?.name ?? 'model';
    const src = (x: string) => (x === 'model' ? name : x);
    const items = r.items.map((it): ServedItem => {
      const reason: ServedReason = {
        source: src(it.reason.source),
        because: it.reason.because.map(String),
        sources: it.reason.sources.map(src),
      };
      if (it.reason.category !== undefined) reason.category = it.reason.category;
      return { id: String(it.id), score: finite(it.score), reason, explanation: it.explanation };
    });
    return { items, indices: Int32Array.from(r.items, (it) => it.index), fallback: r.fallback };
  }

  /**
   * Popular or latest items straight from the pipeline's ranked indexes, explained by the pipeline's templates, on
   * the responses' score scale (see `toUnitScale`).
   */
  private ranked(s: Snapshot, kind: 'popular' | 'latest', n: number, category: string | undefined, skip: number) {
    const { catalog, pipeline } = s;
    const c = category !== undefined ? catalog.categoryIndex(category) : -1;
    if (category !== undefined && c < 0) return [];
    const index = kind === 'popular' ? pipeline.popularity : s.latest;
    const top = index.top(c);
    const now = Date.now();
    const cfg = pipeline.config as PipelineConfig;
    const out: ServedItem[] = [];
    for (let k = 0; k < top.size && out.length < n; k++) {
      const i = top.items[k];
      if (i === skip || catalog.isHidden(i)) continue;
      let score: number;
      if (kind === 'popular') {
        score = pipeline.popularity.count(i);
        if (!(score > 0)) break; // the rest have no interactions
      } else {
        const t = catalog.timestamp(i);
        if (Number.isNaN(t)) break;
        score = recencyWeight(now - t, cfg.candidates.latest.halfLifeMs);
      }
      const reason = { item: i, score, source: kind, contribution: 1, ...(c >= 0 ? { category: c } : {}) };
      const ex = explainItem(
        { item: i, score, candidateScore: score, modelScore: NaN, reasons: [reason] },
        catalog,
        (j) => catalog.title(j),
        cfg.explanations,
        now,
      );
      const sr: ServedReason = { source: kind, because: [], sources: [kind] };
      if (ex.reason.category !== undefined) sr.category = ex.reason.category;
      out.push({ id: String(catalog.itemIds.id(i)), score: finite(score), reason: sr, explanation: ex.explanation });
    }
    // Counts relative to the top item's; recency weights are on [0, 1] already.
    return toUnitScale(out, kind === 'popular' ? (out[0]?.score ?? 0) : 1);
  }

  /** Recomputes the default list of recently active users after a swap, a few per event-loop turn. */
  private warm(userIds: string[], gen: number): void {
    if (!this.users || userIds.length === 0) return;
    let at = 0;
    const step = () => {
      const s = this.snap;
      if (s.gen !== gen || !this.users) return;
      for (const end = Math.min(userIds.length, at + WARM_BATCH); at < end; at++) {
        const id = userIds[at];
        const e = this.users.peek(id);
        if (!e || (e.list && e.list.gen === gen)) continue;
        try {
          const r = this.run(id, e, s, { n: LIST_SIZE });
          e.list = { gen, stamp: this.itemStamp, ...r };
        } catch {
          // A failing precompute leaves the list to be computed on demand (where the error surfaces).
        }
      }
      if (at < userIds.length) setImmediate(step);
    };
    setImmediate(step);
  }
}

/**
 * A store item as a catalogue item; `labels.title` names it in explanations. Labels are interned by the catalogue
 * only when a boost rule matches on labels (`withLabels`): interning is two thirds of a 50k-item rebuild's time.
 */
function toCatalogItem(it: ItemRecord, withLabels: boolean): CatalogItem {
  const out: CatalogItem = {
    id: it.id,
    categories: it.categories,
    timestamp: it.timestamp,
    hidden: it.hidden,
  };
  if (withLabels) out.labels = it.labels;
  if (typeof it.labels.title === 'string' && it.labels.title !== '') out.title = it.labels.title;
  return out;
}

/** Deep merge of plain objects (arrays and scalars in `over` replace). */
function mergeInput(base: object, over: object): object {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? mergeInput(b, v)
        : v;
  }
  return out;
}

function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}
