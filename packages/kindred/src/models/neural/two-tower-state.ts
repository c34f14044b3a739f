// Saving and loading the two-tower model's own state: the towers' weights (`w.<name>`), their shape, and the item and
// user feature matrices the model was trained with (so a loaded model still knows its features' names and can place
// a new item from them). The served user and item vectors are the factor model's arrays, saved by FactorModel.
import { FeatureMatrix } from '../../data/features.js';
import { ModelFormatError } from '../../errors.js';
import type { ModelState } from '../recommender.js';
import { towerWeightSizes, type TowerShape, type TowerWeights } from './two-tower-net.js';

/** What `readTowerState` restores. */
export interface TowerState {
  weights: TowerWeights;
  shape: TowerShape;
  bestEpoch: number;
  itemExternal: FeatureMatrix | null;
  userExternal: FeatureMatrix | null;
}

/**
 * The model-specific part of a saved two-tower model (merged with the factor model's own).
 *
 * @example
 * const own = towerState(weights, shape, bestEpoch, itemFeatures, null);
 */
export function towerState(
  weights: TowerWeights,
  shape: TowerShape,
  bestEpoch: number,
  itemExternal: FeatureMatrix | null,
  userExternal: FeatureMatrix | null,
): ModelState {
  const arrays: ModelState['arrays'] = {};
  for (const [k, v] of Object.entries(weights)) arrays[`w.${k}`] = v;
  const meta: Record<string, unknown> = { shape: { ...shape }, bestEpoch };
  for (const [side, m] of [
    ['item', itemExternal],
    ['user', userExternal],
  ] as const) {
    if (!m) continue;
    meta[`${side}FeatureNames`] = m.names;
    arrays[`${side}Features.indptr`] = m.indptr;
    arrays[`${side}Features.indices`] = m.indices;
    arrays[`${side}Features.values`] = m.values;
  }
  return { meta, arrays };
}

/**
 * Reads what `towerState` wrote, checking every array against the shape and the training summary's sizes; a
 * missing or mis-sized part is a ModelFormatError.
 *
 * @example
 * const { weights, shape } = readTowerState(state, summary.nItems, summary.nUsers);
 */
export function readTowerState(state: ModelState, nItems: number, nUsers: number): TowerState {
  const { meta, arrays } = state;
  const external = (side: 'item' | 'user', n: number): FeatureMatrix | null => {
    const names = meta[`${side}FeatureNames`];
    if (names === undefined) return null;
    const indptr = arrays[`${side}Features.indptr`],
      indices = arrays[`${side}Features.indices`],
      values = arrays[`${side}Features.values`];
    if (
      !Array.isArray(names) ||
      !(indptr instanceof Int32Array && indices instanceof Int32Array && values instanceof Float32Array) ||
      indptr.length !== n + 1
    )
      throw new ModelFormatError(`two-tower: model file ${side} features are missing or inconsistent`);
    return new FeatureMatrix(n, names.map(String), indptr, indices, values);
  };
  const itemExternal = external('item', nItems);
  const userExternal = external('user', nUsers);
  const shape = readShape(meta.shape, nItems, itemExternal, userExternal);
  const weights: TowerWeights = {};
  for (const [name, size] of Object.entries(towerWeightSizes(shape))) {
    const a = arrays[`w.${name}`];
    if (!(a instanceof Float32Array) || a.length !== size)
      throw new ModelFormatError(`two-tower: weight "${name}" is not a float32 array of ${size} values`);
    weights[name] = a;
  }
  const bestEpoch = typeof meta.bestEpoch === 'number' ? meta.bestEpoch : 0;
  return { weights, shape, bestEpoch, itemExternal, userExternal };
}

/** The saved shape, checked against the training summary and the saved features. */
function readShape(
  raw: unknown,
  items: number,
  itemExternal: FeatureMatrix | null,
  userExternal: FeatureMatrix | null,
): TowerShape {
  const o = (raw ?? {}) as Record<string, unknown>;
  const int = (k: string, min: number) => {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      throw new ModelFormatError(`two-tower: model file shape.${k} is missing or invalid`);
    return v;
  };
  const scale = o.scale;
  if (typeof scale !== 'number' || !(scale >= 0))
    throw new ModelFormatError('two-tower: model file shape.scale is invalid');
  const shape: TowerShape = {
    items: int('items', 0),
    itemFeatures: int('itemFeatures', 0),
    userFeatures: int('userFeatures', 0),
    dim: int('dim', 1),
    hidden: int('hidden', 0),
    out: int('out', 1),
    scale,
  };
  if (
    shape.items !== items ||
    shape.itemFeatures !== (itemExternal?.nFeatures ?? 0) ||
    shape.userFeatures !== (userExternal?.nFeatures ?? 0)
  )
    throw new ModelFormatError('two-tower: model file shape does not match its items and features');
  return shape;
}
