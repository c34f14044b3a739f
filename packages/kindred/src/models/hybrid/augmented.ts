// The registry comes first: see entries.ts for why the import order matters.
import { getModelEntry, loadModel, saveModel } from '../registry.js';
import { Interactions } from '../../data/interactions.js';
import { topK } from '../../math/top-k.js';
import type { FitOptions } from '../recommender.js';
import { AUGMENTED_DEFAULTS, AUGMENTED_DOCS, type AugmentedOptions } from './blend-params.js';
import { Blender, provideModelCatalog } from './blender.js';
import { registerBlenderFactory } from './entries.js';

/**
 * Feature-augmentation hybrid (Burke 2002), in the form of content-boosted collaborative filtering (Melville, Mooney
 * & Nagarajan 2002): the first member's output becomes input of the second. The first member (e.g. content-knn) is
 * fitted, each user's `fill` best unseen items by its scores are added as pseudo-interactions of value `fillValue`,
 * and the second member (e.g. ALS) is trained on the real plus pseudo rows. The learner thus sees the content
 * model's opinion as extra (weaker) evidence: sparse users get denser rows, and items nobody interacted with but
 * that the content model recommends (cold items) get collaborative vectors. Scores are the second member's; the
 * blender's own training summary keeps only the real rows (excludeSeen ignores pseudo ones).
 *
 * @example
 * const model = new Augmented({ members: 'content-knn,als', fill: 10 }).withItemFeatures(features).fit(train);
 */
export class Augmented extends Blender<AugmentedOptions> {
  readonly name = 'augmented';
  /** Pseudo-interactions added at the last fit. */
  pseudoRows = 0;

  constructor(opts: Partial<AugmentedOptions> = {}) {
    super('augmented', AUGMENTED_DEFAULTS, AUGMENTED_DOCS, opts, 2);
  }

  protected fitModel(data: Interactions, opts: FitOptions): void {
    const [booster, learner] = this.createMembers();
    booster.fit(data, opts);
    const augmented = augment(data, booster, this.params.fill, this.params.fillValue);
    this.pseudoRows = augmented.length - data.length;
    learner.fit(augmented, opts);
    this.members = [booster, learner];
  }

  override scoreItems(u: number, out: Float32Array): void {
    const learner = this.members[1];
    if (u < 0 || u >= learner.training.nUsers) out.fill(-Infinity);
    else learner.scoreItems(u, out);
  }

  protected saveBlend(): Record<string, unknown> {
    return { pseudoRows: this.pseudoRows };
  }

  protected loadBlend(meta: Record<string, unknown>): void {
    this.pseudoRows = Number(meta.pseudoRows ?? 0);
  }
}

/** `data` plus, per user with rows, the booster's `fill` best unseen items as rows of value `value`. */
function augment(
  data: Interactions,
  booster: { scoreItems(u: number, out: Float32Array): void },
  fill: number,
  value: number,
): Interactions {
  if (fill === 0) return data;
  const { indptr, indices } = data.byUser();
  const users: number[] = [],
    items: number[] = [];
  const row = new Float32Array(data.nItems);
  const seen = new Uint8Array(data.nItems);
  for (let u = 0; u < data.nUsers; u++) {
    if (indptr[u + 1] === indptr[u]) continue;
    booster.scoreItems(u, row);
    for (let p = indptr[u]; p < indptr[u + 1]; p++) seen[indices[p]] = 1;
    const top = topK(row, fill, (i) => seen[i] === 1);
    for (const i of top.indices) {
      users.push(u);
      items.push(i);
    }
    for (let p = indptr[u]; p < indptr[u + 1]; p++) seen[indices[p]] = 0;
  }
  const n = data.length,
    m = users.length;
  const U = new Int32Array(n + m),
    I = new Int32Array(n + m),
    V = new Float32Array(n + m);
  U.set(data.users);
  I.set(data.items);
  V.set(data.values);
  U.set(users, n);
  I.set(items, n);
  V.fill(value, n);
  let T: Float64Array | null = null;
  if (data.timestamps) {
    T = new Float64Array(n + m).fill(NaN);
    T.set(data.timestamps);
  }
  return new Interactions({
    users: U,
    items: I,
    values: V,
    timestamps: T,
    userIds: data.userIds,
    itemIds: data.itemIds,
  });
}

provideModelCatalog({ getModelEntry, saveModel, loadModel });
registerBlenderFactory('augmented', (p) => new Augmented(p));
