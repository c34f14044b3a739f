import type { Split } from '../data/split.js';
import type { Recommender } from '../models/recommender.js';
import { evaluateRanking, type EvaluateRankingOptions, type RankingEvaluation } from './evaluate-ranking.js';

/** The ranking metrics the cold-start evaluations report by default (novelty is undefined for items without history). */
export const DEFAULT_COLD_START_METRICS: readonly string[] = Object.freeze([
  'precision',
  'recall',
  'ndcg',
  'map',
  'mrr',
  'hit',
  'coverage',
]);

/** A cold-start evaluation: the ranking evaluation plus how often the model could not rank at all. */
export interface ColdStartEvaluation extends RankingEvaluation {
  /** Items ranked among (cold-item protocol: the cold items; cold-user protocol: every item). */
  candidates: number;
  /**
   * Evaluated users whose list came back empty: the model could score none of the candidates for them (a pure
   * collaborative model on cold items, a profile model for a user with no known rows). Their metrics count as 0.
   */
  emptyLists: number;
  /**
   * Cold-item protocol only: evaluated users for whom the model gave every scorable candidate the same score (or
   * could score none). Their lists carry no information: the order is the tie-break, lower item index first, which
   * is not random (readers number items by first appearance, so on ML-100K low indices are the popular films). Report
   * such a model as "cannot score", not by its metrics. Always 0 for `evaluateColdUsers`.
   */
  constantScores: number;
}

/**
 * Evaluates a fitted model on a cold-item split (`coldItems`): for every test user, rank only the cold items
 * (`candidates`) and score the list against the user's test rows, which all concern cold items. A model that cannot
 * score items without training rows returns empty lists (counted in `emptyLists`, metric 0); a popularity ranking
 * has nothing to go on (every cold item has popularity 0) and orders by index. Options as `evaluateRanking`;
 * candidates come from `split.coldItems`, or else are the test items without training rows.
 *
 * @example
 * const [split] = coldItems({ testItems: 0.2, seed: 0 })(data);
 * const model = new Profile().withItemFeatures(features).fit(split.train);
 * evaluateColdItems(model, split, { k: 10 }).metrics['ndcg@10'];
 */
export function evaluateColdItems(
  model: Recommender,
  split: Split & { coldItems?: Int32Array },
  opts: Omit<EvaluateRankingOptions, 'candidates'> = {},
): ColdStartEvaluation {
  const candidates = split.coldItems ?? itemsOnlyInTest(split);
  const keepPerUser = opts.keepPerUser ?? false;
  const r = evaluateRanking(model, split.train, split.test, {
    metrics: DEFAULT_COLD_START_METRICS,
    ...opts,
    candidates,
    keepLists: true,
    keepPerUser: true,
  });
  const constant = countConstantScores(model, r.perUser!.users, candidates);
  if (!keepPerUser) delete r.perUser;
  return finish(r, candidates.length, opts.keepLists ?? false, constant);
}

/**
 * Evaluates a fitted model on a cold-user split (`coldUsers`): every cold user with test rows is evaluated over the
 * whole catalogue (their `known` training rows excluded), including users the model never saw (`known = 0`).
 *
 * @example
 * const [split] = coldUsers({ testUsers: 0.2, known: 5, seed: 0 })(data);
 * evaluateColdUsers(new Profile().withItemFeatures(features).fit(split.train), split).metrics['ndcg@10'];
 */
export function evaluateColdUsers(
  model: Recommender,
  split: Split,
  opts: Omit<EvaluateRankingOptions, 'skipColdUsers'> = {},
): ColdStartEvaluation {
  const r = evaluateRanking(model, split.train, split.test, {
    metrics: DEFAULT_COLD_START_METRICS,
    ...opts,
    skipColdUsers: false,
    keepLists: true,
  });
  return finish(r, opts.candidates?.length ?? model.training.nItems, opts.keepLists ?? false, 0);
}

/** Users whose finite candidate scores are all equal, or who have none. */
function countConstantScores(model: Recommender, users: Int32Array, candidates: Int32Array): number {
  const nItems = model.training.nItems;
  const buf = new Float32Array(nItems);
  let constant = 0;
  for (let k = 0; k < users.length; k++) {
    const u = users[k];
    if (u >= model.training.nUsers) {
      constant++;
      continue;
    }
    model.scoreItems(u, buf);
    let first = NaN,
      varied = false;
    for (let c = 0; c < candidates.length && !varied; c++) {
      const i = candidates[c];
      if (i >= nItems) continue;
      const v = buf[i];
      if (!(v > -Infinity && v < Infinity)) continue;
      if (first !== first) first = v;
      else if (v !== first) varied = true;
    }
    if (!varied) constant++;
  }
  return constant;
}

function finish(
  r: RankingEvaluation,
  candidates: number,
  keepLists: boolean,
  constantScores: number,
): ColdStartEvaluation {
  const lists = r.lists!;
  let emptyLists = 0;
  for (let k = 0; k + 1 < lists.indptr.length; k++) if (lists.indptr[k + 1] === lists.indptr[k]) emptyLists++;
  const out: ColdStartEvaluation = { ...r, candidates, emptyLists, constantScores };
  if (!keepLists) delete out.lists;
  return out;
}

/** Test items that have no training rows, ascending. */
function itemsOnlyInTest(split: Split): Int32Array {
  const trainCounts = split.train.itemCounts();
  const testCounts = split.test.itemCounts();
  const out: number[] = [];
  for (let i = 0; i < testCounts.length; i++)
    if (testCounts[i] > 0 && !(i < trainCounts.length && trainCounts[i] > 0)) out.push(i);
  return Int32Array.from(out);
}
