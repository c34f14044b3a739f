import { InvalidParameterError } from '../errors.js';
import { FeatureMatrix } from '../data/features.js';
import type { IdMap, RawId } from '../data/id-map.js';
import { binKeyLabel, binOf, checkBins, type Bins } from './bins.js';
import { Tfidf, type TfidfOptions } from './tfidf.js';
import { tokenize, type TokenizerOptions } from './tokenize.js';

/** Reads one attribute of the row with raw id `id` (index `index`); null/undefined means "no value". */
export type FeatureGetter<T> = (id: RawId, index: number) => T | null | undefined;

/** A category value; numbers and booleans are turned into strings. */
export type CategoryValue = string | number | boolean;

/** Options every block takes. */
export interface BlockOptions {
  /** Multiplies the block's values, after `normalize` (default 1; must be ≥ 0). */
  weight?: number;
  /**
   * Scale the block's part of each row to unit length before weighting (default false), so that a block weighs the
   * same in every row however many values it has (e.g. 1 genre or 4). Text blocks are already unit length (TF-IDF).
   */
  normalize?: boolean;
}

/** Where a block's features sit in the built matrix: columns `start..end-1`. */
export interface FeatureBlockInfo {
  name: string;
  kind: 'categorical' | 'labels' | 'binned' | 'numeric' | 'text';
  start: number;
  end: number;
}

/** One block's part of the matrix: local feature names and CSR rows (indices ascending). */
interface BlockPart {
  names: string[];
  indptr: Int32Array;
  indices: Int32Array;
  values: Float64Array;
}

interface BlockSpec {
  name: string;
  kind: FeatureBlockInfo['kind'];
  opts: BlockOptions;
  make: (ids: IdMap, n: number) => BlockPart;
}

/**
 * Builds a `FeatureMatrix` whose rows align with an `IdMap` (row r describes `ids.id(r)`), block by block:
 * categories (multi-valued, one-hot), labels (`key=value` pairs), numbers cut into named bins or min-max scaled, and
 * text as TF-IDF. Feature names are `block=value` (`genre=Comedy`, `decade=1990s`, `title=star`), `key=value` for
 * labels and the block name for a scaled number; columns are ordered block by block, and inside a block by bin order
 * or alphabetically, so the same input always gives the same matrix. Blocks can be weighted and normalised; `build`
 * can l2-normalise whole rows.
 *
 * @example
 * const features = new FeatureBuilder(data.itemIds)
 *   .categorical('genre', (id) => movies.get(Number(id))?.genres)
 *   .binned('decade', (id) => movies.get(Number(id))?.year, decadeBins())
 *   .text('title', (id) => movies.get(Number(id))?.title, { minDf: 2, weight: 0.5 })
 *   .build();
 * features.names.slice(0, 2); // ['genre=Action', 'genre=Adventure']
 */
export class FeatureBuilder {
  private readonly specs: BlockSpec[] = [];
  private info: FeatureBlockInfo[] = [];

  constructor(readonly ids: IdMap) {}

  /** One feature per distinct value (`name=value`, weight 1); a getter may return one value or several. */
  categorical(
    name: string,
    get: FeatureGetter<CategoryValue | readonly CategoryValue[]>,
    opts: BlockOptions & { /** Drop values held by fewer rows (default 1). */ minCount?: number } = {},
  ): this {
    const minCount = opts.minCount ?? 1;
    return this.add(name, 'categorical', opts, (ids, n) => {
      const rows = collect(ids, n, (id, r) => {
        const v = get(id, r);
        if (v === null || v === undefined) return [];
        return (isList(v) ? v : [v]).map((x) => `${name}=${String(x)}`);
      });
      return oneHot(rows, minCount);
    });
  }

  /** `key=value` pairs per row (e.g. `{brand: 'acme', color: 'red'}` → `brand=acme`, `color=red`), weight 1 each. */
  labels(
    name: string,
    get: FeatureGetter<Readonly<Record<string, CategoryValue | null | undefined>>>,
    opts: BlockOptions & { minCount?: number } = {},
  ): this {
    return this.add(name, 'labels', opts, (ids, n) => {
      const rows = collect(ids, n, (id, r) => {
        const v = get(id, r);
        if (!v) return [];
        const out: string[] = [];
        for (const key of Object.keys(v)) {
          const x = v[key];
          if (x !== null && x !== undefined) out.push(`${key}=${String(x)}`);
        }
        return out;
      });
      return oneHot(rows, opts.minCount ?? 1);
    });
  }

  /** A number cut into named bins: one feature `name=label` per bin, weight 1 (see `Bins`). */
  binned(name: string, get: FeatureGetter<number>, bins: Bins, opts: BlockOptions = {}): this {
    checkBins(bins, `FeatureBuilder.binned("${name}")`);
    return this.add(name, 'binned', opts, (ids, n) => {
      const keys = new Float64Array(n).fill(NaN);
      const used = new Set<number>();
      for (let r = 0; r < n; r++) {
        const v = get(ids.id(r), r);
        const key = v === null || v === undefined ? null : binOf(bins, v);
        if (key !== null) {
          keys[r] = key;
          used.add(key);
        }
      }
      // Declared edges give a fixed feature space; width bins only those that occur. Either way in bin order.
      const order = 'edges' in bins ? bins.edges.slice(1).map((_, k) => k) : [...used].sort((a, b) => a - b);
      const column = new Map(order.map((key, c) => [key, c]));
      const indptr = new Int32Array(n + 1);
      const indices: number[] = [];
      for (let r = 0; r < n; r++) {
        if (keys[r] === keys[r]) indices.push(column.get(keys[r])!);
        indptr[r + 1] = indices.length;
      }
      return {
        names: order.map((key) => `${name}=${binKeyLabel(bins, key)}`),
        indptr,
        indices: Int32Array.from(indices),
        values: new Float64Array(indices.length).fill(1),
      };
    });
  }

  /** A number as one feature `name`: min-max scaled to [0, 1] over the rows (default) or as is. Zeros are not stored. */
  numeric(name: string, get: FeatureGetter<number>, opts: BlockOptions & { scale?: 'minmax' | 'none' } = {}): this {
    return this.add(name, 'numeric', opts, (ids, n) => {
      const raw = new Float64Array(n);
      let min = Infinity,
        max = -Infinity;
      for (let r = 0; r < n; r++) {
        const v = get(ids.id(r), r);
        raw[r] = v === null || v === undefined || !Number.isFinite(v) ? NaN : v;
        if (raw[r] < min) min = raw[r];
        if (raw[r] > max) max = raw[r];
      }
      const minmax = (opts.scale ?? 'minmax') === 'minmax';
      // A constant column scales to 0 (scikit-learn's MinMaxScaler), i.e. carries no information.
      const range = max > min ? max - min : Infinity;
      const indptr = new Int32Array(n + 1);
      const values: number[] = [];
      for (let r = 0; r < n; r++) {
        const v = raw[r];
        const x = v !== v ? 0 : minmax ? (v - min) / range : v;
        if (x !== 0) values.push(x);
        indptr[r + 1] = values.length;
      }
      return { names: [name], indptr, indices: new Int32Array(values.length), values: Float64Array.from(values) };
    });
  }

  /**
   * Text as TF-IDF over the rows (`tokenize`, then `Tfidf` with its options: sublinear tf, smooth idf, l2 norm,
   * minDf/maxDf/maxFeatures). Every row is a document; a row without text is an empty one.
   */
  text(name: string, get: FeatureGetter<string>, opts: BlockOptions & TokenizerOptions & TfidfOptions = {}): this {
    return this.add(name, 'text', opts, (ids, n) => {
      const docs: string[][] = [];
      for (let r = 0; r < n; r++) {
        const t = get(ids.id(r), r);
        docs.push(typeof t === 'string' ? tokenize(t, opts) : []);
      }
      const tfidf = Tfidf.fit(docs, opts);
      const indptr = new Int32Array(n + 1);
      const indices: number[] = [],
        values: number[] = [];
      for (let r = 0; r < n; r++) {
        const v = tfidf.transform(docs[r]);
        for (let p = 0; p < v.indices.length; p++) {
          indices.push(v.indices[p]);
          values.push(v.values[p]);
        }
        indptr[r + 1] = indices.length;
      }
      return {
        names: tfidf.vocabulary.map((t) => `${name}=${t}`),
        indptr,
        indices: Int32Array.from(indices),
        values: Float64Array.from(values),
      };
    });
  }

  /** Where each block's columns went in the last `build`. */
  blocks(): readonly FeatureBlockInfo[] {
    return this.info;
  }

  /**
   * The matrix: one row per id of the map (as it is now), blocks side by side, with block weights and normalisation
   * applied; `normalizeRows` then scales every non-empty row to unit length.
   */
  build(opts: { normalizeRows?: boolean } = {}): FeatureMatrix {
    const n = this.ids.size;
    const parts = this.specs.map((s) => s.make(this.ids, n));
    const names: string[] = [];
    const info: FeatureBlockInfo[] = [];
    for (let b = 0; b < parts.length; b++) {
      info.push({
        name: this.specs[b].name,
        kind: this.specs[b].kind,
        start: names.length,
        end: names.length + parts[b].names.length,
      });
      for (const f of parts[b].names) names.push(f);
    }
    const seen = new Set<string>();
    for (const f of names) {
      if (seen.has(f)) throw new InvalidParameterError(`FeatureBuilder: feature "${f}" is produced by two blocks`);
      seen.add(f);
    }
    let nnz = 0;
    for (const p of parts) nnz += p.indices.length;
    const indptr = new Int32Array(n + 1);
    const indices = new Int32Array(nnz);
    const values = new Float32Array(nnz);
    let k = 0;
    for (let r = 0; r < n; r++) {
      const rowStart = k;
      for (let b = 0; b < parts.length; b++) {
        const p = parts[b];
        const weight = this.specs[b].opts.weight ?? 1;
        let scale = weight;
        if (this.specs[b].opts.normalize) {
          let ss = 0;
          for (let q = p.indptr[r]; q < p.indptr[r + 1]; q++) ss += p.values[q] * p.values[q];
          if (ss > 0) scale = weight / Math.sqrt(ss);
        }
        for (let q = p.indptr[r]; q < p.indptr[r + 1]; q++) {
          const v = p.values[q] * scale;
          if (v === 0) continue;
          indices[k] = info[b].start + p.indices[q];
          values[k++] = v;
        }
      }
      if (opts.normalizeRows) normalizeSegment(values, rowStart, k);
      indptr[r + 1] = k;
    }
    this.info = info;
    return new FeatureMatrix(n, names, indptr, indices.slice(0, k), values.slice(0, k));
  }

  private add(name: string, kind: FeatureBlockInfo['kind'], opts: BlockOptions, make: BlockSpec['make']): this {
    if (!name || name.includes('='))
      throw new InvalidParameterError(`FeatureBuilder: block name must be non-empty and without "=", got "${name}"`);
    if (this.specs.some((s) => s.name === name))
      throw new InvalidParameterError(`FeatureBuilder: there is already a block named "${name}"`);
    const w = opts.weight ?? 1;
    if (!(w >= 0) || !Number.isFinite(w))
      throw new InvalidParameterError(`FeatureBuilder: weight of "${name}" must be a finite number ≥ 0, got ${w}`);
    this.specs.push({ name, kind, opts, make });
    return this;
  }
}

function isList(v: CategoryValue | readonly CategoryValue[]): v is readonly CategoryValue[] {
  return Array.isArray(v);
}

function collect(ids: IdMap, n: number, row: (id: RawId, r: number) => string[]): string[][] {
  const rows: string[][] = [];
  for (let r = 0; r < n; r++) rows.push(row(ids.id(r), r));
  return rows;
}

/** One-hot columns for the distinct names (alphabetical, code-unit order), keeping those in ≥ minCount rows. */
function oneHot(rows: string[][], minCount: number): BlockPart {
  if (!Number.isInteger(minCount) || minCount < 1)
    throw new InvalidParameterError(`FeatureBuilder: minCount must be an integer ≥ 1, got ${minCount}`);
  const count = new Map<string, number>();
  for (const row of rows) for (const f of new Set(row)) count.set(f, (count.get(f) ?? 0) + 1);
  const names = [...count.keys()].filter((f) => count.get(f)! >= minCount).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const column = new Map(names.map((f, c) => [f, c]));
  const indptr = new Int32Array(rows.length + 1);
  const indices: number[] = [];
  for (let r = 0; r < rows.length; r++) {
    const cols = [...new Set(rows[r])].map((f) => column.get(f)).filter((c): c is number => c !== undefined);
    cols.sort((a, b) => a - b);
    for (const c of cols) indices.push(c);
    indptr[r + 1] = indices.length;
  }
  return { names, indptr, indices: Int32Array.from(indices), values: new Float64Array(indices.length).fill(1) };
}

function normalizeSegment(values: Float32Array, start: number, end: number): void {
  let ss = 0;
  for (let q = start; q < end; q++) ss += values[q] * values[q];
  if (ss === 0) return;
  const inv = 1 / Math.sqrt(ss);
  for (let q = start; q < end; q++) values[q] *= inv;
}
