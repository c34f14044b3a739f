import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

const dir = mkdtempSync(join(tmpdir(), 'kindred-eval-protocols-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/*
 * Users 1–3 see 10, then 20, then 30; user 4 sees 20, 30, 40, 50 (by time). Leave-last-out (valid and test):
 * users 1–3 train {10}, validate 20, test 30; user 4 trains {20, 30}, validates 40, tests 50. Popularity in training:
 * 10 → 3 users, 20 and 30 → 1. At k = 1, with train ∪ validation masked, users 1–3 get 30 (a hit) and user 4 gets 10
 * (a miss): hit@1 = 3/4. Were the validation item 20 left rankable, it would tie with 30 and win on index: 0.
 */
const rows = [
  [1, 10, 1],
  [1, 20, 2],
  [1, 30, 3],
  [2, 10, 1],
  [2, 20, 2],
  [2, 30, 3],
  [3, 10, 1],
  [3, 20, 2],
  [3, 30, 3],
  [4, 20, 1],
  [4, 30, 2],
  [4, 40, 3],
  [4, 50, 4],
];
const data = join(dir, 'events.csv');
writeFileSync(data, 'user,item,rating,timestamp\n' + rows.map(([u, i, t]) => `${u},${i},1,${t}`).join('\n') + '\n');
const POP = ['-a', 'popular', '--dataset', data, '-k', '1', '--json'];

describe('kindred eval --protocol leave-last-out | ratio-811 (RecBole’s protocols)', () => {
  it('leave-last-out: full ranking, train ∪ validation masked, RecBole’s metrics and the validation row', async () => {
    const r = await run('eval', ...POP, '--protocol', 'leave-last-out');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.protocol).toMatch(/^leave-last-out \(RecBole LS valid_and_test/);
    expect(j.task).toBe('ranking');
    expect(j.ranking).toEqual({ mode: 'full', masked: 'train+validation' });
    expect(Object.keys(j.metrics)).toEqual(['hit@1', 'ndcg@1', 'mrr@1', 'recall@1', 'precision@1']);
    expect(j.metrics['hit@1']).toBe(0.75);
    expect(j.metrics['ndcg@1']).toBe(0.75);
    // Validation (train masked): users 1–3 are offered 20 or 30 (tied at 1 user; 20 has the lower index) → hits;
    // user 4 is offered 10 → a miss.
    expect(j.validation.metrics['hit@1']).toBe(0.75);
    const table = await run('eval', ...POP.slice(0, -1), '--protocol', 'leave-last-out');
    expect(table.out).toMatch(/ranking: full \(every item\), masked: train\+validation/);
    expect(table.out).toMatch(/validation part/);
  });

  it('leave-last-out-test-only keeps the old protocol: the second-to-last item trains, no validation', async () => {
    const r = await run('eval', ...POP, '--protocol', 'leave-last-out-test-only', '--task', 'ranking');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.protocol).toMatch(/^leave-last-out-test-only/);
    expect(j.ranking).toEqual({ mode: 'full', masked: 'train' });
    expect(j.validation).toBeUndefined();
  });

  it('ratio-811 splits per user with RecBole’s sizes (3 rows → 1/1/1, 4 rows → 2/1/1)', async () => {
    const r = await run('eval', ...POP, '--protocol', 'ratio-811', '--seed', '5');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.protocol).toBe('ratio-811 (RecBole RS 8:1:1 per user, random order, seed 5)');
    expect(j.ranking.masked).toBe('train+validation');
    expect(Object.keys(j.validation.metrics)).toContain('recall@1');
  });

  it('--sampled-negatives is labelled, seeded and deterministic', async () => {
    const args = [...POP, '--protocol', 'leave-last-out', '--sampled-negatives', '2', '--seed', '3'];
    const a = JSON.parse((await run('eval', ...args)).out);
    const b = JSON.parse((await run('eval', ...args)).out);
    expect(a.protocol).toMatch(/SAMPLED ranking: each test item among 2 sampled unseen items \(seed 3\)/);
    expect(a.ranking).toEqual({ mode: 'sampled', sampledNegatives: 2, seed: 3, masked: 'train+validation' });
    expect(a.metrics).toEqual(b.metrics);
    const bad = await run('eval', ...POP, '--protocol', 'leave-last-out', '--sampled-negatives', '0');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/--sampled-negatives must be a positive integer/);
  });
});
