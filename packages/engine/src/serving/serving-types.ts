import type { PipelineConfigInput } from 'kindred';
import type { EngineConfig } from '../config.js';
import type { EngineMetrics } from '../api/metrics.js';
import type { Storage } from '../storage/port.js';

/** The shapes the serving service answers with and what it needs (re-exported by service.ts). */

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

/** Options of the service (embedders and tests). */
export interface ServingOptions {
  /** Pipeline settings merged over the ones derived from `serving.*` (e.g. item-to-item or blend weights). */
  pipeline?: PipelineConfigInput;
}

/** What the service needs of an engine (an `Engine` is one; tests may pass a lighter object). */
export interface ServingHost {
  readonly config: EngineConfig;
  readonly storage: Storage;
  readonly metrics?: EngineMetrics;
  /** The SQLite file behind `storage`, which a precompute worker opens itself (absent: no precomputation). */
  readonly dbPath?: string | null;
}
