import { InvalidParameterError } from '../errors.js';

/** A model's options: flat, JSON-serializable, so they can travel through the CLI, config files and saved models. */
export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

/** Documentation of one parameter: shown by `kindred models` and in docs/models.md. */
export interface ParamDoc {
  description: string;
  /** Allowed values for string parameters. */
  choices?: readonly string[];
  /** Inclusive bounds for numbers. */
  min?: number;
  max?: number;
  integer?: boolean;
}

/**
 * Merges user options over defaults (convention 3), failing on unknown keys (naming the valid ones), wrong types,
 * values outside documented choices or bounds.
 */
export function resolveParams<P extends Params>(
  model: string,
  defaults: P,
  docs: Partial<Record<keyof P, ParamDoc>>,
  opts: Partial<P> = {},
): P {
  const out: Params = { ...defaults };
  for (const [key, value] of Object.entries(opts)) {
    if (value === undefined) continue;
    if (!(key in defaults)) {
      throw new InvalidParameterError(
        `${model}: unknown parameter "${key}"; valid parameters are ${Object.keys(defaults).join(', ')}`,
        { model, key },
      );
    }
    const expected = typeof defaults[key];
    if (typeof value !== expected) {
      throw new InvalidParameterError(
        `${model}: parameter "${key}" must be a ${expected}, got ${JSON.stringify(value)}`,
        { model, key },
      );
    }
    const doc = docs[key as keyof P];
    if (doc) checkDoc(model, key, value, doc);
    out[key] = value;
  }
  return out as P;
}

function checkDoc(model: string, key: string, value: ParamValue, doc: ParamDoc): void {
  if (typeof value === 'string' && doc.choices && !doc.choices.includes(value)) {
    throw new InvalidParameterError(
      `${model}: parameter "${key}" must be one of ${doc.choices.join(', ')}, got ${JSON.stringify(value)}`,
      { model, key },
    );
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidParameterError(`${model}: parameter "${key}" must be finite`);
    if (doc.integer && !Number.isInteger(value))
      throw new InvalidParameterError(`${model}: parameter "${key}" must be an integer, got ${value}`, { model, key });
    if (doc.min !== undefined && value < doc.min)
      throw new InvalidParameterError(`${model}: parameter "${key}" must be ≥ ${doc.min}, got ${value}`, {
        model,
        key,
      });
    if (doc.max !== undefined && value > doc.max)
      throw new InvalidParameterError(`${model}: parameter "${key}" must be ≤ ${doc.max}, got ${value}`, {
        model,
        key,
      });
  }
}

/**
 * Parses a `key=value` string from the CLI into the type of the default (numbers, booleans, strings).
 *
 * @example
 * parseParamAssignment('factors=64', { factors: 100 }); // ['factors', 64]
 */
export function parseParamAssignment(text: string, defaults: Params, model = 'model'): [string, ParamValue] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidParameterError(`--param expects key=value, got "${text}"`);
  const key = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1).trim();
  if (!(key in defaults)) {
    throw new InvalidParameterError(
      `${model}: unknown parameter "${key}"; valid parameters are ${Object.keys(defaults).join(', ')}`,
    );
  }
  const kind = typeof defaults[key];
  if (kind === 'number') {
    const v = Number(raw);
    if (raw === '' || !Number.isFinite(v))
      throw new InvalidParameterError(`${model}: parameter "${key}" expects a number, got "${raw}"`);
    return [key, v];
  }
  if (kind === 'boolean') {
    if (raw === 'true' || raw === '1') return [key, true];
    if (raw === 'false' || raw === '0') return [key, false];
    throw new InvalidParameterError(`${model}: parameter "${key}" expects true or false, got "${raw}"`);
  }
  return [key, raw];
}
