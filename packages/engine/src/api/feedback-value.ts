import { valueRange, type EngineConfig } from '../config.js';
import { ApiError } from './errors.js';

type FeedbackType = EngineConfig['feedback']['types'][string];

/**
 * Checks an event's `value` against its feedback type, for every route that takes events (`POST /api/feedback`, the
 * session recommendations): required when the type uses values, and within the type's inclusive range
 * (`valueRange`: its `min`/`max`, else ±1e6), the default 1 included. Returns the value to use; throws a 400
 * VALIDATION naming `path`, the type and the range. The range is what keeps a value like 1e308 out of the store,
 * where it would otherwise overflow every model trained on it.
 *
 * @example
 * checkedValue('rating', { weight: 1, useValue: true, min: 0, max: 5 }, 4.5, 'body.0.value'); // 4.5
 * checkedValue('rating', { weight: 1, useValue: true, min: 0, max: 5 }, 1e308, 'body.0.value'); // throws
 */
export function checkedValue(typeName: string, type: FeedbackType, value: number | undefined, path: string): number {
  if (type.useValue && value === undefined)
    throw new ApiError('VALIDATION', `${path} is required for feedback type "${typeName}"`, path);
  const v = value ?? 1;
  const { min, max } = valueRange(type);
  if (v >= min && v <= max) return v;
  throw new ApiError(
    'VALIDATION',
    value === undefined
      ? `${path} is required for feedback type "${typeName}": the default 1 is outside its range ${min}..${max}`
      : `${path} ${v} is outside the range of feedback type "${typeName}": ${min}..${max}`,
    path,
  );
}
