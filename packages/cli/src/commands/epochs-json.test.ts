import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { perUserRatioSplit, synthetic, type Interactions } from 'kindred';
import { main } from '../main.js';

/** Runs the CLI in-process with captured output; `tty` makes stderr look like a terminal (the progress bar draws). */
async function run(tty: boolean, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough(),
    stderr = Object.assign(new PassThrough(), tty ? { isTTY: true, columns: 400 } : {});
  let out = '',
    err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(argv, { stdout, stderr });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'kindred-epochs-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SMALL = ['--dataset', 'synthetic', '--users', '120', '--items', '80', '--interactions', '3000', '--seed', '3'];
const IMPLICIT = ['--dataset', 'synthetic', '--users', '200', '--items', '60', '--interactions', '4000'].concat([
  '--kind',
  'implicit',
  '--seed',
  '3',
]);
/** A tiny Mult-DAE that trains in milliseconds and, with a validation split, stops early after 2 stale epochs. */
const DAE = ['-a', 'mult-dae', '-p', 'hidden=16', '-p', 'latent=8', '-p', 'batchSize=50', '-p', 'learningRate=0.01'];
const PATIENCE = 2;
const EPOCHS = 30;
const DAE_RUN = [...DAE, '-p', `patience=${PATIENCE}`, '-p', `epochs=${EPOCHS}`];
const TRAINING_KEYS = ['epochs', 'bestEpoch', 'secondsPerEpoch', 'training'];

/** The same synthetic data as IMPLICIT, split per user 80/10/10 and written as CSV files (raw ids). */
function splitFiles(): { train: string; validation: string; test: string } {
  const data = synthetic({ users: 200, items: 60, interactions: 4000, kind: 'implicit', seed: 3 });
  const [split] = perUserRatioSplit({ ratios: [0.8, 0.1, 0.1], seed: 0 })(data);
  const write = (name: string, d: Interactions) => {
    const lines = ['user,item,rating'];
    for (let r = 0; r < d.length; r++) lines.push(`${d.userIds.id(d.users[r])},${d.itemIds.id(d.items[r])},1`);
    writeFileSync(join(dir, name), lines.join('\n') + '\n');
    return join(dir, name);
  };
  return {
    train: write('train.csv', split.train),
    validation: write('validation.csv', split.validation!),
    test: write('test.csv', split.test),
  };
}

describe('kindred fit/eval --json: epochs, bestEpoch, secondsPerEpoch from the onEpoch stream', () => {
  it('eval: one fold per k-fold split with its own figures, the top-level figures their means', async () => {
    const r = await run(false, 'eval', ...SMALL, '--folds', '3', '-a', 'svd', '-p', 'epochs=4', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.training.aggregate).toBe('mean over folds');
    expect(j.training.perFold).toHaveLength(3);
    for (const f of j.training.perFold) {
      expect(f).toMatchObject({ epochs: 4, bestEpoch: 4 }); // no validation: the last epoch is the kept one
      expect(f.secondsPerEpoch).toBeGreaterThan(0);
    }
    expect(j.epochs).toBe(4);
    expect(j.bestEpoch).toBe(4);
    const mean = j.training.perFold.reduce((s: number, f: { secondsPerEpoch: number }) => s + f.secondsPerEpoch, 0) / 3;
    expect(j.secondsPerEpoch).toBeCloseTo(mean, 12);
  });

  it('eval --protocol ratio-811 | leave-last-out: the validation part stops training; bestEpoch is the last best', async () => {
    for (const protocol of ['ratio-811', 'leave-last-out']) {
      const r = await run(false, 'eval', ...IMPLICIT, '--protocol', protocol, ...DAE_RUN, '--json');
      expect(r.code).toBe(0);
      const j = JSON.parse(r.out);
      // Stopped early: `patience` stale epochs after the kept one (without the validation part: all 30 epochs).
      expect(j.epochs).toBeLessThan(EPOCHS);
      expect(j.bestEpoch).toBe(j.epochs - PATIENCE);
      expect(j.training.perFold).toEqual([
        { epochs: j.epochs, bestEpoch: j.bestEpoch, secondsPerEpoch: j.secondsPerEpoch },
      ]);
    }
  });

  it('eval --train/--test --validation FILE: the validation file is the fit’s early-stopping set', async () => {
    const f = splitFiles();
    const args = ['eval', '--train', f.train, '--test', f.test, ...DAE_RUN, '--json'];
    const without = JSON.parse((await run(false, ...args)).out);
    expect(without.epochs).toBe(EPOCHS);
    expect(without.bestEpoch).toBe(EPOCHS);
    const r = await run(false, ...args, '--validation', f.validation);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.epochs).toBeLessThan(EPOCHS);
    expect(j.bestEpoch).toBe(j.epochs - PATIENCE);
    // The validation row's own fit is not a fold of the report.
    expect(j.training.perFold).toHaveLength(1);
    expect(j.validation.metrics['ndcg@10']).toBeGreaterThan(0);
  });

  it('fit: the final fit’s figures; --validation FILE stops it early and keeps the best epoch', async () => {
    const f = splitFiles();
    const plain = JSON.parse((await run(false, 'fit', '--dataset', f.train, ...DAE_RUN, '--json')).out);
    expect(plain).toMatchObject({ epochs: EPOCHS, bestEpoch: EPOCHS });
    expect(plain.secondsPerEpoch).toBeGreaterThan(0);
    expect(plain.validation).toBeUndefined();
    const r = await run(false, 'fit', '--dataset', f.train, '--validation', f.validation, ...DAE_RUN, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.epochs).toBeLessThan(EPOCHS);
    expect(j.bestEpoch).toBe(j.epochs - PATIENCE);
    expect(j.validation).toEqual({ file: f.validation, interactions: expect.any(Number) });
    expect(j.validation.interactions).toBeGreaterThan(0);
  });

  it('fit --repeat reports the final fit, not a sum over repeats', async () => {
    const j = JSON.parse(
      (await run(false, 'fit', ...SMALL, '-a', 'svd', '-p', 'epochs=3', '--repeat', '2', '--json')).out,
    );
    expect(j).toMatchObject({ epochs: 3, bestEpoch: 3 });
  });

  it('the tables for people say the same in one line', async () => {
    const svd = await run(false, 'eval', ...SMALL, '--folds', '2', '-a', 'svd', '-p', 'epochs=4');
    expect(svd.out).toMatch(/\nepochs: 4 \(best 4\), 4 \(best 4\); \d+\.\d{4} s per epoch \(mean over folds\)\n/);
    const fit = await run(false, 'fit', ...SMALL, '-a', 'svd', '-p', 'epochs=4');
    expect(fit.out).toMatch(/\nepochs: 4 \(best 4\); \d+\.\d{4} s per epoch\n/);
    const ease = await run(false, 'eval', ...SMALL, '--folds', '2', '-a', 'ease', '--task', 'ranking');
    expect(ease.code).toBe(0);
    expect(ease.out).not.toMatch(/epochs:/);
  });

  it('models without epochs (ease, item-knn, popular) omit the fields', async () => {
    for (const a of ['ease', 'item-knn', 'popular']) {
      const fit = JSON.parse((await run(false, 'fit', ...SMALL, '-a', a, '--json')).out);
      const ev = JSON.parse(
        (await run(false, 'eval', ...SMALL, '--folds', '2', '-a', a, '--task', 'ranking', '--json')).out,
      );
      for (const key of TRAINING_KEYS) {
        expect(fit).not.toHaveProperty(key);
        expect(ev).not.toHaveProperty(key);
      }
    }
  });

  it('fit’s progress bar shows the loss and the validation metric with the best epoch', async () => {
    const f = splitFiles();
    const r = await run(true, 'fit', '--dataset', f.train, '--validation', f.validation, ...DAE_RUN);
    expect(r.code).toBe(0);
    // The bar's last frame (drawn when it stops) is the final epoch's.
    expect(r.err).toMatch(/epoch \d+\/30 loss \d+\.\d{4} ndcg@10 0\.\d{4} \(best \d+\)/);
  });

  it('fit --validation names a missing file and counts rows it cannot use', async () => {
    const f = splitFiles();
    const missing = await run(false, 'fit', '--dataset', f.train, '--validation', join(dir, 'nope.csv'), ...DAE_RUN);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--validation .*nope\.csv: no such file/);
    const odd = join(dir, 'odd.csv');
    writeFileSync(odd, 'user,item,rating\nnobody,i-unknown,1\n');
    const r = await run(false, 'fit', '--dataset', f.train, '--validation', odd, ...DAE_RUN, '--json');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/1 rows with users or items not in the training data left out/);
    const j = JSON.parse(r.out);
    expect(j.validation.interactions).toBe(0);
    expect(j.epochs).toBe(EPOCHS); // nothing to validate on: no early stopping
  });
});
