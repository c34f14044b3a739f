import type { PipelineConfigInput } from 'kindred';
import type { EngineConfig } from '../config.js';

/** Freshness boost weight on the final score when `serving.freshnessHalfLifeDays` > 0 (final scores are ~[0, 1]). */
const FRESHNESS_WEIGHT = 0.2;
const DAY_MS = 86_400_000;
/** Newest positives that drive item-to-item per request (each costs one neighbour lookup when not cached). */
const MAX_POSITIVES = 5;

/**
 * The serving pipeline's settings: those `serving.*` implies (diversity, freshness, cold-start categories, the
 * largest page, item-to-item's positives), with `override` (`ServingOptions.pipeline`) deep-merged over them.
 *
 * @example
 * const config = servingPipelineConfig(engine.config.serving, { candidates: { itemToItem: { n: 50 } } });
 */
export function servingPipelineConfig(sv: EngineConfig['serving'], override: PipelineConfigInput): PipelineConfigInput {
  return mergeInput(
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
    override,
  ) as PipelineConfigInput;
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
