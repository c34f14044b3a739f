import { InvalidParameterError, ModelFormatError, ScoreImpossibleError } from '../../errors.js';
import type { FeatureMatrix } from '../../data/features.js';
import type { IdMap } from '../../data/id-map.js';
import type { Interactions } from '../../data/interactions.js';
import { usesItemFeatures, type ItemFeatureConsumer } from '../content/content-base.js';
import type { ParamDoc, Params } from '../params.js';
import { Recommender, type FitOptions, type ModelState } from '../recommender.js';
import type { ModelEntry } from '../registry.js';
import type { BlendMemberOptions } from './blend-params.js';

/** The registry functions blenders need, handed over by the blender modules (see `provideModelCatalog`). */
export interface ModelCatalog {
  getModelEntry(name: string): ModelEntry;
  saveModel(model: Recommender): Uint8Array;
  loadModel(bytes: Uint8Array): Recommender;
}

let catalog: ModelCatalog | null = null;

/**
 * Gives the blenders the registry. The blender modules call it when they load: this base module does not import
 * the registry itself, so that the registry → builtin → blenders import cycle never meets a class half-defined.
 *
 * @example
 * provideModelCatalog({ getModelEntry, saveModel, loadModel });
 */
export function provideModelCatalog(c: ModelCatalog): void {
  catalog = c;
}

function models(): ModelCatalog {
  if (!catalog) throw new InvalidParameterError('blenders: the model registry is not loaded (import it first)');
  return catalog;
}

/** One member as configured: registry name and parameters. */
export interface MemberSpec {
  name: string;
  params: Params;
}

/**
 * Parses `members` ('als,content-knn') and `memberParams` (a JSON array of parameter objects, '' for defaults) and
 * checks them against the registry: unknown names or parameters fail here, naming the valid ones.
 *
 * @example
 * parseMembers('weighted', { members: 'als,bpr', memberParams: '[{"factors":32},{}]' }, 2);
 */
export function parseMembers(blender: string, p: BlendMemberOptions, exactly?: number): MemberSpec[] {
  const names = p.members
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
  if (names.length < 1 || (exactly !== undefined && names.length !== exactly))
    throw new InvalidParameterError(
      `${blender}: members must name ${exactly ?? 'at least 1'} model(s), comma-separated; got "${p.members}"`,
    );
  let params: unknown[] = names.map(() => ({}));
  if (p.memberParams.trim() !== '') {
    try {
      params = JSON.parse(p.memberParams);
    } catch (e) {
      throw new InvalidParameterError(`${blender}: memberParams is not valid JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(params) || params.length !== names.length || params.some((x) => typeof x !== 'object' || !x))
      throw new InvalidParameterError(
        `${blender}: memberParams must be a JSON array of ${names.length} parameter objects`,
      );
  }
  return names.map((name, k) => {
    const entry = models().getModelEntry(name);
    if (entry.task !== 'ranking' && entry.task !== 'rating')
      throw new InvalidParameterError(`${blender}: member "${name}" has an unknown task`);
    entry.create(params[k] as Params); // validates the parameters now rather than at fit
    return { name, params: params[k] as Params };
  });
}

/**
 * The base of the hybrid blenders (Burke 2002, "Hybrid Recommender Systems: Survey and Experiments"): holds member
 * models built from the registry, passes attached item/user features to the members that read them (so a blender
 * is itself an item-feature consumer), saves each member as a nested saved model, and turns a member's scores for
 * a user into z-scores so members on different scales can be mixed.
 *
 * @example
 * class MyBlend extends Blender<MyOptions> { ... }
 */
export abstract class Blender<P extends BlendMemberOptions & Params>
  extends Recommender<P>
  implements ItemFeatureConsumer
{
  readonly task = 'ranking' as const;
  protected readonly specs: MemberSpec[];
  protected members: Recommender[] = [];
  private itemSource: { features: FeatureMatrix; ids: IdMap | undefined } | null = null;
  private userSource: { features: FeatureMatrix; ids: IdMap | undefined } | null = null;
  private rowBuf = new Float32Array(0);
  private pairBuf = new Float32Array(0);

  constructor(name: string, defaults: P, docs: Partial<Record<keyof P, ParamDoc>>, opts: Partial<P>, exactly?: number) {
    super(name, defaults, docs, opts);
    this.specs = parseMembers(name, this.params, exactly);
  }

  /** Item features, passed to every member that takes them (content models, lightfm). */
  withItemFeatures(features: FeatureMatrix, ids?: IdMap): this {
    this.itemSource = { features, ids };
    return this;
  }

  /** User features, passed to every member that takes them (lightfm). */
  withUserFeatures(features: FeatureMatrix, ids?: IdMap): this {
    this.userSource = { features, ids };
    return this;
  }

  get itemFeatures(): FeatureMatrix | null {
    if (this.itemSource) return this.itemSource.features;
    for (const m of this.members) if (usesItemFeatures(m) && m.itemFeatures) return m.itemFeatures;
    return null;
  }

  /** The fitted (or loaded) members, in `members` order. */
  memberModels(): readonly Recommender[] {
    return this.members;
  }

  override clone(overrides: Partial<P> = {}): this {
    const c = super.clone(overrides);
    if (this.itemSource) c.withItemFeatures(this.itemSource.features, this.itemSource.ids);
    else if (this.isFitted && this.itemFeatures) c.withItemFeatures(this.itemFeatures, this.training.itemIds);
    if (this.userSource) c.withUserFeatures(this.userSource.features, this.userSource.ids);
    return c;
  }

  /** New, unfitted members with the attached features. */
  protected createMembers(): Recommender[] {
    return this.specs.map((s) => {
      const m = models().getModelEntry(s.name).create(s.params);
      if (this.itemSource && usesItemFeatures(m)) m.withItemFeatures(this.itemSource.features, this.itemSource.ids);
      const withUsers = (m as Partial<{ withUserFeatures: (f: FeatureMatrix, ids?: IdMap) => unknown }>)
        .withUserFeatures;
      if (this.userSource && typeof withUsers === 'function')
        withUsers.call(m, this.userSource.features, this.userSource.ids);
      return m;
    });
  }

  /** Fits fresh members on `data`, reporting each member's epochs through `onEpoch`. */
  protected fitMembers(data: Interactions, opts: FitOptions): Recommender[] {
    return this.createMembers().map((m) => m.fit(data, opts));
  }

  /**
   * Member m's scores for user u as z-scores over the items it can score, into `out`; items it cannot score get its
   * lowest z-score for that user (ranked as its worst, so another member can still lift them). Returns false, with
   * `out` all −∞, when the member can score nothing for u.
   */
  protected memberZ(m: Recommender, u: number, out: Float32Array): boolean {
    if (u < 0 || u >= m.training.nUsers) {
      out.fill(-Infinity);
      return false;
    }
    m.scoreItems(u, out);
    return zScores(out);
  }

  /** A scratch row of nItems floats (reused). */
  protected scratchRow(): Float32Array {
    if (this.rowBuf.length !== this.training.nItems) this.rowBuf = new Float32Array(this.training.nItems);
    return this.rowBuf;
  }

  /** One entry of `scoreItems`, impossible when it is not finite. */
  score(u: number, i: number): number {
    if (u < 0 || u >= this.training.nUsers || i < 0 || i >= this.training.nItems)
      throw new ScoreImpossibleError('unknown user or item');
    if (this.pairBuf.length !== this.training.nItems) this.pairBuf = new Float32Array(this.training.nItems);
    const row = this.pairBuf;
    this.scoreItems(u, row);
    const v = row[i];
    if (!(v > -Infinity && v < Infinity)) throw new ScoreImpossibleError('no member can score this pair');
    return v;
  }

  /** The blender's own state besides the members. */
  protected abstract saveBlend(): Record<string, unknown>;
  protected abstract loadBlend(meta: Record<string, unknown>): void;

  protected saveState(): ModelState {
    const arrays: ModelState['arrays'] = {};
    this.members.forEach((m, k) => (arrays[`member${k}`] = models().saveModel(m)));
    return { meta: { ...this.saveBlend(), memberCount: this.members.length }, arrays };
  }

  protected loadState(state: ModelState): void {
    const n = Number(state.meta.memberCount);
    if (n !== this.specs.length)
      throw new ModelFormatError(`${this.name}: model file holds ${n} members, expected ${this.specs.length}`);
    const members: Recommender[] = [];
    for (let k = 0; k < n; k++) {
      const bytes = state.arrays[`member${k}`];
      if (!(bytes instanceof Uint8Array)) throw new ModelFormatError(`${this.name}: model file lacks member ${k}`);
      const m = models().loadModel(bytes);
      if (m.name !== this.specs[k].name || m.training.nItems !== this.training.nItems)
        throw new ModelFormatError(
          `${this.name}: member ${k} of the model file does not match "${this.specs[k].name}"`,
        );
      members.push(m);
    }
    this.members = members;
    this.loadBlend(state.meta);
  }
}

/** In place: finite entries → (v − mean) / std (std 0 → 0), others → the lowest z. False when none is finite. */
export function zScores(row: Float32Array): boolean {
  let n = 0,
    sum = 0,
    sq = 0;
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (!(v > -Infinity && v < Infinity)) continue;
    n++;
    sum += v;
    sq += v * v;
  }
  if (n === 0) {
    row.fill(-Infinity);
    return false;
  }
  const mean = sum / n;
  const variance = Math.max(0, sq / n - mean * mean);
  const inv = variance > 0 ? 1 / Math.sqrt(variance) : 0;
  let lowest = Infinity;
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (!(v > -Infinity && v < Infinity)) continue;
    const z = (v - mean) * inv;
    row[i] = z;
    if (z < lowest) lowest = z;
  }
  for (let i = 0; i < row.length; i++) if (!(row[i] > -Infinity && row[i] < Infinity)) row[i] = lowest;
  return true;
}
