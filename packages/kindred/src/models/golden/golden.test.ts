// Golden saved models: every file under this folder was written by an earlier build
// (scripts/write-golden-models.mjs) and must load in this one with the same answers. A change to the container
// (model-file.ts), the registry's load path or a model's saveState/loadState that stops reading them fails here.
// Files of older format versions stay in the folder for good; the script adds files for the current version.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listModels, loadModel } from '../registry.js';
import { MODEL_FILE_VERSION } from '../model-file.js';

interface Expected {
  version: number;
  models: Record<
    string,
    {
      file: string;
      bytes: number;
      predictions: { user: string; item: string; value: number | string; impossible: boolean }[];
      recommendations: { user: string; k: number; ids: string[]; scores: (number | string)[] }[];
    }
  >;
}

const DIR = import.meta.dirname;
const versions: Expected[] = readdirSync(DIR)
  .filter((f) => /^expected\.v\d+\.json$/.test(f))
  .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Expected);

/** Equal up to float32 rounding of stored factors, so a harmless reordering of a kernel's sums does not fail. */
function expectClose(actual: number, recorded: number | string, what: string): void {
  const want = Number(recorded);
  if (!Number.isFinite(want)) return expect(actual, what).toBe(want);
  expect(Math.abs(actual - want), what).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));
}

describe('golden saved models', () => {
  it('there is a golden file of the current format version for every registered model kind', () => {
    const current = versions.find((v) => v.version === MODEL_FILE_VERSION);
    expect(current, `expected.v${MODEL_FILE_VERSION}.json (run scripts/write-golden-models.mjs)`).toBeDefined();
    expect(Object.keys(current!.models).sort()).toEqual(
      listModels()
        .map((e) => e.name)
        .sort(),
    );
  });

  for (const v of versions)
    for (const [kind, golden] of Object.entries(v.models))
      it(`format v${v.version}: ${kind} loads and answers as recorded`, () => {
        const bytes = new Uint8Array(readFileSync(join(DIR, golden.file)));
        expect(bytes.length).toBe(golden.bytes);
        const model = loadModel(bytes);
        expect(model.name).toBe(kind);
        // Same call order as the script: the random `normal` model's answers depend on it.
        for (const p of golden.predictions) {
          const got = model.predict(p.user, p.item);
          expect(got.impossible, `${p.user},${p.item} impossible`).toBe(p.impossible);
          expectClose(got.value, p.value, `predict(${p.user}, ${p.item})`);
        }
        for (const r of golden.recommendations) {
          const got = model.recommend(r.user, { k: r.k });
          expect(got.ids, `recommend(${r.user})`).toEqual(r.ids);
          r.scores.forEach((s, k) => expectClose(got.scores[k], s, `recommend(${r.user}) score ${k}`));
        }
      });
});
