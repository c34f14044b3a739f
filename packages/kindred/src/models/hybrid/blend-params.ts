// Options, defaults and docs of the blenders. Kept apart from the classes (which import the registry to build
// their members) so that builtin.ts can list the blender entries without an import cycle reaching a class first.
import type { ParamDoc } from '../params.js';

/** Options every blender has: its members by registry name and their parameters. */
export type BlendMemberOptions = {
  /** Registry names, comma-separated, e.g. 'als,content-knn'. */
  members: string;
  /** JSON array of each member's parameters, e.g. '[{"factors":64},{}]'; '' for the defaults. */
  memberParams: string;
};

export type WeightedOptions = BlendMemberOptions & {
  weights: string;
  validation: number;
  validationUsers: number;
  gridStep: number;
  seed: number;
};

export type SwitchingOptions = BlendMemberOptions & { userThreshold: number; itemThreshold: number };

export type CascadeOptions = BlendMemberOptions & { candidates: number };

export type AugmentedOptions = BlendMemberOptions & { fill: number; fillValue: number };

export const MEMBER_DOCS: Record<keyof BlendMemberOptions, ParamDoc> = {
  members: { description: "Member models by registry name, comma-separated (e.g. 'als,content-knn')." },
  memberParams: {
    description: "JSON array with each member's parameters (e.g. '[{\"factors\":64},{}]'); empty for defaults.",
  },
};

export const WEIGHTED_DEFAULTS = {
  members: 'als,content-knn',
  memberParams: '',
  weights: '',
  validation: 0.2,
  validationUsers: 300,
  gridStep: 0.1,
  seed: 0,
} as const satisfies WeightedOptions;

export const WEIGHTED_DOCS: Record<keyof WeightedOptions, ParamDoc> = {
  ...MEMBER_DOCS,
  weights: {
    description: "Fixed member weights, comma-separated (e.g. '0.7,0.3'); empty: learn them on a validation split.",
  },
  validation: { description: 'Share of each user’s training rows held out to learn the weights.', min: 0.01, max: 0.9 },
  validationUsers: {
    description: 'Most validation users the weight search evaluates (seeded sample).',
    integer: true,
    min: 1,
  },
  gridStep: { description: 'Step of the weight grid on the simplex (weights sum to 1).', min: 0.01, max: 1 },
  seed: { description: 'Seed of the validation split and user sample.', integer: true },
};

export const SWITCHING_DEFAULTS = {
  members: 'content-knn,als',
  memberParams: '',
  userThreshold: 5,
  itemThreshold: 1,
} as const satisfies SwitchingOptions;

export const SWITCHING_DOCS: Record<keyof SwitchingOptions, ParamDoc> = {
  members: { description: "Two models: the cold-start one first, the warm one second (e.g. 'content-knn,als')." },
  memberParams: MEMBER_DOCS.memberParams,
  userThreshold: {
    description: 'Users with fewer training rows than this are served by the first member.',
    integer: true,
    min: 0,
  },
  itemThreshold: {
    description: 'Items with fewer training rows than this are scored by the first member.',
    integer: true,
    min: 0,
  },
};

export const CASCADE_DEFAULTS = {
  members: 'als,lightfm',
  memberParams: '',
  candidates: 100,
} as const satisfies CascadeOptions;

export const CASCADE_DOCS: Record<keyof CascadeOptions, ParamDoc> = {
  members: { description: "Two models: the candidate generator first, the re-ranker second (e.g. 'als,lightfm')." },
  memberParams: MEMBER_DOCS.memberParams,
  candidates: {
    description: 'Candidates the first member proposes per user (its top N unseen items).',
    integer: true,
    min: 1,
  },
};

export const AUGMENTED_DEFAULTS = {
  members: 'content-knn,als',
  memberParams: '',
  fill: 10,
  fillValue: 0.5,
} as const satisfies AugmentedOptions;

export const AUGMENTED_DOCS: Record<keyof AugmentedOptions, ParamDoc> = {
  members: {
    description:
      "Two models: the one whose scores become pseudo-interactions, then the learner (e.g. 'content-knn,als').",
  },
  memberParams: MEMBER_DOCS.memberParams,
  fill: {
    description: 'Pseudo-interactions added per user: the first member’s top unseen items.',
    integer: true,
    min: 0,
  },
  fillValue: { description: 'Value of each pseudo-interaction (real rows keep theirs).', min: 0 },
};
