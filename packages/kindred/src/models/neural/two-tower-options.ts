// The options of the two-tower model, their defaults and their documentation, apart from the model so that its file
// holds only the training and serving logic.
import type { ParamDoc } from '../params.js';

/**
 * Options of `TwoTower`; see DOCS for each.
 *
 * @example
 * const opts: Partial<TwoTowerOptions> = { factors: 64, temperature: 0.05 };
 */
export type TwoTowerOptions = {
  epochs: number;
  dim: number;
  hidden: number;
  factors: number;
  historyLength: number;
  normalize: boolean;
  temperature: number;
  idDropout: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  patience: number;
  seed: number;
};

/** The defaults, tuned on ML-100K cold items (see two-tower.ts): unnormalised outputs, full id embeddings. */
export const TWO_TOWER_DEFAULTS = {
  epochs: 20,
  dim: 64,
  hidden: 128,
  factors: 64,
  historyLength: 50,
  normalize: false,
  temperature: 0.05,
  idDropout: 0,
  batchSize: 256,
  learningRate: 1e-3,
  weightDecay: 0,
  patience: 5,
  seed: 0,
} as const satisfies TwoTowerOptions;

/** What each option means (`kindred models`). */
export const TWO_TOWER_DOCS: Record<keyof TwoTowerOptions, ParamDoc> = {
  epochs: {
    description: 'Passes over the training pairs; fewer when early stopping ends training.',
    min: 1,
    integer: true,
  },
  dim: { description: 'Width of the history, item id and feature embeddings.', min: 1, integer: true },
  hidden: {
    description: 'Width of each tower’s hidden ReLU layer (0: each tower is one linear layer).',
    min: 0,
    integer: true,
  },
  factors: {
    description: 'Width of the towers’ outputs: the user and item vectors that are served.',
    min: 1,
    integer: true,
  },
  historyLength: {
    description: 'How many of the user’s newest training items the user tower pools (mean of their embeddings).',
    min: 1,
    integer: true,
  },
  normalize: { description: 'L2-normalise both towers’ outputs, so scores are cosines divided by the temperature.' },
  temperature: {
    description: 'τ of the normalised softmax: logits are cos(u, v)/τ (ignored without normalize).',
    min: 1e-4,
  },
  idDropout: {
    description:
      'Chance that a training row’s item id embedding is dropped, so the item tower also learns to place items from ' +
      'their features alone (as it must for new items).',
    min: 0,
    max: 1,
  },
  batchSize: {
    description: 'Training pairs per step; the batch’s items are each other’s negatives.',
    min: 2,
    integer: true,
  },
  learningRate: { description: 'Adam learning rate.', min: 0 },
  weightDecay: { description: 'L2 penalty λ·θ added to the gradient (touched embedding rows only).', min: 0 },
  patience: {
    description:
      'With a validation split: stop after this many epochs without a better validation NDCG@10 (best weights kept).',
    min: 1,
    integer: true,
  },
  seed: { description: 'Seed of the initialisation, the pair order and the id dropout.', integer: true },
};
