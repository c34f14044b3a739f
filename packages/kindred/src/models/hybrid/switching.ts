// The registry comes first: see entries.ts for why the import order matters.
import { getModelEntry, loadModel, saveModel } from '../registry.js';
import type { Interactions } from '../../data/interactions.js';
import type { FitOptions } from '../recommender.js';
import { SWITCHING_DEFAULTS, SWITCHING_DOCS, type SwitchingOptions } from './blend-params.js';
import { Blender, provideModelCatalog } from './blender.js';
import { registerBlenderFactory } from './entries.js';

/**
 * Switching hybrid (Burke 2002): picks a member by how much history there is. A user with fewer than
 * `userThreshold` training rows is served entirely by the first (cold-start) member; for the others, items with
 * fewer than `itemThreshold` training rows are scored by the first member and the rest by the second, each on its
 * per-user z-score scale so the two parts interleave. When the chosen member cannot score a pair, the other one does.
 *
 * @example
 * const model = new Switching({ members: 'content-knn,als', userThreshold: 5 }).withItemFeatures(features).fit(train);
 */
export class Switching extends Blender<SwitchingOptions> {
  readonly name = 'switching';
  private coldBuf = new Float32Array(0);

  constructor(opts: Partial<SwitchingOptions> = {}) {
    super('switching', SWITCHING_DEFAULTS, SWITCHING_DOCS, opts, 2);
  }

  protected fitModel(data: Interactions, opts: FitOptions): void {
    this.members = this.fitMembers(data, opts);
  }

  /** Which member serves user u as a whole: 0 (cold) or 1 (warm). */
  memberForUser(u: number): number {
    const s = this.training;
    const n = u >= 0 && u < s.nUsers ? s.seenIndptr[u + 1] - s.seenIndptr[u] : 0;
    return n < this.params.userThreshold ? 0 : 1;
  }

  override scoreItems(u: number, out: Float32Array): void {
    const [cold, warm] = this.members;
    if (this.coldBuf.length !== out.length) this.coldBuf = new Float32Array(out.length);
    const c = this.coldBuf;
    const hasCold = this.memberZ(cold, u, c);
    if (this.memberForUser(u) === 0) {
      if (hasCold) out.set(c);
      else this.memberZ(warm, u, out);
      return;
    }
    const hasWarm = this.memberZ(warm, u, out);
    if (!hasWarm) {
      out.set(c);
      return;
    }
    const counts = this.training.itemCounts;
    const t = this.params.itemThreshold;
    if (hasCold) for (let i = 0; i < out.length; i++) if (counts[i] < t) out[i] = c[i];
  }

  protected saveBlend(): Record<string, unknown> {
    return {};
  }

  protected loadBlend(): void {}
}

provideModelCatalog({ getModelEntry, saveModel, loadModel });
registerBlenderFactory('switching', (p) => new Switching(p));
