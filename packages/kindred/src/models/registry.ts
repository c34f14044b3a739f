import { InvalidParameterError, ModelFormatError } from '../errors.js';
import { IdMap, type RawId } from '../data/id-map.js';
import { BUILTIN_MODELS } from './builtin.js';
import { readModelFile, writeModelFile } from './model-file.js';
import type { ParamDoc, Params } from './params.js';
import type { ModelTask, Recommender, TrainingSummary } from './recommender.js';

/** What the registry knows of a model: how to build it, its defaults and what each option means (convention 11). */
export interface ModelEntry<P extends Params = Params> {
  name: string;
  description: string;
  task: ModelTask;
  defaults: Readonly<P>;
  docs: Partial<Record<keyof P, ParamDoc>>;
  create(params?: Partial<P>): Recommender<P>;
}

// Each model module exports its entry; builtin.ts is the one place that lists them.
const ENTRIES: ModelEntry[] = [...BUILTIN_MODELS];

/** Adds a model to the registry (used by models/index.ts, and by applications for their own models). */
export function registerModel<P extends Params>(entry: ModelEntry<P>): void {
  const existing = ENTRIES.findIndex((e) => e.name === entry.name);
  if (existing >= 0) ENTRIES.splice(existing, 1);
  ENTRIES.push(entry as unknown as ModelEntry);
}

/** The registered models, in registration order. */
export function listModels(): readonly ModelEntry[] {
  return ENTRIES;
}

/** The entry for `name`; throws naming the valid names. */
export function getModelEntry(name: string): ModelEntry {
  const e = ENTRIES.find((x) => x.name === name);
  if (!e)
    throw new InvalidParameterError(`unknown algorithm "${name}"; known: ${ENTRIES.map((x) => x.name).join(', ')}`);
  return e;
}

/**
 * A new, unfitted model by registry name.
 *
 * @example
 * const model = createModel('svd', { factors: 50, seed: 1 });
 */
export function createModel(name: string, params: Params = {}): Recommender {
  return getModelEntry(name).create(params);
}

/** Serializes a fitted model (versioned binary: JSON header + typed arrays + CRC-32). */
export function saveModel(model: Recommender): Uint8Array {
  const s = model.training;
  const state = model.exportState();
  const arrays: Record<string, Float32Array | Float64Array | Int32Array | Uint8Array | Uint32Array | Int8Array> = {
    'base.seenIndptr': s.seenIndptr,
    'base.seenIndices': s.seenIndices,
    'base.itemCounts': s.itemCounts,
  };
  for (const [k, v] of Object.entries(state.arrays)) arrays[`model.${k}`] = v;
  return writeModelFile(
    {
      kind: 'kindred-model',
      model: model.name,
      params: model.getParams(),
      summary: {
        nUsers: s.nUsers,
        nItems: s.nItems,
        globalMean: s.globalMean,
        ratingMin: s.ratingMin,
        ratingMax: s.ratingMax,
        userIds: s.userIds.ids().slice(0, s.nUsers),
        itemIds: s.itemIds.ids().slice(0, s.nItems),
      },
      meta: state.meta,
    },
    arrays,
  );
}

/**
 * Reads a model written by `saveModel`. Fails with ModelFormatError on corruption, version or unknown model kind;
 * never evaluates code from the file.
 *
 * @example
 * const bytes = saveModel(model);
 * const again = loadModel(bytes);
 */
export function loadModel(bytes: Uint8Array): Recommender {
  const { header, arrays } = readModelFile(bytes);
  if (header.kind !== 'kindred-model' || typeof header.model !== 'string')
    throw new ModelFormatError('model file does not describe a Kindred model');
  const entry = ENTRIES.find((e) => e.name === header.model);
  if (!entry) throw new ModelFormatError(`model file holds unknown model kind "${header.model}"`);
  let model: Recommender;
  try {
    model = entry.create((header.params ?? {}) as Params);
  } catch (e) {
    throw new ModelFormatError(`model file parameters are invalid: ${(e as Error).message}`);
  }
  const sm = header.summary as Record<string, unknown> | undefined;
  const need = (name: string) => {
    const a = arrays[name];
    if (!a) throw new ModelFormatError(`model file lacks array "${name}"`);
    return a;
  };
  if (!sm || !Array.isArray(sm.userIds) || !Array.isArray(sm.itemIds))
    throw new ModelFormatError('model file lacks its training summary');
  const summary: TrainingSummary = {
    userIds: IdMap.from(sm.userIds as RawId[]),
    itemIds: IdMap.from(sm.itemIds as RawId[]),
    nUsers: Number(sm.nUsers),
    nItems: Number(sm.nItems),
    globalMean: Number(sm.globalMean),
    ratingMin: Number(sm.ratingMin),
    ratingMax: Number(sm.ratingMax),
    seenIndptr: need('base.seenIndptr') as Int32Array,
    seenIndices: need('base.seenIndices') as Int32Array,
    itemCounts: need('base.itemCounts') as Int32Array,
  };
  if (!seenListsConsistent(summary)) throw new ModelFormatError('model file training summary is inconsistent');
  const modelArrays: Record<string, Float32Array | Float64Array | Int32Array | Uint8Array | Uint32Array | Int8Array> =
    {};
  for (const [k, v] of Object.entries(arrays)) if (k.startsWith('model.')) modelArrays[k.slice(6)] = v;
  try {
    model.restoreSummary(summary, { meta: (header.meta ?? {}) as Record<string, unknown>, arrays: modelArrays });
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    throw new ModelFormatError(`model file state is invalid: ${(e as Error).message}`);
  }
  return model;
}

/**
 * The summary's seen-items CSR must be a valid index before any model trusts it: `recommend` reads
 * `seenIndices[seenIndptr[u]..seenIndptr[u+1])` and marks those items, so a short or out-of-range list would read
 * past the array or exclude the wrong items instead of failing.
 */
function seenListsConsistent(s: TrainingSummary): boolean {
  const { seenIndptr: indptr, seenIndices: indices, itemCounts, nUsers, nItems } = s;
  if (!Number.isInteger(nUsers) || !Number.isInteger(nItems) || nUsers < 0 || nItems < 0) return false;
  if (!(indptr instanceof Int32Array) || !(indices instanceof Int32Array) || !(itemCounts instanceof Int32Array))
    return false;
  if (indptr.length !== nUsers + 1 || itemCounts.length !== nItems) return false;
  // Every index must have its raw id (recommend maps indices back to ids); duplicate ids would shrink the map.
  if (s.userIds.size !== nUsers || s.itemIds.size !== nItems) return false;
  if (indptr[0] !== 0 || indptr[nUsers] !== indices.length) return false;
  for (let u = 0; u < nUsers; u++) if (indptr[u + 1] < indptr[u]) return false;
  for (let p = 0; p < indices.length; p++) if (indices[p] < 0 || indices[p] >= nItems) return false;
  return true;
}
