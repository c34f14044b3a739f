// Registry entries of the hybrid blenders. The blender classes import the registry (to build their members), and
// the registry imports builtin.ts, which lists these entries: so this file imports no class. Each class module
// registers its constructor here when it loads (blenders.ts loads them all), and `create` looks it up; the defaults
// come from blend-params.ts. Whichever module of the cycle loads first, nothing is read before it is defined.
import { InvalidParameterError } from '../../errors.js';
import type { Params } from '../params.js';
import type { Recommender } from '../recommender.js';
import type { ModelEntry } from '../registry.js';
import {
  AUGMENTED_DEFAULTS,
  AUGMENTED_DOCS,
  CASCADE_DEFAULTS,
  CASCADE_DOCS,
  SWITCHING_DEFAULTS,
  SWITCHING_DOCS,
  WEIGHTED_DEFAULTS,
  WEIGHTED_DOCS,
  type AugmentedOptions,
  type CascadeOptions,
  type SwitchingOptions,
  type WeightedOptions,
} from './blend-params.js';

const factories = new Map<string, (p: Params) => Recommender>();

/**
 * Called by each blender module as it loads: how to build that blender.
 *
 * @example
 * registerBlenderFactory('weighted', (p) => new Weighted(p));
 */
export function registerBlenderFactory(name: string, create: (p: Params) => Recommender): void {
  factories.set(name, create);
}

function build<P extends Params>(name: string, p: Partial<P> | undefined): Recommender<P> {
  const f = factories.get(name);
  if (!f) throw new InvalidParameterError(`${name}: blender not loaded; import models/hybrid/blenders.js`);
  return f((p ?? {}) as Params) as Recommender<P>;
}

/** `weighted`: linear blend of members' z-scored scores, weights learned on a validation split or given. */
export const weightedEntry: ModelEntry<WeightedOptions> = {
  name: 'weighted',
  description:
    "Weighted hybrid: Σ w·z-score of member models (members 'als,content-knn'), weights learned by NDCG@10 on a validation split or given.",
  task: 'ranking',
  defaults: WEIGHTED_DEFAULTS,
  docs: WEIGHTED_DOCS,
  create: (p) => build<WeightedOptions>('weighted', p),
};

/** `switching`: the cold-start member for users/items with little history, the warm member otherwise. */
export const switchingEntry: ModelEntry<SwitchingOptions> = {
  name: 'switching',
  description:
    "Switching hybrid: first member for users/items with short histories, second otherwise (members 'content-knn,als').",
  task: 'ranking',
  defaults: SWITCHING_DEFAULTS,
  docs: SWITCHING_DOCS,
  create: (p) => build<SwitchingOptions>('switching', p),
};

/** `cascade`: one member's top-N candidates re-ranked by another. */
export const cascadeEntry: ModelEntry<CascadeOptions> = {
  name: 'cascade',
  description: "Cascade hybrid: the first member's top-N candidates re-ranked by the second (members 'als,lightfm').",
  task: 'ranking',
  defaults: CASCADE_DEFAULTS,
  docs: CASCADE_DOCS,
  create: (p) => build<CascadeOptions>('cascade', p),
};

/** `augmented`: content-boosted CF, the first member's top items added as pseudo-interactions for the second. */
export const augmentedEntry: ModelEntry<AugmentedOptions> = {
  name: 'augmented',
  description:
    "Feature augmentation (content-boosted CF): the first member's top unseen items become pseudo-interactions for the second (members 'content-knn,als').",
  task: 'ranking',
  defaults: AUGMENTED_DEFAULTS,
  docs: AUGMENTED_DOCS,
  create: (p) => build<AugmentedOptions>('augmented', p),
};
