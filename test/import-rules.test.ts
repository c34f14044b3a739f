// Enforces ARCHITECTURE.md's dependency arrows: data/math ← models ← eval/pipeline ← node ← engine ← cli.
// A wrong-way import fails this test with the file and the import named.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const LIB = join(ROOT, 'packages/kindred/src');

/** Layer of a library file, by its top folder under src/. Lower layers may not import higher ones. */
const LAYER: Record<string, number> = {
  'errors.ts': 0,
  math: 0,
  data: 1,
  features: 1,
  models: 2,
  testing: 2,
  eval: 3,
  pipeline: 3,
  node: 4,
  'index.ts': 5,
};

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (/\.ts$/.test(name)) out.push(p);
  }
  return out;
}

function importsOf(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const specs: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (let m = re.exec(src); m; m = re.exec(src)) specs.push(m[1] ?? m[2]);
  return specs;
}

function layerOf(file: string): number {
  const rel = relative(LIB, file.replace(/\.js$/, '.ts')).split('/');
  const key = rel[0];
  const layer = LAYER[key];
  if (layer === undefined)
    throw new Error(`${relative(ROOT, file)}: folder "${key}" has no layer in import-rules.test.ts`);
  return layer;
}

/** The model files that live beside the substrate in models/neural/ (they may build on other model folders). */
const NEURAL_MODELS = ['mult-vae', 'ncf', 'two-tower', 'autorec'];

const isTest = (f: string) => /\.(test|case)\.ts$/.test(f);

describe('import rules', () => {
  const files = walk(LIB);

  it('library layers only import downwards', () => {
    const bad: string[] = [];
    for (const f of files) {
      if (isTest(f)) continue;
      const from = layerOf(f);
      for (const spec of importsOf(f)) {
        if (!spec.startsWith('.')) continue;
        const target = resolve(dirname(f), spec);
        const to = layerOf(target);
        if (to > from) bad.push(`${relative(ROOT, f)} imports ${spec} (layer ${to} > ${from})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the neural substrate (models/neural/ minus its model files) imports no model folder', () => {
    const NEURAL = join(LIB, 'models/neural');
    const isModelFile = (f: string) => NEURAL_MODELS.some((m) => relative(NEURAL, f).startsWith(m));
    const bad: string[] = [];
    for (const f of files) {
      if (isTest(f) || dirname(f) !== NEURAL || isModelFile(f)) continue;
      for (const spec of importsOf(f)) {
        if (!spec.startsWith('.')) continue;
        const target = relative(join(LIB, 'models'), resolve(dirname(f), spec)).split('/');
        if (target.length > 1 && target[0] !== 'neural' && !target[0].startsWith('..'))
          bad.push(`${relative(ROOT, f)} imports ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('only src/node touches node:* and the library has no runtime dependencies', () => {
    const bad: string[] = [];
    for (const f of files) {
      if (isTest(f) || relative(LIB, f).startsWith('node/')) continue;
      for (const spec of importsOf(f)) {
        if (spec.startsWith('.')) continue;
        bad.push(`${relative(ROOT, f)} imports "${spec}"`);
      }
    }
    expect(bad).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'packages/kindred/package.json'), 'utf8'));
    expect(pkg.dependencies ?? {}).toEqual({});
  });

  it('the engine and the CLI reach the library (and the CLI the engine) only through public entries', () => {
    const bad: string[] = [];
    const engineFiles = walk(join(ROOT, 'packages/engine/src'));
    for (const f of engineFiles) {
      for (const spec of importsOf(f)) {
        if (
          spec.includes('packages/') ||
          spec.includes('kindred/src') ||
          /^kindred\/(?!node$)/.test(spec) ||
          spec.includes('@kindred/cli')
        )
          bad.push(`${relative(ROOT, f)} imports "${spec}"`);
      }
    }
    for (const f of walk(join(ROOT, 'packages/cli/src'))) {
      for (const spec of importsOf(f)) {
        if (
          spec.includes('packages/') ||
          spec.includes('../kindred') ||
          spec.includes('../engine') ||
          /^kindred\/(?!node$)/.test(spec) ||
          /^@kindred\/engine\/./.test(spec)
        )
          bad.push(`${relative(ROOT, f)} imports "${spec}"`);
      }
    }
    expect(bad).toEqual([]);
  });
});
