// Writes the golden saved models under src/models/golden/: one small `.kndr` file per registered model kind, trained
// on the checkerboard fixture (24 users × 24 items, seeded), and `expected.v<version>.json` with what each file must
// predict and recommend once loaded. src/models/golden/golden.test.ts loads every file with the current build and
// checks those answers, so a change to the saved-model format (model-file.ts, registry.ts, a model's
// saveState/loadState) that stops reading older files fails a test.
//
// Run it ONLY on a deliberate format change, after bumping MODEL_FILE_VERSION (or adding a model kind): it writes
// files named after the current version and never touches other versions' files, which must keep loading.
//
//   npx tsc -b packages/kindred && node packages/kindred/scripts/write-golden-models.mjs
//
// Options are small (few factors, few epochs) so each file stays a few KB. No MovieLens data: only the fixture.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FeatureBuilder, IdMap, createModel, listModels, loadModel, saveModel } from '../dist/index.js';
import { MODEL_FILE_VERSION } from '../dist/models/model-file.js';
import { checkerboard } from '../dist/testing/fixtures.js';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'models', 'golden');
const ALS = { factors: 4, iterations: 4, regularization: 0.1, seed: 1 };

/** Options per model kind; a registered kind missing here fails the run, so new kinds get a golden file. */
const PARAMS = {
  normal: { seed: 1 },
  baseline: {},
  svd: { factors: 4, epochs: 5, seed: 1 },
  'knn-basic': { k: 5 },
  'knn-means': { k: 5 },
  'knn-zscore': { k: 5 },
  'knn-baseline': { k: 5 },
  svdpp: { factors: 4, epochs: 5, seed: 1 },
  nmf: { factors: 4, epochs: 10, seed: 1 },
  'slope-one': {},
  'co-clustering': { nCltrU: 2, nCltrI: 2, epochs: 5, seed: 1 },
  popular: {},
  'item-knn': { k: 5 },
  'user-knn': { k: 5 },
  ease: { lambda: 5 },
  als: ALS,
  bpr: { factors: 4, iterations: 10, learningRate: 0.05, seed: 1 },
  'content-knn': { k: 5 },
  profile: {},
  lightfm: { noComponents: 4, epochs: 5, seed: 1 },
  weighted: { members: 'als,content-knn', memberParams: JSON.stringify([ALS, { k: 5 }]), seed: 1 },
  switching: { members: 'content-knn,als', memberParams: JSON.stringify([{ k: 5 }, ALS]) },
  cascade: { members: 'als,content-knn', memberParams: JSON.stringify([ALS, { k: 5 }]), candidates: 8 },
  augmented: { members: 'content-knn,als', memberParams: JSON.stringify([{ k: 5 }, ALS]), fill: 2 },
  'mult-vae': { epochs: 3, hidden: 4, latent: 2, batchSize: 8, seed: 1 },
  'mult-dae': { epochs: 3, hidden: 4, latent: 2, batchSize: 8, seed: 1 },
  'two-tower': { epochs: 3, dim: 4, hidden: 4, factors: 4, batchSize: 16, seed: 1 },
  sasrec: { epochs: 3, hidden: 4, blocks: 1, heads: 1, maxLength: 8, batchSize: 8, seed: 1 },
  ncf: { epochs: 3, factors: 2, layers: '4,2', negatives: 4, batchSize: 32, learningRate: 1e-2, seed: 1 },
  autorec: { hidden: 4, epochs: 3, batchSize: 8, learningRate: 1e-2, holdout: 0, seed: 1 },
};

// The same item features as the content and hybrid tests: parity (what the checkerboard follows) and a distractor.
const boardIds = IdMap.from(Array.from({ length: 24 }, (_, i) => `i${i}`));
const boardFeatures = new FeatureBuilder(boardIds)
  .categorical('parity', (_, i) => (i % 2 === 0 ? 'even' : 'odd'))
  .categorical('third', (_, i) => i % 3, { weight: 0.5 })
  .build();

// Queried pairs: seen and held-out pairs, plus one unknown user and one unknown item (the fallback answers).
const PAIRS = [
  ['u0', 'i0'],
  ['u0', 'i1'],
  ['u1', 'i2'],
  ['u1', 'i3'],
  ['u5', 'i10'],
  ['u7', 'i23'],
  ['nobody', 'i0'],
  ['u0', 'no-such-item'],
];
const USERS = ['u0', 'u1', 'u6', 'a-new-user'];

/** JSON has no Infinity: non-finite numbers are written as strings ("-Infinity"), which `Number()` reads back. */
const num = (v) => (Number.isFinite(v) ? v : String(v));

/** What the test replays, in this order (the random `normal` model's answers depend on the call order). */
function answers(model) {
  const predictions = PAIRS.map(([user, item]) => {
    const p = model.predict(user, item);
    return { user, item, value: num(p.value), impossible: p.impossible };
  });
  const recommendations = USERS.map((user) => {
    const r = model.recommend(user, { k: 5 });
    return { user, k: 5, ids: r.ids, scores: Array.from(r.scores, num) };
  });
  return { predictions, recommendations };
}

mkdirSync(OUT, { recursive: true });
const expected = { version: MODEL_FILE_VERSION, models: {} };
for (const entry of listModels()) {
  const params = PARAMS[entry.name];
  if (!params) throw new Error(`write-golden-models: no options for model kind "${entry.name}"; add it to PARAMS`);
  const { data } = checkerboard({ implicit: entry.task === 'ranking' });
  const model = createModel(entry.name, params);
  if (typeof model.withItemFeatures === 'function') model.withItemFeatures(boardFeatures, boardIds);
  model.fit(data);
  const bytes = saveModel(model);
  const file = `${entry.name}.v${MODEL_FILE_VERSION}.kndr`;
  writeFileSync(join(OUT, file), bytes);
  // Record what the file answers once loaded: that is what a later build must reproduce.
  expected.models[entry.name] = { file, bytes: bytes.length, ...answers(loadModel(bytes)) };
  console.log(`${file}: ${bytes.length} bytes`);
}
writeFileSync(join(OUT, `expected.v${MODEL_FILE_VERSION}.json`), JSON.stringify(expected, null, 1) + '\n');
