import { InvalidParameterError } from '../errors.js';

/**
 * A sparse feature matrix in CSR form: row r (a user or item index) has features `indices[indptr[r]..indptr[r+1])`
 * with weights `values` alongside; `names[f]` says what feature f is (e.g. 'genre=Comedy', 'year=1990s',
 * 'word=star'). Rows align with an `IdMap`'s indices, so a model can look up an item's features by its index.
 *
 * @example
 * const f = FeatureMatrix.fromRows(2, ['genre=Comedy', 'genre=Drama'], [[[0, 1]], [[0, 1], [1, 1]]]);
 * f.rowNnz(1); // 2
 */
export class FeatureMatrix {
  constructor(
    readonly nRows: number,
    readonly names: readonly string[],
    readonly indptr: Int32Array,
    readonly indices: Int32Array,
    readonly values: Float32Array,
  ) {
    if (indptr.length !== nRows + 1)
      throw new InvalidParameterError(`FeatureMatrix: indptr must have ${nRows + 1} entries`);
    if (indices.length !== values.length || indptr[nRows] !== indices.length)
      throw new InvalidParameterError('FeatureMatrix: indices, values and indptr disagree');
    for (let k = 0; k < indices.length; k++)
      if (indices[k] < 0 || indices[k] >= names.length)
        throw new InvalidParameterError(`FeatureMatrix: feature index ${indices[k]} out of range`);
  }

  get nFeatures(): number {
    return this.names.length;
  }

  /** Builds from per-row lists of [feature, weight] pairs. */
  static fromRows(
    nRows: number,
    names: readonly string[],
    rows: ReadonlyArray<ReadonlyArray<readonly [number, number]>>,
  ): FeatureMatrix {
    const indptr = new Int32Array(nRows + 1);
    for (let r = 0; r < nRows; r++) indptr[r + 1] = indptr[r] + (rows[r]?.length ?? 0);
    const indices = new Int32Array(indptr[nRows]),
      values = new Float32Array(indptr[nRows]);
    for (let r = 0; r < nRows; r++) {
      let k = indptr[r];
      for (const [f, w] of rows[r] ?? []) {
        indices[k] = f;
        values[k++] = w;
      }
    }
    return new FeatureMatrix(nRows, names, indptr, indices, values);
  }

  rowNnz(r: number): number {
    return this.indptr[r + 1] - this.indptr[r];
  }
}
