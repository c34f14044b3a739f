import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { validateTrainingConfig } from './training-config.js';

/**
 * One validated configuration schema for the engine. Precedence (convention 11): defaults < config file <
 * environment (`KINDRED_*`) < command-line flags. A bad value fails at start naming the field.
 */
/** Largest |weight| of a feedback type: a bigger one would let one event dominate (or overflow) a model. */
export const MAX_TYPE_WEIGHT = 1000;
/** The value range of a feedback type without a configured `min`/`max`: |value| ≤ this. */
export const DEFAULT_VALUE_LIMIT = 1e6;

const FeedbackType = Type.Object(
  {
    /** Multiplies the event's value (or 1) into the training weight; negative weights are dislikes. */
    weight: Type.Number({ minimum: -MAX_TYPE_WEIGHT, maximum: MAX_TYPE_WEIGHT }),
    /** Use the event's `value` (e.g. a star rating) instead of 1. */
    useValue: Type.Optional(Type.Boolean()),
    /** Only marks the item as seen (excluded from recommendations), no training signal. */
    seenOnly: Type.Optional(Type.Boolean()),
    /** Smallest and largest accepted `value` (inclusive); without them |value| ≤ DEFAULT_VALUE_LIMIT. */
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    /**
     * Past-tense verb for explanations ("Because you <verb> X"), e.g. click → "clicked", purchase → "bought"
     * (default: the type's name, see `feedbackVerb`). Only positive types drive such explanations.
     */
    verb: Type.Optional(Type.String({ minLength: 1, maxLength: 32, pattern: '^[^\\u0000-\\u001f]+$' })),
  },
  { additionalProperties: false },
);

/**
 * The inclusive value range a feedback type accepts: its configured `min`/`max`, each defaulting to
 * ∓{@link DEFAULT_VALUE_LIMIT}. Ingestion rejects values outside it and training drops stored ones outside it.
 *
 * @example
 * valueRange({ weight: 1, useValue: true, min: 0, max: 5 }); // { min: 0, max: 5 }
 * valueRange({ weight: 1 });                                  // { min: -1e6, max: 1e6 }
 */
export function valueRange(t: { min?: number; max?: number }): { min: number; max: number } {
  return { min: t.min ?? -DEFAULT_VALUE_LIMIT, max: t.max ?? DEFAULT_VALUE_LIMIT };
}

/** The algorithm trained when none is configured; the default `training.params` are its parameters. */
const DEFAULT_ALGORITHM = 'als';

export const ConfigSchema = Type.Object(
  {
    server: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
        /** Largest accepted request body in bytes. */
        bodyLimit: Type.Integer({ minimum: 1024, default: 10 * 1024 * 1024 }),
        /** Requests per key (or IP) per window; 0 disables rate limiting. */
        rateLimit: Type.Integer({ minimum: 0, default: 0 }),
        rateLimitWindowMs: Type.Integer({ minimum: 100, default: 60_000 }),
        /**
         * Browser origins allowed to call the API cross-origin (CORS), exactly as browsers send them
         * (`https://shop.example.com`, no path); empty (the default) sends no CORS headers, so browsers refuse
         * cross-origin calls. `"*"` allows any origin.
         */
        corsOrigins: Type.Array(
          Type.String({ minLength: 1, maxLength: 512, pattern: '^(\\*|[a-z][a-z0-9+.-]*://[^/\\s]+)$' }),
          {
            maxItems: 256,
            default: [],
          },
        ),
        /** Log `/health/*` requests too (probes every few seconds drown the other lines, so off by default). */
        logHealthChecks: Type.Boolean({ default: false }),
        logLevel: Type.Union(
          [
            Type.Literal('fatal'),
            Type.Literal('error'),
            Type.Literal('warn'),
            Type.Literal('info'),
            Type.Literal('debug'),
            Type.Literal('silent'),
          ],
          { default: 'info' },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Directory of the embedded store (SQLite database, saved models). */
    dataDir: Type.String({ default: './kindred-data' }),
    storage: Type.Object(
      {
        /**
         * Write to the embedded store from a worker thread (feedback inserts, commits, index merges), so that
         * ingestion uses a second core; false keeps every query on the request thread.
         */
        writerThread: Type.Boolean({ default: true }),
      },
      { additionalProperties: false, default: {} },
    ),
    auth: Type.Object(
      {
        readKey: Type.Optional(Type.String({ minLength: 8 })),
        writeKey: Type.Optional(Type.String({ minLength: 8 })),
        adminKey: Type.Optional(Type.String({ minLength: 8 })),
      },
      { additionalProperties: false, default: {} },
    ),
    feedback: Type.Object(
      {
        types: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_-]{0,31}$' }), FeedbackType, {
          default: {
            click: { weight: 1 },
            like: { weight: 2 },
            purchase: { weight: 3 },
            rating: { weight: 1, useValue: true, min: 0, max: 5 },
            dislike: { weight: -1 },
            read: { weight: 0, seenOnly: true },
          },
        }),
        /** Create unknown users/items on feedback instead of rejecting the event. */
        autoCreateUsers: Type.Boolean({ default: true }),
        autoCreateItems: Type.Boolean({ default: false }),
      },
      { additionalProperties: false, default: {} },
    ),
    training: Type.Object(
      {
        algorithm: Type.String({ default: DEFAULT_ALGORITHM }),
        params: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Boolean()]), {
          default: { factors: 64, iterations: 15, regularization: 0.05 },
        }),
        /** Retrain at most this often (seconds); 0 = only on demand or by event count. */
        fitPeriodSeconds: Type.Integer({ minimum: 0, default: 3600 }),
        /** Retrain after this many new events (0 = off). */
        fitAfterEvents: Type.Integer({ minimum: 0, default: 10_000 }),
        /** Share of each user's latest events held out to compare model versions. */
        holdoutRatio: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.1 }),
        /** A new version replaces the active one unless its holdout NDCG@10 is worse by more than this. */
        maxRegression: Type.Number({ minimum: 0, default: 0.01 }),
        /** Model versions kept in the store; older ones are deleted after each run (never the active one). */
        keepVersions: Type.Integer({ minimum: 1, default: 10 }),
      },
      { additionalProperties: false, default: {} },
    ),
    serving: Type.Object(
      {
        defaultN: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
        maxN: Type.Integer({ minimum: 1, maximum: 10_000, default: 200 }),
        /** Precomputed/recently served lists kept per user (LRU). */
        cacheSize: Type.Integer({ minimum: 0, default: 100_000 }),
        cacheTtlSeconds: Type.Integer({ minimum: 0, default: 600 }),
        /**
         * How many of the most recently active users get their default list (first 50 items) precomputed in a worker
         * thread after each model swap and at start (0 = off): their requests are then a lookup. Lists live in flat
         * typed arrays (~0.8 KB per user).
         */
        precomputeUsers: Type.Integer({ minimum: 0, default: 200_000 }),
        /** Recompute the precomputed lists this often between model swaps (0 = only at start and after swaps). */
        precomputeRefreshSeconds: Type.Integer({ minimum: 0, default: 3600 }),
        /** MMR trade-off between relevance (1) and diversity (0). */
        diversityLambda: Type.Number({ minimum: 0, maximum: 1, default: 0.8 }),
        /** Half-life of the freshness boost in days (0 = off). */
        freshnessHalfLifeDays: Type.Number({ minimum: 0, default: 0 }),
        /** Categories to serve new users from (empty = all). */
        coldStartCategories: Type.Array(Type.String(), { default: [] }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export type EngineConfig = Static<typeof ConfigSchema>;

/** A configuration problem, naming the field (e.g. `training.holdoutRatio`). */
export class ConfigError extends Error {
  /** See START_ERROR_CODES (start-errors.ts). */
  readonly code = 'INVALID_CONFIG';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Environment variables the engine reads, and the config field each sets. */
export const ENV_FIELDS: Record<string, string> = {
  KINDRED_HOST: 'server.host',
  KINDRED_PORT: 'server.port',
  KINDRED_STORE_DIR: 'dataDir',
  KINDRED_READ_KEY: 'auth.readKey',
  KINDRED_WRITE_KEY: 'auth.writeKey',
  KINDRED_ADMIN_KEY: 'auth.adminKey',
  KINDRED_ALGORITHM: 'training.algorithm',
  KINDRED_LOG_LEVEL: 'server.logLevel',
};

/**
 * Loads and validates the configuration.
 *
 * @example
 * const config = loadConfig({ file: 'kindred.json', env: process.env, overrides: { 'server.port': 9000 } });
 */
export function loadConfig(
  opts: {
    file?: string;
    env?: Record<string, string | undefined>;
    overrides?: Record<string, unknown>;
    base?: unknown;
  } = {},
): EngineConfig {
  let raw: Record<string, unknown> = structuredClone((opts.base as Record<string, unknown>) ?? {});
  if (opts.file) {
    let text: string;
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch (e) {
      throw new ConfigError(`cannot read config file ${opts.file}: ${(e as Error).message}`);
    }
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new ConfigError(`config file ${opts.file} is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new ConfigError(`config file ${opts.file} must hold a JSON object`);
  }
  for (const [name, field] of Object.entries(ENV_FIELDS)) {
    const v = opts.env?.[name];
    if (v !== undefined && v !== '') setPath(raw, field, coerce(v));
  }
  for (const [field, v] of Object.entries(opts.overrides ?? {})) if (v !== undefined) setPath(raw, field, v);
  return validateConfig(raw);
}

/** Applies defaults and validates; throws ConfigError naming the first bad field. */
export function validateConfig(raw: unknown): EngineConfig {
  const given = structuredClone(raw ?? {}) as {
    feedback?: { types?: unknown };
    training?: { params?: unknown };
  };
  const withDefaults = Value.Default(ConfigSchema, structuredClone(given)) as EngineConfig;
  // Value.Default merges default record entries into a given record; a configured record replaces the default one
  // (otherwise `training.params: {epochs: 3}` for svd would inherit ALS's `iterations`).
  if (given.feedback?.types !== undefined && withDefaults.feedback)
    (withDefaults.feedback as { types: unknown }).types = given.feedback.types;
  if (given.training?.params !== undefined && withDefaults.training)
    (withDefaults.training as { params: unknown }).params = given.training.params;
  // The default params are the default algorithm's (ALS): another algorithm without params gets its own defaults.
  else if (withDefaults.training && withDefaults.training.algorithm !== DEFAULT_ALGORITHM)
    (withDefaults.training as { params: unknown }).params = {};
  const first = Value.Errors(ConfigSchema, withDefaults).First();
  if (first) {
    const field = first.path.replace(/^\//, '').replace(/\//g, '.') || '(root)';
    throw new ConfigError(`invalid config: ${field}: ${first.message}`, field);
  }
  checkFeedbackRanges(withDefaults.feedback.types);
  validateTrainingConfig(withDefaults.training);
  return withDefaults as EngineConfig;
}

/** What the schema cannot say: each type's range is ordered (NaN/Infinity are already rejected by the schema). */
function checkFeedbackRanges(types: EngineConfig['feedback']['types']): void {
  for (const [name, t] of Object.entries(types)) {
    if (t.min !== undefined && t.max !== undefined && t.min > t.max) {
      const field = `feedback.types.${name}.min`;
      throw new ConfigError(`invalid config: ${field}: must be ≤ max (${t.min} > ${t.max})`, field);
    }
  }
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof cur[k] !== 'object' || cur[k] === null) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]] = value;
}

function coerce(v: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  if (v === 'true' || v === 'false') return v === 'true';
  return v;
}
