import { type PipelineConfig, type PipelineConfigInput, type Recommender } from 'kindred';
import type { FeedbackRecord, ItemRecord, ModelRecord } from '../storage/port.js';
import { loadActiveModel, usersMissingFromStore } from './active-model.js';
import { removeFeedback } from './feedback-removal.js';
import { feedbackVerbs } from './feedback-verbs.js';
import { ItemState } from './item-state.js';
import {
  cachedDefaultList,
  personalList,
  seenCount,
  warmDefaultLists,
  type PersonalListContext,
  type WarmHost,
} from './personal-lists.js';
import { servingPipelineConfig } from './pipeline-config.js';
import { PrecomputeRuns } from './precompute-runs.js';
import type { PrecomputedLists } from './precomputed-lists.js';
import { rankedList, sayWhyShort, type ComputedList } from './served-lists.js';
import type {
  ListRequest,
  ReadyState,
  ServedList,
  ServingHost,
  ServingOptions,
  SessionEvent,
  SimilarUsers,
} from './serving-types.js';
import { sessionList } from './session-list.js';
import { similarItemsList, similarUsersList } from './similar-lists.js';
import { buildSnapshot, type Snapshot } from './snapshot.js';
import { LIST_SIZE, UserEntries, type UserEntry } from './user-entries.js';

// The request and response shapes live in serving-types.ts; routes, the worker and tests import them from here.
export type * from './serving-types.js';

/**
 * The read path: the catalogue, the active model and the two-stage pipeline (kindred's `Pipeline`), per-user
 * state and cached top-N lists. Everything a request needs is in memory except a user's feedback, which is read
 * from the store once and then kept current by `onFeedback` in a bounded LRU with TTL (`serving.cacheSize`,
 * `serving.cacheTtlSeconds`).
 *
 * Freshness between retrains: a user's new feedback is applied to their cached state at once — the items become
 * seen (excluded), their positives drive item-to-item candidates, and the model scores the user from request-time
 * state (request-time-user.ts: ALS folds their aggregated feedback into a fresh vector, a HistoryScorer scores their
 * newest positive events), cached per user until their next feedback. A model swap
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
  /** The store's catalogue as served, popularity counts and the catalogue stamp (kept across model swaps). */
  private readonly state: ItemState;
  /** Per-user state: feedback rows, what is derived from them, cached top-N lists. */
  private readonly users: UserEntries;
  /** Users deleted since the active model was trained: its rows for them must not serve. */
  private readonly deletedUsers = new Set<string>();
  /** What personal lists read beyond the user's entry and the snapshot. */
  private readonly ctx: PersonalListContext;
  private loadError: string | null = null;
  /** The precomputed default lists of active users and the worker runs that fill them. */
  private readonly precompute: PrecomputeRuns;

  constructor(
    private readonly engine: ServingHost,
    opts: ServingOptions = {},
  ) {
    const sv = engine.config.serving;
    this.pipelineConfig = servingPipelineConfig(sv, opts.pipeline ?? {});
    const useLabels = (this.pipelineConfig.rerank?.boosts ?? []).some((b) => b.label !== undefined);
    this.users = new UserEntries((id, n) => this.engine.storage.userFeedback(id, n), sv.cacheSize, sv.cacheTtlSeconds);
    const positiveTypes = new Set(
      Object.entries(engine.config.feedback.types)
        .filter(([, t]) => t.weight > 0 && !t.seenOnly)
        .map(([name]) => name),
    );
    this.state = new ItemState(positiveTypes, useLabels);
    // verbOf: explanations' verb per feedback type ("Because you bought X").
    this.ctx = {
      config: engine.config,
      deletedUsers: this.deletedUsers,
      verbOf: feedbackVerbs(engine.config.feedback.types),
    };
    this.precompute = new PrecomputeRuns({
      engine,
      pipelineConfig: this.pipelineConfig,
      snapshot: () => this.snap,
      itemStamp: () => this.state.stamp,
    });
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
    const map = this.state.catalogItems(items);
    const counts = await this.scanCounts();
    let model: Recommender | null = null;
    this.loadError = null;
    if (record) {
      const loaded = await loadActiveModel(storage, record);
      model = loaded.model;
      this.loadError = loaded.error;
    }
    this.state.items = map;
    this.state.counts = counts;
    this.users.clear();
    this.deletedUsers.clear();
    if (model) for (const id of await usersMissingFromStore(this.engine.storage, model)) this.deletedUsers.add(id);
    this.snap = this.build(model, model ? record : null);
    this.engine.metrics?.modelVersion.set(model && record ? record.version : 0);
    this.precompute.start();
  }

  ready(): ReadyState & { error?: string } {
    const s = this.snap;
    const fallbacks = this.state.items.size > 0 ? ['popular', 'latest'] : [];
    const out: ReadyState & { error?: string } = {
      ready: s.model !== null || fallbacks.length > 0,
      model: s.info,
      fallbacks,
      precompute: this.precompute.status(),
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
    const active = this.users.keys();
    this.snap = next; // the one assignment: requests see either the old snapshot or the new one
    for (const id of [...this.deletedUsers]) if (model.training.userIds.get(id) < 0) this.deletedUsers.delete(id);
    // With precomputation on, a worker computes active users' lists off this thread; warming them here as well
    // would only block the event loop (a few ms per user) for lists the worker delivers anyway.
    if (!this.precompute.start()) warmDefaultLists(active, next.gen, this.warmHost());
  }

  /** Stops background work (the precompute worker). */
  async close(): Promise<void> {
    await this.precompute.close();
  }

  /** The catalogue's item ids by index (the worker sends indices; the serving thread maps them back by id). */
  catalogIds(): string[] {
    const ids = this.snap.catalog.itemIds;
    const out = new Array<string>(ids.size);
    for (let i = 0; i < out.length; i++) out[i] = String(ids.id(i));
    return out;
  }

  /** The user's default list (first LIST_SIZE items, no filters) computed now: what the precompute worker stores. */
  async defaultList(userId: string): Promise<ComputedList> {
    const entry = await this.users.entry(userId);
    return this.run(userId, entry, this.snap, { n: LIST_SIZE });
  }

  /**
   * New feedback is visible at once: seen items, popularity, the user's recent positives; cache invalidation. A batch
   * is folded per distinct item (one popularity update with the batch's count) and per distinct user.
   */
  onFeedback(rows: FeedbackRecord[]): void {
    const byUser = this.state.applyFeedback(rows, this.snap);
    for (const [userId, list] of byUser) {
      this.users.markStale(userId);
      this.forgetPrecomputed(userId);
      this.users.appendLive(userId, list);
    }
  }

  onItemsUpserted(items: ItemRecord[]): void {
    this.state.upsert(items, this.snap);
  }

  onItemDeleted(id: string): void {
    this.state.remove(id, this.snap);
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
        counts: this.state.counts,
        positiveTypes: this.state.positiveTypes,
        catalog: s.catalog,
        pipeline: s.pipeline,
        cachedUser: (id) => this.users.peek(id),
        invalidateUser: (id) => {
          this.users.markStale(id);
          this.forgetPrecomputed(id);
        },
      },
      rows,
    );
  }

  /** A deleted user: `removed` are the feedback rows the store deleted with them (`Storage.deleteUser`). */
  onUserDeleted(id: string, removed: FeedbackRecord[] = []): void {
    this.onFeedbackRemoved(removed);
    this.users.delete(id);
    this.forgetPrecomputed(id);
    this.users.markStale(id);
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
      const items = pre?.pageJson(userId, s.catalog, offset, end, this.state.stamp);
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
        const page = pre?.page(userId, this.snap.catalog, offset, end, this.state.stamp);
        if (pre && page) return { items: page.items, model: pre.model, fallback: page.fallback };
      }
    const entry = await this.users.entry(userId);
    const s = this.snap;
    let out: ServedList;
    if (req.category === undefined && !req.exclude?.length && end <= LIST_SIZE && this.users.enabled) {
      const l = cachedDefaultList(userId, entry, s, end, this.state.stamp, this.ctx);
      out = { items: l.items.slice(offset, end), model: s.info, fallback: l.fallback };
    } else {
      const r = this.run(userId, entry, s, req);
      out = { items: r.items, model: s.info, fallback: r.fallback };
    }
    if (out.items.length < req.n) sayWhyShort(out, s, req, 'recommend', seenCount(userId, entry, s, this.ctx));
    return out;
  }

  /**
   * Recommendations for an anonymous visitor from this session's events only: a HistoryScorer model scores the
   * session's events as the visitor's history; otherwise kindred's `sessionRecommend` (item-to-item from the
   * session's positives blended with popular items; cold-start fallback without positives). See session-list.ts.
   * Events on items the catalogue does not know are ignored.
   *
   * @example
   * serving.session([{ itemId: 'i1', type: 'like' }], { n: 5 });
   */
  session(events: readonly SessionEvent[], req: ListRequest): ServedList {
    return sessionList(this.snap, events, req, this.engine.config.feedback.types, this.ctx.verbOf);
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
    if (!this.state.items.has(itemId)) return null;
    return similarItemsList(this.snap, itemId, n);
  }

  /** The most interacted-with items (globally or in a category); `score` is the count relative to the top item's. */
  popular(n: number, category?: string): ServedList {
    return rankedList(this.snap, 'popular', n, category);
  }

  /** The newest items by publication time (globally or in a category); `score` is the recency weight. */
  latest(n: number, category?: string): ServedList {
    return rankedList(this.snap, 'latest', n, category);
  }

  /**
   * Users most similar to `userId` by the model's user vectors; null when the model does not know the user. Throws
   * NotSupportedError (400) when no model is loaded or it has no user vectors.
   *
   * @example
   * serving.similarUsers('u1', 5)?.users; // [{ id: 'u7', score: 0.93 }, ...]
   */
  similarUsers(userId: string, n: number): SimilarUsers | null {
    return similarUsersList(this.snap, userId, n, this.deletedUsers);
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
    this.precompute.start();
  }

  // ---- internals ----

  /** The set of precomputed lists the current run fills (see {@link PrecomputeRuns}). */
  private get precomputed(): PrecomputedLists | null {
    return this.precompute.current;
  }

  /** The set computed before, serving users the current run has not reached yet. */
  private get previousLists(): PrecomputedLists | null {
    return this.precompute.previous;
  }

  /** A user's precomputed list is void from their next feedback or deletion on (also if it is still being made). */
  private forgetPrecomputed(userId: string): void {
    this.precompute.forget(userId);
  }

  /** Builds a complete snapshot for `model` (see {@link buildSnapshot}). */
  private build(model: Recommender | null, record: ModelRecord | null): Snapshot {
    return buildSnapshot(model, record, {
      items: this.state.items,
      counts: this.state.counts,
      maxN: this.engine.config.serving.maxN,
      pipelineConfig: this.pipelineConfig,
      nextGen: () => ++this.gen,
    });
  }

  /** Counts events with a positive weight per item over the whole log (one aggregate query in the store). */
  private scanCounts(): Promise<Map<string, number>> {
    return this.engine.storage.positiveItemCounts([...this.state.positiveTypes]);
  }

  /** Runs the pipeline for one user on snapshot `s` (see {@link personalList}). */
  private run(userId: string, e: UserEntry, s: Snapshot, req: ListRequest): ComputedList {
    return personalList(userId, e, s, req, this.ctx);
  }

  /** What warming the cached users' lists after a swap reads of the service. */
  private warmHost(): WarmHost {
    return { users: this.users, ctx: this.ctx, snapshot: () => this.snap, itemStamp: () => this.state.stamp };
  }
}
