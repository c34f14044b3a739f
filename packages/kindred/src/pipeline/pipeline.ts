import { InvalidParameterError } from '../errors.js';
import type { RawId } from '../data/id-map.js';
import type { Recommender } from '../models/recommender.js';
import { FactorModel } from '../models/factorization/factor-model.js';
import type { Catalog } from './catalog.js';
import type { Candidate, CandidateGenerator, CandidateSource } from './candidate.js';
import { CategoryCandidates } from './candidates/category.js';
import { ItemToItemCandidates } from './candidates/item-to-item.js';
import { LatestCandidates } from './candidates/latest.js';
import { mergeCandidates, type SourceList } from './candidates/merge.js';
import { ModelCandidates } from './candidates/model.js';
import { PopularCandidates } from './candidates/popular.js';
import { resolvePipelineConfig, type PipelineConfig, type PipelineConfigInput } from './config.js';
import { explainItem, type RecommendationReason } from './explain.js';
import { becauseContext } from './because.js';
import { finalizeScores } from './final-score.js';
import { cachedNeighbours, modelNeighbours, type NeighbourFn } from './neighbours.js';
import { rankCandidates, topRanked, type RankedItem } from './rank.js';
import { LatestIndex, PopularityIndex } from './ranked-index.js';
import { filterByCategory, removeDisallowed } from './rerank/filters.js';
import { applyFreshness } from './rerank/freshness.js';
import { categoryJaccard, mmr, vectorCosine, type ItemSimilarity } from './rerank/mmr.js';
import { applyBoosts, applyPins, paginate, resolvePins } from './rerank/rules.js';
import { RequestState, type UserContext } from './request-state.js';

/** A custom generator added beside the built-in ones, with its share of candidates and its blend weight. */
export interface ExtraGenerator {
  generator: CandidateGenerator;
  n: number;
  weight: number;
}

/** What a Pipeline is built from; everything but the catalog is optional. */
export interface PipelineOptions {
  catalog: Catalog;
  /** The active model (ranking and the model/item-to-item generators); null serves popularity/freshness only. */
  model?: Recommender | null;
  /** Interaction counts; default: the model's training item counts (or zeros). */
  popularity?: PopularityIndex;
  latest?: LatestIndex;
  /** Item neighbours for item-to-item; default: the model's similarItems behind a 10 000-item cache. */
  neighbours?: NeighbourFn | null;
  /** Item vectors for MMR with similarity 'vector'; default: a factor model's item factors. */
  itemVectors?: { vectors: Float32Array; dim: number } | null;
  /** Score only these items in the model generator (see ModelCandidates). */
  modelPool?: Int32Array | null;
  /** Titles for explanations; default: the catalog title, else the raw id. */
  titleOf?: (item: number) => string;
  config?: PipelineConfigInput;
  generators?: ExtraGenerator[];
}

/** One recommendation request. */
export interface RecommendRequest {
  /** The model's user index; -1 or absent for an anonymous or new user (see also `user`). */
  userIndex?: number;
  /** Raw user id, looked up in the model's user map (ignored when userIndex is given). */
  user?: RawId;
  context?: UserContext;
  /** Page size (default 10). */
  n?: number;
  /** Items to skip (default 0). */
  offset?: number;
  /** Only items of this category. */
  category?: string;
  /** Raw item ids to leave out (added to context.excluded). */
  exclude?: readonly RawId[];
  /** The current time in ms (default Date.now()); pass it for deterministic results. */
  now?: number;
}

/** One recommended item. */
export interface RecommendedItem {
  index: number;
  id: RawId;
  score: number;
  reason: RecommendationReason;
  explanation: string;
}

/** A page of recommendations; `fallback` says which cold-start path served it (null: the personalised path). */
export interface RecommendResult {
  items: RecommendedItem[];
  fallback: 'popular' | 'latest' | null;
}

/**
 * The two-stage recommender (candidate generation → ranking → re-ranking → explanations) over a catalog, an
 * optional model and popularity/freshness indexes. It holds per-request scratch buffers (not re-entrant: one
 * request at a time, which is how a Node server runs synchronous code). Swap the model or config at any time.
 *
 * @example
 * const model = createModel('svd').fit(train);
 * const catalog = Catalog.alignedWith(model.training.itemIds);
 * const pipeline = new Pipeline({ catalog, model, config: { rerank: { diversity: { lambda: 0.7 } } } });
 * recommend(pipeline, { userIndex: 3, context: { positives: [10, 11] }, n: 10 });
 */
export class Pipeline {
  readonly catalog: Catalog;
  readonly popularity: PopularityIndex;
  readonly latest: LatestIndex;
  config: PipelineConfig;
  titleOf: (item: number) => string;
  private model: Recommender | null = null;
  private modelGen: ModelCandidates | null = null;
  private i2i: ItemToItemCandidates | null = null;
  private readonly popularGen: PopularCandidates;
  private readonly latestGen: LatestCandidates;
  private readonly categoryGen: CategoryCandidates;
  private readonly extra: ExtraGenerator[];
  private vectors: { vectors: Float32Array; dim: number } | null = null;
  private mask: Uint8Array;
  private readonly options: PipelineOptions;

  constructor(opts: PipelineOptions) {
    this.options = opts;
    this.catalog = opts.catalog;
    this.config = resolvePipelineConfig(opts.config);
    this.popularity =
      opts.popularity ?? PopularityIndex.fromCounts(opts.catalog, opts.model ? opts.model.training.itemCounts : []);
    this.latest = opts.latest ?? new LatestIndex(opts.catalog);
    this.titleOf = opts.titleOf ?? ((i) => this.catalog.title(i));
    this.popularGen = new PopularCandidates(this.popularity);
    this.latestGen = new LatestCandidates(this.latest, this.config.candidates.latest.halfLifeMs);
    this.categoryGen = new CategoryCandidates(this.popularity, this.latest, this.config.candidates.category.by);
    this.extra = opts.generators ?? [];
    this.mask = new Uint8Array(Math.max(16, this.catalog.size));
    this.setModel(opts.model ?? null, opts.neighbours, opts.itemVectors);
  }

  /** Detaches the popularity and freshness indexes this pipeline created from the catalog. */
  dispose(): void {
    if (!this.options.popularity) this.popularity.detach();
    if (!this.options.latest) this.latest.detach();
  }

  /** The active model (null when none). */
  get activeModel(): Recommender | null {
    return this.model;
  }

  /**
   * Hot-swaps the model; neighbours and item vectors default to the new model's (pass them to override).
   * The catalog must stay aligned with the model's item indices.
   */
  setModel(
    model: Recommender | null,
    neighbours?: NeighbourFn | null,
    itemVectors?: { vectors: Float32Array; dim: number } | null,
  ): void {
    this.model = model;
    this.modelGen = model ? new ModelCandidates(model, this.options.modelPool ?? null) : null;
    const nb = neighbours !== undefined ? neighbours : model ? cachedNeighbours(modelNeighbours(model)) : null;
    this.i2i = nb ? new ItemToItemCandidates(nb, this.config.candidates.itemToItem.perItem) : null;
    if (itemVectors !== undefined) this.vectors = itemVectors;
    else if (model instanceof FactorModel) {
      const s = model.factorState();
      this.vectors = { vectors: s.itemFactors, dim: s.factors };
    } else this.vectors = null;
  }

  /** Replaces the config (validated; throws InvalidParameterError naming the bad field). */
  setConfig(input: PipelineConfigInput): void {
    const config = resolvePipelineConfig(input);
    this.config = config;
    this.latestGen.halfLifeMs = config.candidates.latest.halfLifeMs;
    this.categoryGen.by = config.candidates.category.by;
    if (this.i2i) this.i2i = new ItemToItemCandidates(this.i2i.neighbours, config.candidates.itemToItem.perItem);
  }

  /** Counts one interaction (or `weight`) for popularity. */
  recordInteraction(item: number, weight = 1): void {
    this.popularity.add(item, weight);
  }

  /** @internal runs one request; `sources` restricts the generators (session mode). */
  run(req: RecommendRequest, sources: ReadonlySet<CandidateSource> | null): RecommendResult {
    const cfg = this.config;
    const n = req.n ?? 10,
      offset = req.offset ?? 0;
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidParameterError(`recommend: n must be an integer ≥ 0, got ${n}`, { field: 'n' });
    if (!Number.isInteger(offset) || offset < 0)
      throw new InvalidParameterError(`recommend: offset must be an integer ≥ 0, got ${offset}`, { field: 'offset' });
    if (n + offset > cfg.maxResults)
      throw new InvalidParameterError(`recommend: offset + n must be ≤ maxResults (${cfg.maxResults})`, { field: 'n' });
    const catalog = this.catalog;
    if (this.mask.length < catalog.size) this.mask = new Uint8Array(Math.max(catalog.size, this.mask.length * 2));
    const state = new RequestState(catalog, this.mask);
    try {
      return this.runWith(state, req, sources, n, offset);
    } finally {
      state.release();
    }
  }

  private runWith(
    state: RequestState,
    req: RecommendRequest,
    sources: ReadonlySet<CandidateSource> | null,
    n: number,
    offset: number,
  ): RecommendResult {
    const cfg = this.config;
    const catalog = this.catalog;
    const model = this.model;
    const ctx = req.context ?? {};
    let u = req.userIndex ?? -1;
    if (req.userIndex === undefined && req.user !== undefined && model) u = model.training.userIds.get(req.user);
    if (sources) u = -1; // session mode: anonymous by definition
    state.userIndex = u;
    state.now = req.now ?? Date.now();
    if (req.category !== undefined) {
      state.category = catalog.categoryIndex(req.category);
      if (state.category < 0) return { items: [], fallback: null };
    }
    const knownUser = model !== null && u >= 0 && u < model.training.nUsers && model.knownUser(u);

    // Exclusions: a request costs O(marked items), never O(catalog).
    const r = cfg.rerank;
    if (r.excludeSeen) {
      markAll(state, ctx.seen);
      markAll(state, ctx.positives);
    }
    if (r.excludeNegatives) markAll(state, ctx.negatives);
    for (const id of ctx.excluded ?? []) state.block(catalog.itemIds.get(id));
    for (const id of req.exclude ?? []) state.block(catalog.itemIds.get(id));
    if (r.excludeTrainingSeen && knownUser) {
      const s = model!.training;
      for (let p = s.seenIndptr[u]; p < s.seenIndptr[u + 1]; p++) state.block(s.seenIndices[p]);
    }
    const c = cfg.candidates;
    state.setPositives(ctx, c.itemToItem.maxPositives, c.itemToItem.halfLifeMs, c.category.maxCategories);

    // Candidates.
    const lists: SourceList[] = [];
    let fallback: 'popular' | 'latest' | null = null;
    const run = (gen: CandidateGenerator | null, count: number, weight: number) => {
      if (!gen || count <= 0 || (sources && !sources.has(gen.source))) return;
      const out: Candidate[] = [];
      gen.generate(state, count, out);
      lists.push({ source: gen.source, weight, candidates: out });
    };
    const cold = !knownUser && state.positives.length === 0;
    if (cold) {
      // Cold start: the configured fallback in the configured categories, the other one if it finds nothing.
      if (state.category < 0) state.fallbackCategories = categoryIndices(catalog, cfg.coldStart.categories);
      const want = Math.max(n + offset, c.popular.n);
      const order: ('popular' | 'latest')[] =
        cfg.coldStart.fallback === 'popular' ? ['popular', 'latest'] : ['latest', 'popular'];
      for (const f of order) {
        const out: Candidate[] = [];
        (f === 'popular' ? this.popularGen : this.latestGen).generate(state, want, out);
        if (out.length) {
          lists.push({ source: f, weight: 1, candidates: out });
          fallback = f;
          break;
        }
      }
    } else {
      run(this.modelGen, c.model.n, c.model.weight);
      run(this.i2i, c.itemToItem.n, c.itemToItem.weight);
      run(this.popularGen, c.popular.n, c.popular.weight);
      run(this.latestGen, c.latest.n, c.latest.weight);
      run(this.categoryGen, c.category.n, c.category.weight);
      for (const e of this.extra) run(e.generator, e.n, e.weight);
    }
    const merged = mergeCandidates(lists, c.normalize, false);

    // Ranking, then score-changing re-rankers, then one partial sort of what the page can reach.
    let items: RankedItem[] = rankCandidates(merged, knownUser ? model : null, u, cfg.ranking, false);
    items = removeDisallowed(items, state);
    items = filterByCategory(
      items,
      catalog,
      categoryIndices(catalog, r.includeCategories, true),
      categoryIndices(catalog, r.excludeCategories),
    );
    items = applyBoosts(items, catalog, r.boosts, false);
    items = applyFreshness(items, catalog, state.now, r.freshness.weight, r.freshness.halfLifeMs, false);
    const sim = this.similarity();
    const pins = resolvePins(catalog, r.pins);
    // MMR reads the best `window` items; pins can push at most pins.length items past offset + n.
    items = topRanked(items, Math.max(offset + n + pins.length, sim ? r.diversity.window : 0));
    if (sim) items = mmr(items, offset + n, r.diversity.lambda, sim, r.diversity.window);
    items = applyPins(items, pins, (i) =>
      state.allowed(i) ? { item: i, score: 0, candidateScore: 0, modelScore: NaN, reasons: [] } : null,
    );
    const pinned = new Set(pins.map((p) => p.index));
    // The order is final: scores onto the response's scale, non-increasing down the list.
    finalizeScores(items, pinned);
    const page = paginate(items, offset, n);

    // Explanations, as specific as the provenance and the model allow (the user's positives by name).
    const because = becauseContext(
      model,
      u,
      knownUser,
      ctx.positives ?? [],
      ctx.positiveVerbs,
      state.favouriteCategories,
    );
    return {
      fallback,
      items: page.map((it) => {
        if (pinned.has(it.item) && !it.reasons.some((x) => x.source === 'pinned'))
          it.reasons = [...it.reasons, { item: it.item, score: 0, source: 'pinned', contribution: 0 }];
        const { reason, explanation } = explainItem(it, catalog, this.titleOf, cfg.explanations, state.now, because);
        return { index: it.item, id: catalog.itemIds.id(it.item), score: it.score, reason, explanation };
      }),
    };
  }

  private similarity(): ItemSimilarity | null {
    const d = this.config.rerank.diversity;
    if (d.lambda >= 1) return null;
    if (d.similarity === 'vector') {
      if (!this.vectors)
        throw new InvalidParameterError(
          'pipeline config: rerank.diversity.similarity is "vector" but the pipeline has no item vectors',
          { field: 'rerank.diversity.similarity' },
        );
      return vectorCosine(this.vectors.vectors, this.vectors.dim);
    }
    return categoryJaccard(this.catalog);
  }
}

/**
 * Recommends a page of items for one request: candidates from every generator (model top-N, item-to-item from
 * recent positives, popular, latest, favourite categories) merged with provenance, ranked by the model blended
 * with the candidate score, re-ranked (exclusions, category filters, boosts/burials, freshness, MMR diversity,
 * pins), paginated and explained. A user with neither model history nor recent positives gets the cold-start
 * fallback, and the result says which (`fallback`).
 *
 * @example
 * const { items, fallback } = recommend(pipeline, { userIndex: 3, n: 10, now: Date.now() });
 * items[0]; // { index: 42, id: 'i42', score: 0.93, reason: { source: 'model', ... }, explanation: 'Recommended for you' }
 */
export function recommend(pipeline: Pipeline, request: RecommendRequest): RecommendResult {
  return pipeline.run(request, null);
}

const SESSION_SOURCES: ReadonlySet<CandidateSource> = new Set(['item-to-item', 'popular']);

/**
 * Recommendations for an anonymous visitor from this session's feedback only: item-to-item neighbours of the
 * session's positives blended with popular items (no model ranking: the visitor has no model row). With no
 * positives yet it is the cold-start fallback.
 *
 * @example
 * sessionRecommend(pipeline, { positives: [12, 40], positiveTimes: [t1, t2] }, { n: 10, now: t2 });
 */
export function sessionRecommend(
  pipeline: Pipeline,
  context: UserContext,
  opts: Omit<RecommendRequest, 'context' | 'userIndex' | 'user'> = {},
): RecommendResult {
  return pipeline.run({ ...opts, context, userIndex: -1 }, SESSION_SOURCES);
}

function markAll(state: RequestState, items: ArrayLike<number> | undefined): void {
  if (!items) return;
  for (let k = 0; k < items.length; k++) state.block(items[k]);
}

/** Category names to indices; unknown names are dropped (`keepUnknown` maps them to -1 so an include-list of only
 * unknown categories still filters everything out). */
function categoryIndices(catalog: Catalog, names: readonly string[], keepUnknown = false): Int32Array {
  const out: number[] = [];
  for (const nm of names) {
    const c = catalog.categoryIndex(nm);
    if (c >= 0 || keepUnknown) out.push(c);
  }
  return Int32Array.from(out);
}
