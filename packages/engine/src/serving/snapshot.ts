import {
  Catalog,
  FactorModel,
  LatestIndex,
  Pipeline,
  PopularityIndex,
  cachedNeighbours,
  modelNeighbours,
  type CatalogItem,
  type NeighbourFn,
  type PipelineConfigInput,
  type Recommender,
} from 'kindred';
import type { ItemRecord, ModelRecord } from '../storage/port.js';
import { RequestTimeCandidates, requestTimeModel } from './request-time-user.js';
import { pooledFactorNeighbours } from './pooled-neighbours.js';

/** Item-to-item for factor models searches neighbours among this many most-interacted items (see pooled-neighbours). */
const NEIGHBOUR_POOL = 5000;

/** The serving state that a model swap replaces as one reference. */
export interface Snapshot {
  gen: number;
  model: Recommender | null;
  record: ModelRecord | null;
  info: { name: string; version: number } | null;
  catalog: Catalog;
  pipeline: Pipeline;
  latest: LatestIndex;
  neighbours: NeighbourFn | null;
  /** Model candidates from request-time user state (ALS fold-in, history scoring); null when the model has none. */
  requestTime: RequestTimeCandidates | null;
}

/** What a snapshot is built from: the service's state that outlives model swaps. */
export interface SnapshotSources {
  /** Item descriptions by id (the store's catalogue). */
  items: ReadonlyMap<string, CatalogItem>;
  /** Positive-event counts by item id (popularity). */
  counts: ReadonlyMap<string, number>;
  /** `serving.maxN`: the popular and latest indexes keep twice as many items (at least 1000). */
  maxN: number;
  pipelineConfig: PipelineConfigInput;
  /** The next snapshot generation (taken once the snapshot is complete). */
  nextGen: () => number;
}

/**
 * Builds a complete snapshot for `model` (catalogue aligned with its item indices, indexes, pipeline), which a swap
 * then installs as one reference.
 *
 * @example
 * const snap = buildSnapshot(model, record, { items, counts, maxN: 100, pipelineConfig, nextGen: () => ++gen });
 */
export function buildSnapshot(model: Recommender | null, record: ModelRecord | null, from: SnapshotSources): Snapshot {
  const catalog = model ? Catalog.alignedWith(model.training.itemIds) : new Catalog();
  for (const it of from.items.values()) catalog.upsert(it);
  // Items the model was trained on that the store no longer has: never recommend them.
  for (let i = 0; i < catalog.size; i++) if (!from.items.has(String(catalog.itemIds.id(i)))) catalog.setHidden(i, true);
  const counts = new Float64Array(catalog.size);
  for (const [id, c] of from.counts) {
    const i = catalog.itemIds.get(id);
    if (i >= 0) counts[i] = c;
  }
  const cap = Math.max(1000, 2 * from.maxN);
  const popularity = PopularityIndex.fromCounts(catalog, counts, cap);
  const latest = new LatestIndex(catalog, cap);
  const source =
    model instanceof FactorModel ? pooledFactorNeighbours(model, NEIGHBOUR_POOL) : model && modelNeighbours(model);
  const neighbours = source ? cachedNeighbours(source, Math.max(10_000, catalog.size)) : null;
  const rt = requestTimeModel(model);
  const requestTime = rt && model ? new RequestTimeCandidates(rt, model.training.nItems) : null;
  const config = from.pipelineConfig;
  const pipeline = new Pipeline({
    catalog,
    model,
    popularity,
    latest,
    neighbours,
    config,
    generators: requestTime
      ? [
          {
            generator: requestTime,
            n: config.candidates?.model?.n ?? 100,
            weight: config.candidates?.model?.weight ?? 1,
          },
        ]
      : [],
  });
  const info = model && record ? { name: model.name, version: record.version } : null;
  return { gen: from.nextGen(), model, record, info, catalog, pipeline, latest, neighbours, requestTime };
}

/**
 * A store item as a catalogue item; `labels.title` names it in explanations. Labels are interned by the catalogue
 * only when a boost rule matches on labels (`withLabels`): interning is two thirds of a 50k-item rebuild's time.
 */
export function toCatalogItem(it: ItemRecord, withLabels: boolean): CatalogItem {
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
