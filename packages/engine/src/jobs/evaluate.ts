import { evaluateRanking, IdMap, Interactions, InvalidParameterError, type Recommender, type Split } from 'kindred';
import type { TrainingSet } from './dataset.js';

/** The offline metrics every version is compared on (NDCG@10 decides; the others are for the dashboard). */
export const HOLDOUT_METRICS = ['ndcg@10', 'precision@10', 'recall@10'] as const;
/** The metric the activation rule compares. */
export const DECISIVE_METRIC = 'ndcg@10';

/**
 * Rebuilds kindred `Interactions` from a transferred training set (ids stay strings; the arrays are used as is).
 *
 * @example
 * const data = interactionsOf(set);
 * data.nUsers === set.userIds.length; // true
 */
export function interactionsOf(set: TrainingSet): Interactions {
  return new Interactions({
    users: set.users,
    items: set.items,
    values: set.values,
    timestamps: set.timestamps,
    userIds: IdMap.from(set.userIds),
    itemIds: IdMap.from(set.itemIds),
  });
}

/**
 * Per-user temporal holdout by ratio: each user's latest `floor(ratio · n)` positive pairs (n = the user's pairs)
 * go to test, at least 1 for users with ≥ `minEvents` pairs (default 5), and at least one pair always stays in
 * train so every test user is known to the model. Later timestamps are later; ties go by row order. This is
 * kindred's `perUserLastN` with a per-user count (the "latest x %" protocol of temporal recommender evaluation,
 * which matches how a deployed model is used: predict what a user does next from what they did before).
 *
 * @example
 * const [split] = latestRatioHoldout(0.1)(data); // users with 5–19 pairs hold out 1, 20–29 hold out 2, ...
 */
export function latestRatioHoldout(ratio: number, opts: { minEvents?: number } = {}): (data: Interactions) => Split[] {
  if (!(ratio > 0 && ratio < 1)) throw new InvalidParameterError(`holdout ratio must be in (0, 1), got ${ratio}`);
  const minEvents = opts.minEvents ?? 5;
  return (data) => {
    const { indptr, order } = data.byUser();
    const rows = order.slice();
    const ts = data.timestamps;
    const cmp = ts ? (x: number, y: number) => ts[x] - ts[y] || x - y : (x: number, y: number) => x - y;
    const isTest = new Uint8Array(data.length);
    let nTest = 0;
    for (let u = 0; u < data.nUsers; u++) {
      const a = indptr[u],
        c = indptr[u + 1] - a;
      let t = Math.floor(ratio * c);
      if (t < 1 && c >= minEvents) t = 1;
      if (t > c - 1) t = c - 1;
      if (t <= 0) continue;
      const seg = rows.subarray(a, a + c);
      seg.sort(cmp);
      for (let q = c - t; q < c; q++) isTest[seg[q]] = 1;
      nTest += t;
    }
    const train = new Int32Array(data.length - nTest),
      test = new Int32Array(nTest);
    let x = 0,
      y = 0;
    for (let r = 0; r < data.length; r++) {
      if (isTest[r]) test[y++] = r;
      else train[x++] = r;
    }
    return [{ name: `latest ${ratio} per user`, train: data.subset(train), test: data.subset(test) }];
  };
}

/**
 * NDCG@10, precision@10 and recall@10 of a fitted model on a holdout (every held-out positive is relevant; training
 * items are excluded from the lists), plus `holdoutUsers` (users evaluated) so a reader can tell a 0 from "nothing to
 * evaluate". Throws when a metric is not finite.
 *
 * @example
 * const m = holdoutMetrics(model, split); // { 'ndcg@10': 0.21, 'precision@10': 0.08, 'recall@10': 0.3, holdoutUsers: 180 }
 */
export function holdoutMetrics(model: Recommender, split: Split, maxUsers = 2000): Record<string, number> {
  // Scoring every holdout user against every item is O(users × items × factors): at 100k × 50k it dominated
  // training. An evenly spaced, deterministic sample of users gives the comparison between versions the same basis.
  const test = sampleUsers(split.test, maxUsers);
  const ev = evaluateRanking(model, split.train, test, { k: 10, metrics: [...HOLDOUT_METRICS] });
  const out: Record<string, number> = { ...ev.metrics, holdoutUsers: ev.users };
  for (const [k, v] of Object.entries(out))
    if (!Number.isFinite(v)) throw new NonFiniteModelError(`holdout metric ${k} is ${v}`);
  return out;
}

/** The rows of at most `maxUsers` users, taken at an even stride over the users that have rows. */
export function sampleUsers(test: Interactions, maxUsers: number): Interactions {
  const counts = test.userCounts();
  let withRows = 0;
  for (let u = 0; u < counts.length; u++) if (counts[u] > 0) withRows++;
  if (withRows <= maxUsers) return test;
  const keep = new Uint8Array(counts.length);
  const stride = withRows / maxUsers;
  let seen = 0,
    next = 0;
  for (let u = 0; u < counts.length; u++) {
    if (counts[u] === 0) continue;
    if (seen >= next) {
      keep[u] = 1;
      next += stride;
    }
    seen++;
  }
  return test.filterRows((r) => keep[test.users[r]] === 1);
}

/** A model whose scores or metrics are NaN or infinite (a diverged fit). */
export class NonFiniteModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonFiniteModelError';
  }
}

/**
 * Guards the served model against a silent divergence: scores a sample of known users over every item and throws
 * when any score is NaN or +Infinity (−Infinity is the base's "cannot score" and is allowed). Cheap: `users` rows.
 *
 * @example
 * assertFiniteScores(model); // throws NonFiniteModelError when the fit diverged without noticing
 */
export function assertFiniteScores(model: Recommender, users = 32): void {
  const s = model.training;
  const out = new Float32Array(s.nItems);
  const step = Math.max(1, Math.floor(s.nUsers / users));
  for (let u = 0; u < s.nUsers; u += step) {
    if (!model.knownUser(u)) continue;
    model.scoreItems(u, out);
    for (let i = 0; i < out.length; i++) {
      const v = out[i];
      if (v !== v || v === Infinity)
        throw new NonFiniteModelError(`model scores are not finite (user ${String(s.userIds.id(u))}: ${v})`);
    }
  }
}
