import type { ModelRecord } from '../storage/port.js';
import { DECISIVE_METRIC } from './evaluate.js';

/** Whether a newly trained version should replace the active one, and why. */
export type ActivationDecision = { activate: true; reason: string } | { activate: false; reason: string };

/**
 * The margin rule: a new version replaces the active one unless its holdout NDCG@10 is lower by more than
 * `maxRegression` (absolute). With no active version, or when either side has no comparable NDCG (no holdout users,
 * e.g. every user has fewer than 5 positives), the newer data wins: there is nothing to compare on, and refusing
 * would freeze the model forever. The two holdouts are each run's latest events, so the numbers are estimates on
 * neighbouring periods, not on the same rows; the margin absorbs that noise.
 *
 * @example
 * decideActivation({ 'ndcg@10': 0.30, holdoutUsers: 90 }, activeRecord, 0.01);
 * // { activate: true, reason: 'ndcg@10 0.3000 vs active v3 0.3050 (margin 0.01)' }
 */
export function decideActivation(
  metrics: Record<string, number>,
  active: ModelRecord | null,
  maxRegression: number,
): ActivationDecision {
  if (!active) return { activate: true, reason: 'no active version' };
  const next = comparable(metrics);
  const prev = comparable(active.metrics);
  if (next === null) return { activate: true, reason: `no holdout users to compare on; newer data wins` };
  if (prev === null)
    return { activate: true, reason: `active v${active.version} has no comparable ${DECISIVE_METRIC}` };
  const text = `${DECISIVE_METRIC} ${next.toFixed(4)} vs active v${active.version} ${prev.toFixed(4)} (margin ${maxRegression})`;
  return next >= prev - maxRegression
    ? { activate: true, reason: text }
    : { activate: false, reason: `worse: ${text}` };
}

function comparable(metrics: Record<string, number>): number | null {
  const v = metrics[DECISIVE_METRIC];
  if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  if (metrics.holdoutUsers !== undefined && !(metrics.holdoutUsers > 0)) return null;
  return v;
}
