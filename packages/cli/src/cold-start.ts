import {
  coldItems,
  coldUsers,
  DEFAULT_COLD_START_METRICS,
  evaluateColdItems,
  evaluateColdUsers,
  metricByName,
  onboard,
  relevance,
  type Interactions,
  type Recommender,
  type RankingMetric,
} from 'kindred';
import { UsageError } from './usage-error.js';

export interface ColdFlags {
  protocol?: string;
  testItems?: string;
  testUsers?: string;
  known?: string;
  onboard?: boolean;
  seed?: string;
}

export interface ColdResult {
  protocol: string;
  metrics: Record<string, number>;
  users: number;
  candidates: number;
  /** The model could not score the cold items at all (every list was a tie-break or empty): report, don't rank. */
  cannotScore: boolean;
  fitSeconds: number;
  testSeconds: number;
  method?: string;
}

const ratio = (flag: string, v: string | undefined, dflt: number): number => {
  const x = v === undefined ? dflt : Number(v);
  if (!(x > 0 && x < 1)) throw new UsageError(`${flag} must be a ratio in (0, 1), got "${v}"`);
  return x;
};

/**
 * The cold-start protocols of `kindred eval`:
 * - `cold-items`: 20 % of items held out entirely; each user's list ranks only those cold items.
 * - `cold-users`: 20 % of users held out; their first `--known` interactions (by time) go to training, the rest are
 *   ranked over all items. With `--onboard`, the model is trained without the cold users at all and each one is
 *   onboarded from their known interactions at request time (fold-in / profile / item similarity), no retraining.
 */
export function runColdProtocol(
  create: () => Recommender,
  data: Interactions,
  flags: ColdFlags,
  k: number,
  metrics: string[] | undefined,
  prepare: (model: Recommender) => Promise<void>,
): Promise<ColdResult> {
  const seed = Number(flags.seed ?? '0');
  return flags.protocol === 'cold-items'
    ? runColdItems(create, data, ratio('--test-items', flags.testItems, 0.2), seed, k, metrics, prepare)
    : runColdUsers(create, data, flags, seed, k, metrics, prepare);
}

async function runColdItems(
  create: () => Recommender,
  data: Interactions,
  share: number,
  seed: number,
  k: number,
  metrics: string[] | undefined,
  prepare: (model: Recommender) => Promise<void>,
): Promise<ColdResult> {
  const [split] = coldItems({ testItems: share, seed })(data);
  const model = create();
  await prepare(model);
  const t0 = performance.now();
  model.fit(split.train);
  const t1 = performance.now();
  const r = evaluateColdItems(model, split, { k, ...(metrics ? { metrics } : {}) });
  return {
    protocol: `cold-items ${share} seed ${seed}`,
    metrics: r.metrics,
    users: r.users,
    candidates: r.candidates,
    cannotScore: r.users > 0 && r.constantScores + r.emptyLists >= r.users,
    fitSeconds: (t1 - t0) / 1000,
    testSeconds: (performance.now() - t1) / 1000,
  };
}

async function runColdUsers(
  create: () => Recommender,
  data: Interactions,
  flags: ColdFlags,
  seed: number,
  k: number,
  metrics: string[] | undefined,
  prepare: (model: Recommender) => Promise<void>,
): Promise<ColdResult> {
  const share = ratio('--test-users', flags.testUsers, 0.2);
  const known = Number(flags.known ?? '5');
  if (!Number.isInteger(known) || known < 0)
    throw new UsageError(`--known must be an integer ≥ 0, got "${flags.known}"`);
  const [split] = coldUsers({ testUsers: share, known, seed })(data);
  const name = `cold-users ${share} known ${known} seed ${seed}${flags.onboard ? ' onboard' : ''}`;
  const model = create();
  await prepare(model);
  if (!flags.onboard) {
    const t0 = performance.now();
    model.fit(split.train);
    const t1 = performance.now();
    // Novelty is defined here (every item has training popularity), unlike among cold items.
    const r = evaluateColdUsers(model, split, { k, metrics: metrics ?? [...DEFAULT_COLD_START_METRICS, 'novelty'] });
    return {
      protocol: name,
      metrics: r.metrics,
      users: r.users,
      candidates: r.candidates,
      cannotScore: r.users > 0 && r.emptyLists >= r.users,
      fitSeconds: (t1 - t0) / 1000,
      testSeconds: (performance.now() - t1) / 1000,
    };
  }
  // Onboarding: the model never sees the cold users; their known rows arrive at request time.
  const cold = new Uint8Array(data.nUsers);
  for (const u of split.coldUsers) cold[u] = 1;
  const warm = split.train.filterRows((r) => cold[split.train.users[r]] === 0);
  const t0 = performance.now();
  model.fit(warm);
  const t1 = performance.now();
  const ms = (metrics ?? [`ndcg@${k}`, `precision@${k}`, `recall@${k}`, `map@${k}`, `hit@${k}`]).map((m) =>
    metricByName(m, k),
  );
  for (const m of ms)
    if (m.kind !== 'ranking') throw new UsageError(`--onboard evaluates ranking metrics only, not "${m.name}"`);
  const known_ = split.train.byUser(),
    test = split.test.byUser();
  const sums: Record<string, number> = Object.fromEntries(ms.map((m) => [m.name, 0]));
  let users = 0;
  const methods = new Map<string, number>();
  for (const u of split.coldUsers) {
    const a = test.indptr[u],
      b = test.indptr[u + 1];
    if (a === b) continue;
    const picked = [],
      values = [];
    for (let p = known_.indptr[u]; p < known_.indptr[u + 1]; p++) {
      picked.push(data.itemIds.id(known_.indices[p]));
      values.push(known_.values[p]);
    }
    const rec = onboard(model, picked, values, { k });
    methods.set(rec.method, (methods.get(rec.method) ?? 0) + 1);
    const rel = relevance(Int32Array.from(test.indices.subarray(a, b)).sort());
    for (const m of ms) sums[m.name] += (m as RankingMetric).compute(rec.indices, rel);
    users++;
  }
  return {
    protocol: name,
    metrics: Object.fromEntries(ms.map((m) => [m.name, users ? sums[m.name] / users : 0])),
    users,
    candidates: data.nItems,
    cannotScore: false,
    fitSeconds: (t1 - t0) / 1000,
    testSeconds: (performance.now() - t1) / 1000,
    method: [...methods].map(([m, n]) => `${m}×${n}`).join(', '),
  };
}
