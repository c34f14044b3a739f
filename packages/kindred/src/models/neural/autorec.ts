import { ModelFormatError, ScoreImpossibleError } from '../../errors.js';
import type { Interactions } from '../../data/interactions.js';
import { Rng } from '../../math/rng.js';
import type { ParamDoc } from '../params.js';
import { Recommender, type FitOptions, type ModelState } from '../recommender.js';
import type { ModelEntry } from '../registry.js';
import { Adam } from './adam.js';
import { AutoRecNet, encodeItem, type ItemColumns } from './autorec-net.js';
import { runEpochs } from './epoch-loop.js';
import { zeroGrads } from './param.js';

/**
 * Options of `AutoRec`.
 *
 * @example
 * const opts: Partial<AutoRecOptions> = { hidden: 500, lambda: 1 };
 */
export type AutoRecOptions = {
  hidden: number;
  lambda: number;
  learningRate: number;
  batchSize: number;
  epochs: number;
  patience: number;
  holdout: number;
  seed: number;
};

/**
 * The paper's 500 sigmoid units. λ and the batch were chosen on ML-100K u1's training part (5% held out): λ = 1
 * overfits within 5 epochs (held-out RMSE 0.92 and rising), 1000 underfits (0.98); 100 and 300 reach 0.893 on the
 * hold-out, 300 more slowly and more stably (best epoch ≈ 50 with 128 items a step).
 */
const DEFAULTS = {
  hidden: 500,
  lambda: 300,
  learningRate: 1e-3,
  batchSize: 128,
  epochs: 200,
  patience: 10,
  holdout: 0.05,
  seed: 0,
} as const satisfies AutoRecOptions;

const DOCS: Record<keyof AutoRecOptions, ParamDoc> = {
  hidden: { description: 'Hidden units (sigmoid); the paper uses 500.', min: 1, integer: true, max: 65536 },
  lambda: {
    description: 'L2 penalty λ/2·(‖W‖² + ‖V‖²) on both weight matrices, against the summed squared error.',
    min: 0,
  },
  learningRate: { description: 'Adam learning rate.', min: 0 },
  batchSize: { description: 'Items per Adam step.', min: 1, integer: true },
  epochs: { description: 'Passes over the items; fewer when early stopping ends training.', min: 1, integer: true },
  patience: {
    description: 'Stop after this many epochs without a better validation RMSE (the best epoch’s weights are kept).',
    min: 1,
    integer: true,
  },
  holdout: {
    description:
      'Without a validation split given to fit: the share of training ratings held out (seeded) to measure the ' +
      'validation RMSE for early stopping; they are not trained on but do enter the item vectors the model ' +
      'encodes at prediction time. 0: no early stopping, all epochs run.',
    min: 0,
    max: 0.5,
  },
  seed: { description: 'Seed of the initialisation, the hold-out and the item order.', integer: true },
};

/** What prediction needs: the decoder and every item's hidden code (the encoder is kept for completeness). */
type AutoRecWeights = Record<'enc.w' | 'enc.b' | 'dec.w' | 'dec.b' | 'codes', Float32Array>;

/**
 * I-AutoRec (Sedhain, Menon, Sanner & Xie 2015, "AutoRec: Autoencoders Meet Collaborative Filtering"): each item's
 * vector of observed ratings over the users is encoded by one sigmoid layer and reconstructed by an identity layer;
 * the loss counts only the observed ratings, with L2 on the weights. The prediction for (u, i) is the
 * reconstruction of item i's training vector at user u, clipped to the rating scale; users or items without
 * training ratings fall back to the global mean (the paper's "default rating"). The paper trains with L-BFGS/Rprop;
 * here Adam on item mini-batches, stopped early on the validation RMSE (a seeded `holdout` of the training ratings
 * when fit is given no validation split, as the paper held out part of its training set for tuning).
 *
 * @example
 * const model = new AutoRec({ hidden: 500, seed: 1 }).fit(train);
 * model.predict('196', '242').value;
 */
export class AutoRec extends Recommender<AutoRecOptions> {
  readonly name = 'autorec';
  readonly task = 'rating' as const;
  private hidden = 0;
  private weights: AutoRecWeights | null = null;
  /** Epoch whose weights were kept (the best on validation, else the last). */
  bestEpoch = 0;

  constructor(opts: Partial<AutoRecOptions> = {}) {
    super('autorec', DEFAULTS, DOCS, opts);
  }

  protected fitModel(data: Interactions, opts: FitOptions): void {
    const p = this.params;
    const s = this.training;
    const rng = new Rng(p.seed);
    const net = new AutoRecNet({ users: s.nUsers, hidden: p.hidden }, rng);
    const { trainRows, heldOut } = splitRows(data, opts.validation ? 0 : p.holdout, rng);
    const cols = itemColumns(data, trainRows, s.nItems);
    const validation = opts.validation ?? (heldOut.length > 0 ? data.subset(heldOut) : null);
    const items = Int32Array.from({ length: s.nItems }, (_, i) => i).filter((i) => cols.indptr[i + 1] > cols.indptr[i]);
    const opt = new Adam(net.params, { lr: p.learningRate });
    const B = Math.max(1, Math.min(p.batchSize, items.length));
    const batch = new Int32Array(B);
    const observed = cols.users.length;
    const result = runEpochs({ epochs: items.length > 0 ? p.epochs : 0, patience: p.patience, metric: '-rmse' }, opts, {
      trainEpoch: () => {
        const order = rng.permutation(items.length);
        let sse = 0;
        for (let b = 0; b < items.length; b += B) {
          const n = Math.min(B, items.length - b);
          for (let k = 0; k < n; k++) batch[k] = items[order[b + k]];
          zeroGrads(net.params);
          sse += net.accumulate(cols, batch.subarray(0, n), p.lambda, n / items.length);
          opt.step();
        }
        return Math.sqrt(sse / Math.max(1, observed)); // the epoch's training RMSE, measured during the pass
      },
      weightsFinite: () => net.params.every((q) => allFinite(q.value as Float32Array)),
      validate: () => (validation ? -this.rmseOn(net, cols, validation) : null),
      snapshot: () => net.params.map((q) => (q.value as Float32Array).slice()),
      diverged: (epoch) => this.diverged(epoch, 'lower learningRate'),
    });
    this.bestEpoch = result.bestEpoch;
    const [encW, encB, decW, decB] = result.weights;
    // Prediction encodes each item's whole training vector, held-out ratings included.
    const full = itemColumns(data, null, s.nItems);
    this.setWeights(p.hidden, {
      'enc.w': encW,
      'enc.b': encB,
      'dec.w': decW,
      'dec.b': decB,
      codes: codesOf(encW, encB, p.hidden, full, s.nItems),
    });
  }

  /** RMSE on `v` of the current weights, items encoded from `cols`, predictions clipped; cold pairs get the mean. */
  private rmseOn(net: AutoRecNet, cols: ItemColumns, v: Interactions): number {
    const s = this.training;
    const H = net.shape.hidden;
    const codes = codesOf(net.encW.value as Float32Array, net.encB.value as Float32Array, H, cols, s.nItems);
    const [V, c] = [net.decW.value, net.decB.value];
    let sse = 0;
    for (let k = 0; k < v.length; k++) {
      const u = v.users[k],
        i = v.items[k];
      let pred = s.globalMean;
      if (u >= 0 && u < s.nUsers && i >= 0 && i < s.nItems && cols.indptr[i + 1] > cols.indptr[i]) {
        pred = c[u];
        for (let j = 0; j < H; j++) pred += V[u * H + j] * codes[i * H + j];
      }
      const e = this.clip(pred) - v.values[k];
      sse += e * e;
    }
    return v.length > 0 ? Math.sqrt(sse / v.length) : 0;
  }

  private setWeights(hidden: number, w: AutoRecWeights): void {
    this.hidden = hidden;
    this.weights = w;
  }

  score(u: number, i: number): number {
    if (!this.knownUser(u)) throw new ScoreImpossibleError('user has no training ratings');
    if (!this.knownItem(i)) throw new ScoreImpossibleError('item has no training ratings');
    const w = this.weights!;
    const H = this.hidden;
    const [V, codes] = [w['dec.w'], w.codes];
    let pred = w['dec.b'][u];
    for (let j = 0; j < H; j++) pred += V[u * H + j] * codes[i * H + j];
    return pred;
  }

  override scoreItems(u: number, out: Float32Array): void {
    if (!this.knownUser(u)) {
      this.scoreItemsForUnknownUser(out);
      return;
    }
    for (let i = 0; i < out.length; i++) out[i] = this.knownItem(i) ? this.score(u, i) : -Infinity;
  }

  protected saveState(): ModelState {
    return { meta: { hidden: this.hidden, bestEpoch: this.bestEpoch }, arrays: { ...this.weights! } };
  }

  protected loadState(state: ModelState): void {
    const s = this.training;
    const H = state.meta.hidden;
    if (!Number.isInteger(H) || (H as number) < 1) throw new ModelFormatError('autorec: the hidden size is missing');
    const h = H as number;
    const sizes: Record<keyof AutoRecWeights, number> = {
      'enc.w': s.nUsers * h,
      'enc.b': h,
      'dec.w': s.nUsers * h,
      'dec.b': s.nUsers,
      codes: s.nItems * h,
    };
    const w = {} as AutoRecWeights;
    for (const [name, size] of Object.entries(sizes) as [keyof AutoRecWeights, number][]) {
      const a = state.arrays[name];
      if (!(a instanceof Float32Array) || a.length !== size)
        throw new ModelFormatError(`autorec: weight "${name}" is not a float32 array of ${size} values`);
      w[name] = a;
    }
    this.bestEpoch = typeof state.meta.bestEpoch === 'number' ? state.meta.bestEpoch : 0;
    this.setWeights(h, w);
  }
}

/** The rows to train on (null: all) and the seeded held-out rows (a `share` of them). */
function splitRows(data: Interactions, share: number, rng: Rng): { trainRows: Int32Array | null; heldOut: Int32Array } {
  const n = Math.floor(share * data.length);
  if (n === 0) return { trainRows: null, heldOut: new Int32Array(0) };
  const order = rng.permutation(data.length);
  const heldOut = Int32Array.from(order.subarray(0, n)).sort();
  const trainRows = Int32Array.from(order.subarray(n)).sort();
  return { trainRows, heldOut };
}

/** The ratings of `rows` (all rows when null) grouped by item (counting sort, rows kept in order within an item). */
export function itemColumns(data: Interactions, rows: Int32Array | null, nItems: number): ItemColumns {
  const count = rows ? rows.length : data.length;
  const indptr = new Int32Array(nItems + 1);
  for (let k = 0; k < count; k++) indptr[data.items[rows ? rows[k] : k] + 1]++;
  for (let i = 0; i < nItems; i++) indptr[i + 1] += indptr[i];
  const fill = indptr.slice(0, nItems);
  const users = new Int32Array(count);
  const ratings = new Float32Array(count);
  for (let k = 0; k < count; k++) {
    const r = rows ? rows[k] : k;
    const q = fill[data.items[r]]++;
    users[q] = data.users[r];
    ratings[q] = data.values[r];
  }
  return { indptr, users, ratings };
}

function codesOf(W: Float32Array, b: Float32Array, H: number, cols: ItemColumns, nItems: number): Float32Array {
  const codes = new Float32Array(nItems * H);
  for (let i = 0; i < nItems; i++) encodeItem(W, b, H, cols, i, codes.subarray(i * H, (i + 1) * H));
  return codes;
}

function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

/**
 * Registry entry of AutoRec.
 *
 * @example
 * registerModel(autoRecEntry); // createModel('autorec', { hidden: 500 })
 */
export const autoRecEntry: ModelEntry<AutoRecOptions> = {
  name: 'autorec',
  description: 'I-AutoRec: item-based autoencoder over observed ratings, one sigmoid layer (Sedhain et al. 2015).',
  task: 'rating',
  defaults: DEFAULTS,
  docs: DOCS,
  create: (p) => new AutoRec(p),
};
