// The registry comes first: see entries.ts for why the import order matters.
import { getModelEntry, loadModel, saveModel } from '../registry.js';
import type { Interactions } from '../../data/interactions.js';
import { topK } from '../../math/top-k.js';
import type { FitOptions } from '../recommender.js';
import { CASCADE_DEFAULTS, CASCADE_DOCS, type CascadeOptions } from './blend-params.js';
import { Blender, provideModelCatalog } from './blender.js';
import { registerBlenderFactory } from './entries.js';

/**
 * Cascade hybrid (Burke 2002): the first member proposes its top `candidates` unseen items for the user and the
 * second re-orders them. Scores keep that order: a candidate gets 2 + its re-ranker score min-maxed to [0, 1] over
 * the candidates, any other item its generator score min-maxed to [0, 1], so every candidate outranks every
 * non-candidate and the list past the candidates falls back to the generator's order.
 *
 * @example
 * const model = new Cascade({ members: 'als,lightfm', candidates: 100 }).withItemFeatures(features).fit(train);
 */
export class Cascade extends Blender<CascadeOptions> {
  readonly name = 'cascade';
  private genBuf = new Float32Array(0);

  constructor(opts: Partial<CascadeOptions> = {}) {
    super('cascade', CASCADE_DEFAULTS, CASCADE_DOCS, opts, 2);
  }

  protected fitModel(data: Interactions, opts: FitOptions): void {
    this.members = this.fitMembers(data, opts);
  }

  override scoreItems(u: number, out: Float32Array): void {
    const [gen, ranker] = this.members;
    const s = this.training;
    if (this.genBuf.length !== out.length) this.genBuf = new Float32Array(out.length);
    const g = this.genBuf;
    if (u < 0 || u >= gen.training.nUsers) {
      out.fill(-Infinity);
      return;
    }
    gen.scoreItems(u, g);
    const seen = new Uint8Array(out.length);
    for (let p = s.seenIndptr[u]; p < s.seenIndptr[u + 1]; p++) seen[s.seenIndices[p]] = 1;
    const cand = topK(g, this.params.candidates, (i) => seen[i] === 1).indices;
    if (u < ranker.training.nUsers) ranker.scoreItems(u, out);
    else out.fill(-Infinity);
    // Re-ranker scores over the candidates, min-maxed; candidates it cannot score sit at the bottom of the block.
    let lo = Infinity,
      hi = -Infinity;
    for (const i of cand) {
      const v = out[i];
      if (v > -Infinity && v < Infinity) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    const candScore = new Float64Array(cand.length);
    for (let k = 0; k < cand.length; k++) {
      const v = out[cand[k]];
      candScore[k] = v > -Infinity && v < Infinity ? (hi > lo ? (v - lo) / (hi - lo) : 1) : 0;
    }
    minMax(g, out);
    for (let k = 0; k < cand.length; k++) out[cand[k]] = 2 + candScore[k];
  }

  protected saveBlend(): Record<string, unknown> {
    return {};
  }

  protected loadBlend(): void {}
}

/** out = row min-maxed to [0, 1] over its finite entries; the others −∞. */
function minMax(row: Float32Array, out: Float32Array): void {
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (v > -Infinity && v < Infinity) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    out[i] = v > -Infinity && v < Infinity ? (hi > lo ? (v - lo) / (hi - lo) : 0.5) : -Infinity;
  }
}

provideModelCatalog({ getModelEntry, saveModel, loadModel });
registerBlenderFactory('cascade', (p) => new Cascade(p));
