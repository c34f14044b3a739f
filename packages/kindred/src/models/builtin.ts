// The models that ship with Kindred. Add one line per model; the registry reads this list.
import { normalPredictorEntry } from './baseline/normal-predictor.js';
import type { ModelEntry } from './registry.js';

export const BUILTIN_MODELS: readonly ModelEntry[] = [normalPredictorEntry as unknown as ModelEntry];
