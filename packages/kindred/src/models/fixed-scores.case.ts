// A test model whose scores are a fixed table, so tests of blenders and the pipeline can derive every number by hand.
import { ScoreImpossibleError } from '../errors.js';
import type { Params } from './params.js';
import { Recommender, type ModelState } from './recommender.js';
import type { ModelEntry } from './registry.js';

/** A ranking model entry whose score of item i is `table[i]` for every user (null: impossible). */
export function fixedScoresEntry(name: string, table: (number | null)[]): ModelEntry {
  class FixedScores extends Recommender<Params> {
    readonly name = name;
    readonly task = 'ranking' as const;
    constructor(opts: Partial<Params> = {}) {
      super(name, {}, {}, opts);
    }
    protected fitModel(): void {}
    score(_u: number, i: number): number {
      const v = table[i];
      if (v === null || v === undefined) throw new ScoreImpossibleError('not in the table');
      return v;
    }
    protected saveState(): ModelState {
      return { meta: {}, arrays: {} };
    }
    protected loadState(): void {}
  }
  return {
    name,
    description: 'fixed scores (tests)',
    task: 'ranking',
    defaults: {},
    docs: {},
    create: (p) => new FixedScores(p),
  };
}
