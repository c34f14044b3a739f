import { InvalidParameterError, ModelFormatError } from '../../errors.js';
import type { Interactions } from '../../data/interactions.js';
import type { ParamDoc } from '../params.js';
import { Recommender, type ModelState } from '../recommender.js';
import type { ModelEntry } from '../registry.js';

/**
 * Options of `Popular`.
 *
 * @example
 * const opts: Partial<PopularOptions> = { measure: 'users', halfLifeDays: 30 };
 */
export type PopularOptions = {
  measure: string;
  halfLifeDays: number;
  timestampUnit: string;
};

const DEFAULTS = { measure: 'users', halfLifeDays: 0, timestampUnit: 'seconds' } as const satisfies PopularOptions;

const DOCS: Record<keyof PopularOptions, ParamDoc> = {
  measure: {
    description: 'users: distinct users per item; sum: sum of the interaction values per item.',
    choices: ['users', 'sum'],
  },
  halfLifeDays: {
    description: 'Exponential time decay: an interaction halfLifeDays older than the latest one counts half (0 = off).',
    min: 0,
  },
  timestampUnit: { description: 'Unit of the timestamps, for the decay.', choices: ['seconds', 'milliseconds'] },
};

const DAY = { seconds: 86_400, milliseconds: 86_400_000 } as const;

/**
 * Most-popular baseline: every user gets the same ranking, by item popularity. Popularity is the number of distinct
 * users of the item (`measure: 'users'`) or the sum of its interaction values (`'sum'`). With `halfLifeDays` > 0 each
 * interaction is weighted by 2^(−age / halfLife), its age measured from the latest training timestamp, so recent
 * interest counts more (a distinct user counts with the weight of her most recent interaction with the item).
 * The floor every personalised top-N model must beat.
 *
 * @example
 * const model = new Popular({ halfLifeDays: 30 }).fit(train);
 * model.recommend('196', { k: 10 }).ids; // the 10 most popular items the user has not seen
 */
export class Popular extends Recommender<PopularOptions> {
  readonly name = 'popular';
  readonly task = 'ranking' as const;
  private popularity: Float64Array = new Float64Array(0);

  constructor(opts: Partial<PopularOptions> = {}) {
    super('popular', DEFAULTS, DOCS, opts);
  }

  protected fitModel(data: Interactions): void {
    const halfLife = this.params.halfLifeDays;
    const ts = data.timestamps;
    if (halfLife > 0 && !ts)
      throw new InvalidParameterError('popular: halfLifeDays needs timestamps, and the training data has none', {
        model: 'popular',
        key: 'halfLifeDays',
      });
    this.popularity = itemPopularity(data, {
      distinctUsers: this.params.measure === 'users',
      halfLife: halfLife > 0 ? halfLife * DAY[this.params.timestampUnit as keyof typeof DAY] : 0,
    });
  }

  score(_u: number, i: number): number {
    return this.popularity[i];
  }

  override scoreItems(_u: number, out: Float32Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.popularity[i];
  }

  protected override scoreItemsForUnknownUser(out: Float32Array): void {
    this.scoreItems(-1, out);
  }

  protected saveState(): ModelState {
    return { meta: {}, arrays: { popularity: this.popularity } };
  }

  protected loadState(state: ModelState): void {
    const p = state.arrays.popularity;
    if (!(p instanceof Float64Array) || p.length !== this.training.nItems)
      throw new ModelFormatError('popular: popularity array does not match the training summary');
    this.popularity = p;
  }
}

/**
 * Popularity of each item: Σ weight over its rows, a user counted once with her largest weight when
 * `distinctUsers`; weight = value (sum) or 1 (distinct users), times 2^(−(t_max − t)/halfLife) when halfLife > 0
 * (same unit as the timestamps).
 *
 * @example
 * itemPopularity(train, { distinctUsers: true, halfLife: 0 }); // distinct users per item
 */
export function itemPopularity(data: Interactions, opts: { distinctUsers: boolean; halfLife: number }): Float64Array {
  const { indptr, indices, order } = data.byItem();
  const n = indptr.length - 1;
  const ts = opts.halfLife > 0 ? data.timestamps : null;
  let latest = -Infinity;
  if (ts) for (let r = 0; r < ts.length; r++) if (ts[r] > latest) latest = ts[r];
  const rate = ts ? Math.LN2 / opts.halfLife : 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (let p = indptr[i], end = indptr[i + 1]; p < end; p++) {
      const row = order[p];
      const decay = ts ? Math.exp(-rate * (latest - ts[row])) : 1;
      if (!opts.distinctUsers) {
        total += data.values[row] * decay;
        continue;
      }
      // Users are sorted within the item, so a user's repeated rows are adjacent: keep the largest weight.
      let best = decay;
      while (p + 1 < end && indices[p + 1] === indices[p]) {
        p++;
        if (ts) best = Math.max(best, Math.exp(-rate * (latest - ts[order[p]])));
      }
      total += best;
    }
    out[i] = total;
  }
  return out;
}

/**
 * Registry entry of Popular.
 *
 * @example
 * registerModel(popularEntry); // createModel('popular', { halfLifeDays: 14 }) then builds it
 */
export const popularEntry: ModelEntry<PopularOptions> = {
  name: 'popular',
  description: 'Most popular items (distinct users or summed values), optionally with exponential time decay.',
  task: 'ranking',
  defaults: DEFAULTS,
  docs: DOCS,
  create: (p) => new Popular(p),
};
