import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadModel } from 'kindred';
import { main } from './main.js';

/** Runs the CLI in-process with captured output. */
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough(),
    stderr = new PassThrough();
  let out = '',
    err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(argv, { stdout, stderr });
  return { code, out, err };
}

const small = ['--dataset', 'synthetic', '--users', '120', '--items', '80', '--interactions', '3000', '--seed', '3'];

describe('kindred CLI', () => {
  it('eval --json prints the documented contract', async () => {
    const r = await run('eval', ...small, '--folds', '3', '--algorithm', 'knn-means', '--param', 'k=20', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(Object.keys(j)).toEqual(
      expect.arrayContaining([
        'algorithm',
        'params',
        'dataset',
        'protocol',
        'folds',
        'metrics',
        'perFold',
        'fitSeconds',
        'testSeconds',
      ]),
    );
    expect(j.algorithm).toBe('knn-means');
    expect(j.params.k).toBe(20);
    expect(j.folds).toBe(3);
    expect(j.perFold.rmse).toHaveLength(3);
    expect(j.metrics.rmse).toBeCloseTo(j.perFold.rmse.reduce((s: number, x: number) => s + x, 0) / 3, 12);
    expect(j.metrics.rmse).toBeGreaterThan(0.5);
    expect(j.metrics.rmse).toBeLessThan(1.5);
  });

  it('eval prints a table for people', async () => {
    const r = await run('eval', ...small, '--folds', '2', '--algorithm', 'knn-basic');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/rmse/);
    expect(r.out).toMatch(/Fold 2/);
  });

  it('ranking task on an implicit view reports ranking metrics', async () => {
    const r = await run(
      'eval',
      ...small,
      '--protocol',
      'ratio',
      '--implicit',
      '--task',
      'ranking',
      '--algorithm',
      'knn-basic',
      '--json',
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.metrics['ndcg@10']).toBeGreaterThanOrEqual(0);
    expect(j.protocol).toMatch(/implicit/);
  });

  it('user mistakes are one line and exit code 2, never a stack trace', async () => {
    const unknownAlgo = await run('eval', ...small, '--algorithm', 'nope');
    expect(unknownAlgo.code).toBe(2);
    expect(unknownAlgo.err).toMatch(/unknown algorithm "nope"; known: .*knn-basic/);
    expect(unknownAlgo.err).not.toMatch(/\n\s+at /);

    const badParam = await run('eval', ...small, '--algorithm', 'knn-basic', '--param', 'kk=3');
    expect(badParam.code).toBe(2);
    expect(badParam.err).toMatch(/unknown parameter "kk"; valid parameters are k, minK/);

    const badValue = await run('eval', ...small, '--algorithm', 'knn-basic', '--param', 'k=abc');
    expect(badValue.code).toBe(2);
    expect(badValue.err).toMatch(/expects a number/);

    const unknownDataset = await run('eval', '--dataset', 'no-such-thing', '--algorithm', 'knn-basic');
    expect(unknownDataset.code).toBe(2);
    expect(unknownDataset.err).toMatch(/unknown dataset/);

    const unknownFlag = await run('eval', '--algorithm', 'knn-basic', '--frobnicate');
    expect(unknownFlag.code).toBe(2);
  });

  it('a malformed ratings file fails naming the file, line and field; --skip-bad counts it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kindred-cli-'));
    const file = join(dir, 'ratings.csv');
    const rows = ['user,item,rating'];
    for (let u = 0; u < 30; u++) for (let i = 0; i < 10; i++) rows.push(`u${u},i${(u + i) % 17},${1 + ((u * i) % 5)}`);
    rows.splice(5, 0, 'u1,i2,five');
    writeFileSync(file, rows.join('\n') + '\n');
    const bad = await run('eval', '--dataset', file, '--folds', '2', '--algorithm', 'knn-basic');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(`${file}:line 6`);
    expect(bad.err).toMatch(/rating/);
    const skipped = await run(
      'eval',
      '--dataset',
      file,
      '--skip-bad',
      '--folds',
      '2',
      '--algorithm',
      'knn-basic',
      '--json',
    );
    expect(skipped.code).toBe(0);
    expect(JSON.parse(skipped.out).folds).toBe(2);
  });

  it('fit --save writes a model that loads and recommends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kindred-cli-'));
    const file = join(dir, 'model.kdr');
    const r = await run('fit', ...small, '--algorithm', 'knn-baseline', '--save', file, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.fitSeconds).toBeGreaterThan(0);
    expect(j.interactions).toBeGreaterThan(2000);
    const model = loadModel(new Uint8Array(readFileSync(file)));
    expect(model.name).toBe('knn-baseline');
    expect(model.recommend('u1', { k: 3 }).ids).toHaveLength(3);
  });

  it('search --grid ranks every configuration', async () => {
    const r = await run(
      'search',
      ...small,
      '--folds',
      '2',
      '--algorithm',
      'knn-means',
      '--grid',
      'k=5,20,40',
      '--json',
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.results).toHaveLength(3);
    expect(j.results.map((x: { rank: number }) => x.rank)).toEqual([1, 2, 3]);
    expect(j.results[0].mean.rmse).toBeLessThanOrEqual(j.results[2].mean.rmse);
    expect(j.best.params.k).toBe(j.results[0].params.k);
    const rnd = await run(
      'search',
      ...small,
      '--folds',
      '2',
      '--algorithm',
      'knn-means',
      '--random',
      '2',
      '--space',
      'k=5:40:int',
      '--json',
    );
    expect(rnd.code).toBe(0);
    expect(JSON.parse(rnd.out).results).toHaveLength(2);
  });

  it('cold-start protocols: pure CF cannot score cold items; onboarding serves cold users', async () => {
    const data = [...small.slice(0, 6), '--interactions', '4000', '--seed', '3'];
    const items = await run('eval', ...data, '--protocol', 'cold-items', '--algorithm', 'popular', '--json');
    expect(items.code).toBe(0);
    const ji = JSON.parse(items.out);
    expect(ji.cannotScore).toBe(true);
    expect(ji.metrics).toBeNull();
    const users = await run(
      'eval',
      ...data,
      '--protocol',
      'cold-users',
      '--known',
      '3',
      '--onboard',
      '--algorithm',
      'item-knn',
      '--json',
    );
    expect(users.code).toBe(0);
    const ju = JSON.parse(users.out);
    expect(ju.onboarding).toMatch(/item-similarity/);
    expect(ju.metrics['ndcg@10']).toBeGreaterThan(0);
    expect(ju.protocol).toMatch(/cold-users 0.2 known 3/);
  });

  it('models lists every algorithm with its defaults', async () => {
    const r = await run('models', '--json');
    const names = JSON.parse(r.out).map((m: { name: string }) => m.name);
    expect(names).toEqual(expect.arrayContaining(['normal', 'knn-basic', 'knn-means', 'knn-zscore', 'knn-baseline']));
  });

  it('a missing MovieLens copy fails with where to put the files', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'kindred-empty-'));
    const r = await run(
      'eval',
      '--dataset',
      'ml-100k',
      '--data-dir',
      empty,
      '--cache-dir',
      empty,
      '--algorithm',
      'knn-basic',
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/ml-100k not found/);
    expect(r.err).toMatch(/kindred data fetch ml-100k/);
  });
});

describe('docs/models.md', () => {
  it('is the registry rendered (regenerate: npx kindred models --markdown > docs/models.md)', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync(new URL('../../../docs/models.md', import.meta.url), 'utf8');
    const r = await run('models', '--markdown');
    expect(doc).toBe(r.out);
  });
});
