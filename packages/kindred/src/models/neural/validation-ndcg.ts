// The validation metric of early stopping: NDCG@k of the held-out items with the user's training items masked, full
// ranking over every item (RecBole's valid metric NDCG@10 in full mode). Models score users in batches however suits
// them; this file owns the metric so every model stops on the same definition.
import type { Interactions } from '../../data/interactions.js';
import { topK } from '../../math/top-k.js';
import type { TrainingSummary } from '../recommender.js';

/**
 * Mean NDCG@k over users with validation items who are known to the model. `scoreBatch(users, out)` fills
 * out[r·nItems … (r+1)·nItems) with the scores of users[r] (at most `batch` users per call).
 *
 * @example
 * const ndcg = validationNdcg(model.training, validation, 256, (users, out) => net.score(users, out));
 */
export function validationNdcg(
  s: TrainingSummary,
  validation: Interactions,
  batch: number,
  scoreBatch: (users: Int32Array, out: Float32Array) => void,
  k = 10,
): number {
  const n = s.nItems;
  const v = validation.byUser();
  const users: number[] = [];
  for (let u = 0; u < Math.min(s.nUsers, v.indptr.length - 1); u++)
    if (v.indptr[u + 1] > v.indptr[u] && s.seenIndptr[u + 1] > s.seenIndptr[u]) users.push(u);
  if (users.length === 0) return 0;
  const out = new Float32Array(batch * n);
  const seen = new Uint8Array(n);
  const target = new Uint8Array(n);
  let sum = 0;
  for (let b = 0; b < users.length; b += batch) {
    const rows = Int32Array.from(users.slice(b, b + batch));
    scoreBatch(rows, out);
    for (let r = 0; r < rows.length; r++) {
      const u = rows[r];
      for (let q = s.seenIndptr[u]; q < s.seenIndptr[u + 1]; q++) seen[s.seenIndices[q]] = 1;
      for (let q = v.indptr[u]; q < v.indptr[u + 1]; q++) target[v.indices[q]] = 1;
      const top = topK(out.subarray(r * n, (r + 1) * n), k, (i) => seen[i] === 1);
      let dcg = 0;
      for (let c = 0; c < top.indices.length; c++) if (target[top.indices[c]]) dcg += 1 / Math.log2(c + 2);
      let ideal = 0;
      for (let c = 0; c < Math.min(k, v.indptr[u + 1] - v.indptr[u]); c++) ideal += 1 / Math.log2(c + 2);
      sum += dcg / ideal;
      for (let q = s.seenIndptr[u]; q < s.seenIndptr[u + 1]; q++) seen[s.seenIndices[q]] = 0;
      for (let q = v.indptr[u]; q < v.indptr[u + 1]; q++) target[v.indices[q]] = 0;
    }
  }
  return sum / users.length;
}
