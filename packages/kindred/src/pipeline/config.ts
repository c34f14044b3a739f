import { InvalidParameterError } from '../errors.js';
import type { RawId } from '../data/id-map.js';

const DAY_MS = 86_400_000;

/** Pin `item` at 0-based `position` of the full result (before pagination). */
export interface PinRule {
  item: RawId;
  position: number;
}

/**
 * Boost (multiply > 1 or add > 0) or bury (multiply < 1 or add < 0) items of a category or with a label
 * ('key=value'); exactly one of `category` / `label`. The score becomes `score * multiply + add`.
 */
export interface BoostRule {
  category?: string;
  label?: string;
  multiply?: number;
  add?: number;
}

/** Explanation templates; `{title}`, `{category}` and `{verb}` (how the user interacted with {title}) are filled in. */
export interface ExplanationTemplates {
  /** The user's own item behind a recommendation (item-to-item, or the model's strongest contributor). */
  itemToItem: string;
  /**
   * The user's recent item behind a score the model computed from their recent history at request time (sequential
   * and history-pooling models: "Because you recently {verb} {title}").
   */
  recent: string;
  popular: string;
  popularInCategory: string;
  latest: string;
  latestOlder: string;
  category: string;
  model: string;
  pinned: string;
}

/**
 * Every weight, λ and rule of the pipeline. All fields have defaults (DEFAULT_PIPELINE_CONFIG); pass a partial
 * object to `resolvePipelineConfig`. JSON-able, so the engine can load it from a file.
 */
export interface PipelineConfig {
  candidates: {
    /** Model top-N over all items (or the pool), for users the model knows. */
    model: { n: number; weight: number };
    /**
     * Neighbours of the user's recent positives: `perItem` neighbours of each of the `maxPositives` newest
     * positives, each weighted by 0.5^(age / halfLifeMs) of the positive.
     */
    itemToItem: { n: number; weight: number; perItem: number; maxPositives: number; halfLifeMs: number };
    popular: { n: number; weight: number };
    /** Newest items, scored 0.5^(age / halfLifeMs). */
    latest: { n: number; weight: number; halfLifeMs: number };
    /** Items of the user's `maxCategories` favourite categories (from recent positives), by popularity and/or age. */
    category: { n: number; weight: number; maxCategories: number; by: 'popular' | 'latest' | 'both' };
    /** How each source's scores are put on [0, 1] before the weighted blend: min-max, or 1 - rank/len. */
    normalize: 'minmax' | 'rank';
  };
  /** Final score = modelWeight·norm(model score) + candidateWeight·norm(merged candidate score). */
  ranking: { modelWeight: number; candidateWeight: number };
  rerank: {
    excludeSeen: boolean;
    excludeNegatives: boolean;
    /** Also leave out the items the model saw for this user in training. */
    excludeTrainingSeen: boolean;
    /** MMR (Carbonell & Goldstein 1998) over the best `window` items; λ = 1 turns it off. */
    diversity: { lambda: number; similarity: 'category' | 'vector'; window: number };
    /** score += weight · 0.5^(age / halfLifeMs); weight 0 turns it off. */
    freshness: { weight: number; halfLifeMs: number };
    pins: PinRule[];
    boosts: BoostRule[];
    /** When non-empty, only items in one of these categories. */
    includeCategories: string[];
    excludeCategories: string[];
  };
  /** For users with no model history and no recent positives. */
  coldStart: { fallback: 'popular' | 'latest'; categories: string[] };
  explanations: ExplanationTemplates;
  /** Largest offset + n a request may ask for. */
  maxResults: number;
}

/** A partial config: any subset of fields, nested. */
export type PipelineConfigInput = {
  [K in keyof PipelineConfig]?: PipelineConfig[K] extends unknown[]
    ? PipelineConfig[K]
    : PipelineConfig[K] extends object
      ? {
          [L in keyof PipelineConfig[K]]?: PipelineConfig[K][L] extends unknown[]
            ? PipelineConfig[K][L]
            : PipelineConfig[K][L] extends object
              ? Partial<PipelineConfig[K][L]>
              : PipelineConfig[K][L];
        }
      : PipelineConfig[K];
};

/**
 * The defaults, in one place (convention 3).
 *
 * @example
 * DEFAULT_PIPELINE_CONFIG.ranking; // { modelWeight: 0.7, candidateWeight: 0.3 }
 */
export const DEFAULT_PIPELINE_CONFIG: Readonly<PipelineConfig> = Object.freeze({
  candidates: {
    model: { n: 100, weight: 1 },
    itemToItem: { n: 100, weight: 1, perItem: 30, maxPositives: 20, halfLifeMs: 7 * DAY_MS },
    popular: { n: 50, weight: 0.3 },
    latest: { n: 30, weight: 0.2, halfLifeMs: 7 * DAY_MS },
    category: { n: 50, weight: 0.5, maxCategories: 3, by: 'both' },
    normalize: 'minmax',
  },
  ranking: { modelWeight: 0.7, candidateWeight: 0.3 },
  rerank: {
    excludeSeen: true,
    excludeNegatives: true,
    excludeTrainingSeen: true,
    diversity: { lambda: 0.8, similarity: 'category', window: 100 },
    freshness: { weight: 0, halfLifeMs: 7 * DAY_MS },
    pins: [],
    boosts: [],
    includeCategories: [],
    excludeCategories: [],
  },
  coldStart: { fallback: 'popular', categories: [] },
  explanations: {
    itemToItem: 'Because you {verb} {title}',
    recent: 'Because you recently {verb} {title}',
    popular: 'Popular right now',
    popularInCategory: 'Popular in {category}',
    latest: 'New this week',
    latestOlder: 'New arrival',
    category: 'Because you like {category}',
    model: 'Recommended for you',
    pinned: 'Featured',
  },
  maxResults: 500,
} satisfies PipelineConfig);

const CHOICES: Record<string, readonly string[]> = {
  'candidates.normalize': ['minmax', 'rank'],
  'candidates.category.by': ['popular', 'latest', 'both'],
  'rerank.diversity.similarity': ['category', 'vector'],
  'coldStart.fallback': ['popular', 'latest'],
};

/** [min, max, integer] by the last path segment (or the full path, which wins). */
const BOUNDS: Record<string, [number, number, boolean]> = {
  n: [0, 100_000, true],
  weight: [0, Infinity, false],
  perItem: [1, 10_000, true],
  maxPositives: [1, 10_000, true],
  maxCategories: [1, 1000, true],
  halfLifeMs: [Number.MIN_VALUE, Infinity, false],
  modelWeight: [0, Infinity, false],
  candidateWeight: [0, Infinity, false],
  lambda: [0, 1, false],
  window: [1, 100_000, true],
  maxResults: [1, 100_000, true],
};

/**
 * Merges `input` over the defaults and validates every field; a bad field throws InvalidParameterError naming its
 * path (e.g. "rerank.diversity.lambda") in the message and in `details.field`.
 *
 * @example
 * const config = resolvePipelineConfig({ rerank: { diversity: { lambda: 0.5 } } });
 * resolvePipelineConfig({ ranking: { modelWeight: -1 } }); // throws: ranking.modelWeight must be ≥ 0
 */
export function resolvePipelineConfig(input: PipelineConfigInput = {}): PipelineConfig {
  return merge(DEFAULT_PIPELINE_CONFIG, input, '') as PipelineConfig;
}

function fail(field: string, msg: string): never {
  throw new InvalidParameterError(`pipeline config: ${field} ${msg}`, { field });
}

function merge(def: unknown, val: unknown, path: string): unknown {
  if (val === undefined) return structuredCloneJson(def);
  if (Array.isArray(def)) {
    if (!Array.isArray(val)) fail(path, 'must be an array');
    return checkArray(path, val);
  }
  if (def !== null && typeof def === 'object') {
    if (val === null || typeof val !== 'object' || Array.isArray(val)) fail(path, 'must be an object');
    const out: Record<string, unknown> = {};
    const d = def as Record<string, unknown>;
    for (const k of Object.keys(val as object))
      if (!(k in d))
        fail(
          `${path ? path + '.' : ''}${k}`,
          `is unknown; valid fields${path ? ' of ' + path : ''}: ${Object.keys(d).join(', ')}`,
        );
    for (const k of Object.keys(d))
      out[k] = merge(d[k], (val as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
    return out;
  }
  if (typeof val !== typeof def) fail(path, `must be a ${typeof def}, got ${JSON.stringify(val)}`);
  if (typeof val === 'string' && CHOICES[path] && !CHOICES[path].includes(val))
    fail(path, `must be one of ${CHOICES[path].join(', ')}, got ${JSON.stringify(val)}`);
  if (typeof val === 'number') checkNumber(path, val, BOUNDS[path] ?? BOUNDS[path.slice(path.lastIndexOf('.') + 1)]);
  return val;
}

function checkNumber(path: string, v: number, b: [number, number, boolean] | undefined): void {
  if (Number.isNaN(v)) fail(path, 'must be a number');
  if (!b) return;
  const [min, max, integer] = b;
  if (integer && !Number.isInteger(v)) fail(path, `must be an integer, got ${v}`);
  if (v < min) fail(path, `must be ≥ ${min === Number.MIN_VALUE ? '> 0' : min}, got ${v}`);
  if (v > max) fail(path, `must be ≤ ${max}, got ${v}`);
}

function checkArray(path: string, val: unknown[]): unknown[] {
  const leaf = path.slice(path.lastIndexOf('.') + 1);
  return val.map((x, k) => {
    const p = `${path}[${k}]`;
    if (leaf === 'pins') {
      const r = x as PinRule;
      if (!r || typeof r !== 'object') fail(p, 'must be {item, position}');
      for (const key of Object.keys(r))
        if (key !== 'item' && key !== 'position') fail(`${p}.${key}`, 'is unknown; valid fields: item, position');
      if (typeof r.item !== 'string' && typeof r.item !== 'number') fail(`${p}.item`, 'must be a raw item id');
      if (!Number.isInteger(r.position) || r.position < 0) fail(`${p}.position`, 'must be an integer ≥ 0');
      return { item: r.item, position: r.position };
    }
    if (leaf === 'boosts') {
      const r = x as BoostRule;
      if (!r || typeof r !== 'object') fail(p, 'must be {category | label, multiply?, add?}');
      for (const key of Object.keys(r))
        if (!['category', 'label', 'multiply', 'add'].includes(key))
          fail(`${p}.${key}`, 'is unknown; valid fields: category, label, multiply, add');
      if ((r.category === undefined) === (r.label === undefined)) fail(p, 'needs exactly one of category, label');
      if (r.category !== undefined && typeof r.category !== 'string') fail(`${p}.category`, 'must be a string');
      if (r.label !== undefined && (typeof r.label !== 'string' || !r.label.includes('=')))
        fail(`${p}.label`, "must be a 'key=value' string");
      if (r.multiply === undefined && r.add === undefined) fail(p, 'needs multiply or add');
      if (
        r.multiply !== undefined &&
        (typeof r.multiply !== 'number' || !(r.multiply >= 0) || !Number.isFinite(r.multiply))
      )
        fail(`${p}.multiply`, 'must be a finite number ≥ 0');
      if (r.add !== undefined && (typeof r.add !== 'number' || !Number.isFinite(r.add)))
        fail(`${p}.add`, 'must be a finite number');
      return { ...r };
    }
    if (typeof x !== 'string') fail(p, 'must be a string');
    return x;
  });
}

function structuredCloneJson(v: unknown): unknown {
  return v !== null && typeof v === 'object' ? JSON.parse(JSON.stringify(v)) : v;
}
