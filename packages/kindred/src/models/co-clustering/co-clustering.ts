import { ModelFitError, ScoreImpossibleError } from '../../errors.js';
import type { Interactions } from '../../data/interactions.js';
import { Rng } from '../../math/rng.js';
import type { ParamDoc } from '../params.js';
import type { ModelEntry } from '../registry.js';
import { Recommender, type FitOptions, type ModelState } from '../recommender.js';

export type CoClusteringOptions = {
  nCltrU: number;
  nCltrI: number;
  epochs: number;
  seed: number;
};

// Surprise 1.1.4 `CoClustering` defaults.
const DEFAULTS = { nCltrU: 3, nCltrI: 3, epochs: 20, seed: 0 } as const satisfies CoClusteringOptions;

const DOCS: Record<keyof CoClusteringOptions, ParamDoc> = {
  nCltrU: { description: 'Number of user clusters.', integer: true, min: 1 },
  nCltrI: { description: 'Number of item clusters.', integer: true, min: 1 },
  epochs: { description: 'Rounds of reassigning users, then items, to their best cluster.', integer: true, min: 0 },
  seed: { description: 'Seed of the random initial cluster assignment.', integer: true },
};

/** Averages of the user clusters, item clusters and co-clusters (row-major nCltrU × nCltrI). */
interface ClusterAverages {
  user: Float64Array;
  item: Float64Array;
  co: Float64Array;
}

/**
 * Co-clustering (George & Merugu 2005; Surprise `CoClustering`, itself after MyMediaLite):
 * r̂(u,i) = C̄(c_u, c_i) + (μ_u − C̄_u(c_u)) + (μ_i − C̄_i(c_i)), where c_u and c_i are the user's and item's
 * clusters, C̄ the mean rating of a co-cluster, C̄_u / C̄_i the mean rating of a user / item cluster and μ_u / μ_i
 * the user's / item's mean. Clusters start at random (seeded) and each epoch moves every user, then every item, to
 * the cluster that minimizes the squared error of its ratings under the epoch's cluster averages. Users or items
 * without training ratings cannot be scored (Surprise answers the global mean; so does the fallback here).
 *
 * @example
 * const model = new CoClustering({ nCltrU: 3, nCltrI: 3, seed: 1 }).fit(train);
 * model.predict('196', '242').value; // e.g. 3.64
 */
export class CoClustering extends Recommender<CoClusteringOptions> {
  readonly name = 'co-clustering';
  readonly task = 'rating' as const;
  private cltrU: Int32Array = new Int32Array(0);
  private cltrI: Int32Array = new Int32Array(0);
  private userMean: Float64Array = new Float64Array(0);
  private itemMean: Float64Array = new Float64Array(0);
  private avg: ClusterAverages = { user: new Float64Array(0), item: new Float64Array(0), co: new Float64Array(0) };

  constructor(opts: Partial<CoClusteringOptions> = {}) {
    super('co-clustering', DEFAULTS, DOCS, opts);
  }

  /** Cluster of each user index (read-only view). */
  get userClusters(): Readonly<Int32Array> {
    return this.cltrU;
  }

  /** Cluster of each item index (read-only view). */
  get itemClusters(): Readonly<Int32Array> {
    return this.cltrI;
  }

  protected fitModel(data: Interactions, opts: FitOptions): void {
    const p = this.params;
    const nU = data.nUsers,
      nI = data.nItems;
    const rng = new Rng(p.seed);
    // Surprise draws the user clusters, then the item clusters.
    this.cltrU = new Int32Array(nU);
    this.cltrI = new Int32Array(nI);
    for (let u = 0; u < nU; u++) this.cltrU[u] = rng.int(p.nCltrU);
    for (let i = 0; i < nI; i++) this.cltrI[i] = rng.int(p.nCltrI);
    const byUser = data.byUser(),
      byItem = data.byItem();
    const mu = this.training.globalMean;
    this.userMean = rowMeans(byUser.indptr, byUser.values, mu);
    this.itemMean = rowMeans(byItem.indptr, byItem.values, mu);
    const errors = new Float64Array(Math.max(p.nCltrU, p.nCltrI));
    for (let epoch = 0; epoch < p.epochs; epoch++) {
      const t0 = performance.now();
      const avg = clusterAverages(byUser, this.cltrU, this.cltrI, p.nCltrU, p.nCltrI, mu);
      // Users first, against the item clusters of the previous round...
      reassign(byUser, this.cltrU, this.cltrI, this.userMean, this.itemMean, avg, p.nCltrU, p.nCltrI, true, errors);
      // ...then items, against the users' new clusters; its minimal errors are the epoch's loss.
      const sse = reassign(
        byItem,
        this.cltrI,
        this.cltrU,
        this.itemMean,
        this.userMean,
        avg,
        p.nCltrI,
        p.nCltrU,
        false,
        errors,
      );
      if (!Number.isFinite(sse))
        throw new ModelFitError(`co-clustering: non-finite error after epoch ${epoch + 1}`, { epoch: epoch + 1 });
      opts.onEpoch?.({
        epoch: epoch + 1,
        epochs: p.epochs,
        loss: data.length ? sse / data.length : 0,
        seconds: (performance.now() - t0) / 1000,
      });
    }
    // Clusters moved during the last epoch: averages once more, as Surprise does.
    this.avg = clusterAverages(byUser, this.cltrU, this.cltrI, p.nCltrU, p.nCltrI, mu);
  }

  score(u: number, i: number): number {
    if (!this.knownUser(u)) throw new ScoreImpossibleError('unknown user');
    if (!this.knownItem(i)) throw new ScoreImpossibleError('unknown item');
    const uc = this.cltrU[u],
      ic = this.cltrI[i];
    return (
      this.avg.co[uc * this.params.nCltrI + ic] +
      this.userMean[u] -
      this.avg.user[uc] +
      this.itemMean[i] -
      this.avg.item[ic]
    );
  }

  override scoreItems(u: number, out: Float32Array): void {
    const s = this.training;
    if (!this.knownUser(u)) {
      out.fill(-Infinity);
      return;
    }
    const uc = this.cltrU[u];
    const base = this.userMean[u] - this.avg.user[uc];
    const co = uc * this.params.nCltrI;
    for (let i = 0; i < out.length; i++) {
      const ic = this.cltrI[i];
      out[i] = s.itemCounts[i] === 0 ? -Infinity : this.avg.co[co + ic] + base + this.itemMean[i] - this.avg.item[ic];
    }
  }

  protected saveState(): ModelState {
    return {
      meta: {},
      arrays: {
        cltrU: this.cltrU,
        cltrI: this.cltrI,
        userMean: this.userMean,
        itemMean: this.itemMean,
        avgUser: this.avg.user,
        avgItem: this.avg.item,
        avgCo: this.avg.co,
      },
    };
  }

  protected loadState(state: ModelState): void {
    const s = this.training;
    const p = this.params;
    const a = state.arrays;
    const want: [string, number, typeof Int32Array | typeof Float64Array][] = [
      ['cltrU', s.nUsers, Int32Array],
      ['cltrI', s.nItems, Int32Array],
      ['userMean', s.nUsers, Float64Array],
      ['itemMean', s.nItems, Float64Array],
      ['avgUser', p.nCltrU, Float64Array],
      ['avgItem', p.nCltrI, Float64Array],
      ['avgCo', p.nCltrU * p.nCltrI, Float64Array],
    ];
    for (const [name, len, Ctor] of want)
      if (!(a[name] instanceof Ctor) || a[name].length !== len)
        throw new Error(`array "${name}" is missing or has the wrong length`);
    for (const [arr, k] of [
      [a.cltrU as Int32Array, p.nCltrU],
      [a.cltrI as Int32Array, p.nCltrI],
    ] as const)
      for (let x = 0; x < arr.length; x++) if (arr[x] < 0 || arr[x] >= k) throw new Error('cluster index out of range');
    this.cltrU = a.cltrU as Int32Array;
    this.cltrI = a.cltrI as Int32Array;
    this.userMean = a.userMean as Float64Array;
    this.itemMean = a.itemMean as Float64Array;
    this.avg = { user: a.avgUser as Float64Array, item: a.avgItem as Float64Array, co: a.avgCo as Float64Array };
  }
}

/**
 * Mean rating of every user cluster, item cluster and co-cluster; empty clusters get the global mean. Exported (not
 * from the public index) for the worked example in co-clustering-step.test.ts.
 */
export function clusterAverages(
  byUser: { indptr: Int32Array; indices: Int32Array; values: Float32Array },
  cltrU: Int32Array,
  cltrI: Int32Array,
  nCu: number,
  nCi: number,
  globalMean: number,
): ClusterAverages {
  const sumU = new Float64Array(nCu),
    cntU = new Float64Array(nCu);
  const sumI = new Float64Array(nCi),
    cntI = new Float64Array(nCi);
  const sumC = new Float64Array(nCu * nCi),
    cntC = new Float64Array(nCu * nCi);
  const { indptr, indices, values } = byUser;
  for (let u = 0; u < indptr.length - 1; u++) {
    const uc = cltrU[u];
    for (let k = indptr[u]; k < indptr[u + 1]; k++) {
      const ic = cltrI[indices[k]];
      const r = values[k];
      sumU[uc] += r;
      cntU[uc]++;
      sumI[ic] += r;
      cntI[ic]++;
      sumC[uc * nCi + ic] += r;
      cntC[uc * nCi + ic]++;
    }
  }
  const avg = (s: Float64Array, c: Float64Array) => s.map((v, k) => (c[k] ? v / c[k] : globalMean));
  return { user: avg(sumU, cntU), item: avg(sumI, cntI), co: avg(sumC, cntC) };
}

/**
 * Moves every row (a user of `csr` = byUser, or an item of `csr` = byItem) to the cluster with the least squared
 * error over its ratings; ties go to the lowest cluster (numpy argmin). Returns the sum of the minimal errors.
 * `rowsAreUsers` says which side of the co-cluster table the rows index. Exported for the worked example test.
 */
export function reassign(
  csr: { indptr: Int32Array; indices: Int32Array; values: Float32Array },
  rowCltr: Int32Array,
  colCltr: Int32Array,
  rowMean: Float64Array,
  colMean: Float64Array,
  avg: ClusterAverages,
  nRowC: number,
  nColC: number,
  rowsAreUsers: boolean,
  errors: Float64Array,
): number {
  const { indptr, indices, values } = csr;
  const rowAvg = rowsAreUsers ? avg.user : avg.item;
  const colAvg = rowsAreUsers ? avg.item : avg.user;
  const co = avg.co;
  // Co-cluster (rc, cc) sits at rc·nCi + cc when rows are users, cc·nCi + rc when rows are items.
  const rowStride = rowsAreUsers ? nColC : 1;
  const colStride = rowsAreUsers ? 1 : nRowC;
  let total = 0;
  for (let r = 0; r < indptr.length - 1; r++) {
    const start = indptr[r],
      end = indptr[r + 1];
    if (start === end) continue; // no ratings: Surprise's trainset has no such rows; keep the draw
    for (let rc = 0; rc < nRowC; rc++) {
      const base = rowMean[r] - rowAvg[rc];
      let e = 0;
      for (let k = start; k < end; k++) {
        const c = indices[k];
        const cc = colCltr[c];
        const d = values[k] - (co[rc * rowStride + cc * colStride] + base + colMean[c] - colAvg[cc]);
        e += d * d;
      }
      errors[rc] = e;
    }
    let best = 0;
    for (let rc = 1; rc < nRowC; rc++) if (errors[rc] < errors[best]) best = rc;
    rowCltr[r] = best;
    total += errors[best];
  }
  return total;
}

/** Mean of each CSR row (`fallback` for rows without entries). */
function rowMeans(indptr: Int32Array, values: Float32Array, fallback: number): Float64Array {
  const rows = indptr.length - 1;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const n = indptr[r + 1] - indptr[r];
    let s = 0;
    for (let k = indptr[r]; k < indptr[r + 1]; k++) s += values[k];
    out[r] = n ? s / n : fallback;
  }
  return out;
}

export const coClusteringEntry: ModelEntry<CoClusteringOptions> = {
  name: 'co-clustering',
  description: 'Co-clustering of users and items with cluster-mean corrections (George & Merugu 2005).',
  task: 'rating',
  defaults: DEFAULTS,
  docs: DOCS,
  create: (p) => new CoClustering(p),
};
