// The registry comes first: see entries.ts for why the import order matters.
import { getModelEntry, loadModel, saveModel } from '../registry.js';
import { InvalidParameterError, ModelFormatError } from '../../errors.js';
import type { Interactions } from '../../data/interactions.js';
import { Rng } from '../../math/rng.js';
import { topK } from '../../math/top-k.js';
import type { FitOptions, Recommender } from '../recommender.js';
import { WEIGHTED_DEFAULTS, WEIGHTED_DOCS, type WeightedOptions } from './blend-params.js';
import { Blender, provideModelCatalog } from './blender.js';
import { registerBlenderFactory } from './entries.js';

/**
 * Weighted hybrid (Burke 2002; Claypool et al. 1999): score = Σ_m w_m·z_m(u, i), with z_m member m's scores for the
 * user turned into z-scores (so an ALS dot product and a content cosine mix on one scale) and weights on the simplex.
 * Given `weights`, they are used as is; otherwise they are learned: each user's training rows are split (seeded,
 * `validation` share held out), the members are fitted on the rest, and a grid over the simplex (`gridStep`) picks
 * the weights with the best NDCG@10 on the held-out rows of up to `validationUsers` users; then the members are
 * refitted on all the data. Items a member cannot score get its lowest z for the user (e.g. cold items under ALS).
 *
 * @example
 * const model = new Weighted({ members: 'als,content-knn' }).withItemFeatures(features).fit(train);
 * model.weights; // e.g. [0.8, 0.2]
 */
export class Weighted extends Blender<WeightedOptions> {
  readonly name = 'weighted';
  /** Member weights in use (given or learned). */
  weights: number[] = [];
  /** NDCG@10 of each weight vector tried on the validation split (empty when weights were given). */
  search: { weights: number[]; ndcg: number }[] = [];
  private zBuf = new Float32Array(0);

  constructor(opts: Partial<WeightedOptions> = {}) {
    super('weighted', WEIGHTED_DEFAULTS, WEIGHTED_DOCS, opts);
    if (this.params.weights.trim() !== '') parseWeights(this.params.weights, this.specs.length);
  }

  protected fitModel(data: Interactions, opts: FitOptions): void {
    this.search = [];
    this.weights =
      this.params.weights.trim() !== ''
        ? parseWeights(this.params.weights, this.specs.length)
        : this.specs.length === 1
          ? [1]
          : this.learnWeights(data);
    this.members = this.fitMembers(data, opts);
  }

  /** Grid search of the simplex on a per-user validation split of `data`. */
  private learnWeights(data: Interactions): number[] {
    const p = this.params;
    const rng = new Rng(p.seed);
    const { indptr, order } = data.byUser();
    const isVal = new Uint8Array(data.length);
    const users: number[] = [];
    for (let u = 0; u < data.nUsers; u++) {
      const n = indptr[u + 1] - indptr[u];
      const nVal = Math.floor(p.validation * n);
      if (nVal < 1 || n - nVal < 1) continue;
      const rows = rng.shuffle(order.slice(indptr[u], indptr[u + 1]));
      for (let q = 0; q < nVal; q++) isVal[rows[q]] = 1;
      users.push(u);
    }
    if (users.length === 0) return this.specs.map(() => 1 / this.specs.length);
    const fitRows: number[] = [],
      valRows: number[] = [];
    for (let r = 0; r < data.length; r++) (isVal[r] ? valRows : fitRows).push(r);
    const fitPart = data.subset(Int32Array.from(fitRows));
    const valPart = data.subset(Int32Array.from(valRows));
    const members = this.fitMembers(fitPart, {});
    const sample = rng.permutation(users.length).slice(0, Math.min(p.validationUsers, users.length));
    const nItems = data.nItems,
      M = members.length;
    const zs: Float32Array[] = [];
    const seen = fitPart.byUser(),
      rel = valPart.byUser();
    const evalUsers = Array.from(sample, (k) => users[k]);
    for (const u of evalUsers)
      for (const m of members) {
        const z = new Float32Array(nItems);
        this.memberZ(m, u, z);
        for (let q = seen.indptr[u]; q < seen.indptr[u + 1]; q++) z[seen.indices[q]] = -Infinity;
        zs.push(z);
      }
    const blended = new Float32Array(nItems);
    let best: number[] = [],
      bestNdcg = -1;
    for (const w of simplexGrid(M, p.gridStep)) {
      let total = 0;
      for (let k = 0; k < evalUsers.length; k++) {
        const u = evalUsers[k];
        blended.fill(0);
        for (let m = 0; m < M; m++) {
          const z = zs[k * M + m];
          if (w[m] === 0) continue;
          for (let i = 0; i < nItems; i++) blended[i] += w[m] * z[i];
        }
        total += ndcgAt10(topK(blended, 10).indices, rel.indices, rel.indptr[u], rel.indptr[u + 1]);
      }
      const ndcg = total / evalUsers.length;
      this.search.push({ weights: w, ndcg });
      if (ndcg > bestNdcg + 1e-12) {
        bestNdcg = ndcg;
        best = w;
      }
    }
    return best;
  }

  override scoreItems(u: number, out: Float32Array): void {
    if (this.zBuf.length !== out.length) this.zBuf = new Float32Array(out.length);
    out.fill(0);
    let any = false;
    this.members.forEach((m: Recommender, k) => {
      if (!this.memberZ(m, u, this.zBuf)) return;
      any = true;
      const w = this.weights[k];
      for (let i = 0; i < out.length; i++) out[i] += w * this.zBuf[i];
    });
    if (!any) out.fill(-Infinity);
  }

  protected saveBlend(): Record<string, unknown> {
    return { weights: this.weights };
  }

  protected loadBlend(meta: Record<string, unknown>): void {
    const w = meta.weights;
    if (!Array.isArray(w) || w.length !== this.specs.length || w.some((x) => typeof x !== 'number'))
      throw new ModelFormatError('weighted: model file lacks the member weights');
    this.weights = w as number[];
  }
}

function parseWeights(text: string, n: number): number[] {
  const w = text.split(',').map((x) => Number(x.trim()));
  if (w.length !== n || w.some((x) => !Number.isFinite(x) || x < 0))
    throw new InvalidParameterError(`weighted: weights must be ${n} numbers ≥ 0, comma-separated; got "${text}"`);
  return w;
}

/** Every weight vector of `m` entries, multiples of `step`, summing to 1 (m = 2, step 0.5: [0,1], [0.5,0.5], [1,0]). */
export function simplexGrid(m: number, step: number): number[][] {
  const n = Math.round(1 / step);
  const out: number[][] = [];
  const cur = new Array<number>(m).fill(0);
  const rec = (pos: number, left: number) => {
    if (pos === m - 1) {
      cur[pos] = left;
      out.push(cur.map((c) => c / n));
      return;
    }
    for (let c = 0; c <= left; c++) {
      cur[pos] = c;
      rec(pos + 1, left - c);
    }
  };
  if (m === 1) return [[1]];
  if (out.length === 0) rec(0, n);
  if (out.length > 5000) throw new InvalidParameterError(`weighted: ${out.length} weight vectors; raise gridStep`);
  return out;
}

/** Binary-relevance NDCG@10 of a list against the sorted relevant items rel[lo..hi). */
function ndcgAt10(list: Int32Array, rel: Int32Array, lo: number, hi: number): number {
  let dcg = 0;
  for (let r = 0; r < list.length; r++) {
    const i = list[r];
    let a = lo,
      b = hi - 1,
      found = false;
    while (a <= b) {
      const mid = (a + b) >> 1;
      if (rel[mid] === i) {
        found = true;
        break;
      }
      if (rel[mid] < i) a = mid + 1;
      else b = mid - 1;
    }
    if (found) dcg += 1 / Math.log2(r + 2);
  }
  let idcg = 0;
  for (let r = 0; r < Math.min(10, hi - lo); r++) idcg += 1 / Math.log2(r + 2);
  return idcg > 0 ? dcg / idcg : 0;
}

provideModelCatalog({ getModelEntry, saveModel, loadModel });
registerBlenderFactory('weighted', (p) => new Weighted(p));
