import type { Candidate, CandidateSource } from '../candidate.js';

/** A candidate's contribution to the merged score: its source's weight times its normalised score. */
export interface Reason extends Candidate {
  /** weight · normalised score. */
  contribution: number;
}

/** One item after merging: blended score and every reason any generator gave for it (provenance kept). */
export interface MergedCandidate {
  item: number;
  score: number;
  reasons: Reason[];
}

/** One generator's output and the weight of its source in the blend. */
export interface SourceList {
  source: CandidateSource;
  weight: number;
  candidates: readonly Candidate[];
}

/**
 * Merges generator outputs: each source's scores are put on [0, 1] ('minmax': (s − min)/(max − min), 1 when all
 * equal; 'rank': 1 − r/len with r the 0-based rank by score), and an item's merged score is Σ weight_s · norm_s
 * over the sources that found it — so agreement between sources raises an item. Every reason is kept. Output is
 * sorted by merged score (ties: lower item index first) unless `sort` is false.
 *
 * @example
 * mergeCandidates([
 *   { source: 'popular', weight: 0.3, candidates: [{ item: 1, score: 50, source: 'popular' }] },
 *   { source: 'latest', weight: 0.2, candidates: [{ item: 1, score: 0.9, source: 'latest' }] },
 * ]); // [{ item: 1, score: 0.5, reasons: [popular, latest] }]
 */
export function mergeCandidates(
  lists: readonly SourceList[],
  normalize: 'minmax' | 'rank' = 'minmax',
  sort = true,
): MergedCandidate[] {
  const byItem = new Map<number, MergedCandidate>();
  for (const l of lists) {
    const cs = l.candidates;
    if (cs.length === 0) continue;
    const norm = normalized(cs, normalize);
    for (let k = 0; k < cs.length; k++) {
      const c = cs[k];
      const contribution = l.weight * norm[k];
      let m = byItem.get(c.item);
      if (!m) byItem.set(c.item, (m = { item: c.item, score: 0, reasons: [] }));
      m.score += contribution;
      const r: Reason = { item: c.item, score: c.score, source: c.source, contribution };
      if (c.because) r.because = c.because;
      if (c.recent) r.recent = true;
      if (c.category !== undefined) r.category = c.category;
      m.reasons.push(r);
    }
  }
  const out = [...byItem.values()];
  return sort ? out.sort((a, b) => b.score - a.score || a.item - b.item) : out;
}

function normalized(cs: readonly Candidate[], how: 'minmax' | 'rank'): Float64Array {
  const n = cs.length;
  const out = new Float64Array(n);
  if (how === 'rank') {
    const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => cs[b].score - cs[a].score || a - b);
    for (let r = 0; r < n; r++) out[order[r]] = 1 - r / n;
    return out;
  }
  let min = Infinity,
    max = -Infinity;
  for (const c of cs) {
    if (c.score < min) min = c.score;
    if (c.score > max) max = c.score;
  }
  const span = max - min;
  for (let k = 0; k < n; k++) out[k] = span > 0 ? (cs[k].score - min) / span : 1;
  return out;
}
