import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';

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

const dir = mkdtempSync(join(tmpdir(), 'kindred-eval-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** u.data rows: user 1 rates 4 everywhere, user 2 rates 2; item 30 only appears in the test file (cold). */
const TRAIN = ['1\t10\t4\t1', '1\t20\t4\t2', '2\t10\t2\t3', '2\t20\t2\t4', '3\t10\t3\t5'];
/** Unshrunk biases: the prediction for a cold item is exactly the global mean plus the user's bias. */
const BASELINE = ['-a', 'baseline', '--param', 'regUser=0', '--param', 'regItem=0'];
const file = (name: string, text: string): string => (writeFileSync(join(dir, name), text), join(dir, name));

describe('kindred eval --train FILE --test FILE [--validation FILE]', () => {
  it('scores a user-made split in u.data format, test ids mapped through the train set', async () => {
    const train = file('u.base', TRAIN.join('\n') + '\n');
    // Written with users and items in the opposite order to the train file: the indices must come from the train
    // file's id maps, or user 2's test row would be scored as user 1 (error 2) instead of with user 2's mean (0).
    const test = file('u.test', '2\t30\t2\t9\n1\t30\t4\t9\n');
    const r = await run('eval', '--train', train, '--test', test, ...BASELINE, '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.protocol).toBe(`files: train ${train}, test ${test}`);
    expect(j.dataset).toBe(train);
    expect(j.folds).toBe(1);
    // The cold item gets the global mean 3 plus the user's bias: user 1 → 4, user 2 → 2, both exact.
    expect(j.metrics.rmse).toBeLessThan(0.01);
    expect(j.validation).toBeUndefined();
  });

  it('reads CSV/TSV files with a header and reports --validation as its own row', async () => {
    const csv = (rows: string[]) =>
      'userId,movieId,rating\n' + rows.map((r) => r.split('\t').slice(0, 3).join(',')).join('\n');
    const train = file('train.csv', csv(TRAIN) + '\n');
    const test = file('test.tsv', 'user\titem\trating\n1\t20\t4\n');
    const validation = file('val.csv', csv(['2\t10\t5']) + '\n');
    const r = await run('eval', '--train', train, '--test', test, '--validation', validation, ...BASELINE, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.metrics.rmse).toBeLessThan(0.01); // user 1 rated 4 everywhere
    expect(j.validation.metrics.rmse).toBeCloseTo(3, 2); // user 2 rated 2 in training, 5 in validation
    const table = await run('eval', '--train', train, '--test', test, '--validation', validation, ...BASELINE);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/validation \(.*val\.csv\):/);
  });

  it('names what is wrong: --train without --test, a missing file, --validation without --train', async () => {
    const train = file('only.base', TRAIN.join('\n') + '\n');
    const noTest = await run('eval', '--train', train, '-a', 'baseline');
    expect(noTest.code).toBe(2);
    expect(noTest.err).toMatch(/--train needs --test FILE/);
    const missing = await run('eval', '--train', train, '--test', join(dir, 'nope.test'), '-a', 'baseline');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--test .*nope\.test: no such file/);
    const noTrain = await run('eval', '--validation', train, '-a', 'baseline');
    expect(noTrain.code).toBe(2);
    expect(noTrain.err).toMatch(/--validation needs --train/);
    const both = await run('eval', '--train', train, '--test', train, '--folds', '3', '-a', 'baseline');
    expect(both.code).toBe(2);
  });
});

describe('kindred eval --dataset ml-100k --data-dir', () => {
  it('accepts the dataset folder itself (DIR/u.data) as well as its parent', async () => {
    const parent = join(dir, 'data');
    const ml = join(parent, 'ml-100k');
    mkdirSync(ml, { recursive: true });
    const rows = [];
    for (let u = 1; u <= 6; u++)
      for (let i = 1; i <= 5; i++) rows.push(`${u}\t${i}\t${1 + ((u + i) % 5)}\t${u * 10 + i}`);
    writeFileSync(join(ml, 'u.data'), rows.join('\n') + '\n');
    writeFileSync(
      join(ml, 'u.item'),
      [1, 2, 3, 4, 5].map((i) => `${i}|Film ${i} (1990)|01-Jan-1990||u|${'0|'.repeat(18)}1`).join('\n') + '\n',
    );
    writeFileSync(join(ml, 'u.user'), [1, 2, 3, 4, 5, 6].map((u) => `${u}|30|F|artist|1`).join('\n') + '\n');
    const args = ['eval', '--dataset', 'ml-100k', '--cache-dir', join(dir, 'no-cache'), '--folds', '2'];
    for (const dataDir of [ml, parent]) {
      const r = await run(...args, '--data-dir', dataDir, '-a', 'baseline', '--json');
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out).folds).toBe(2);
    }
  });
});
