import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { synthetic } from 'kindred';
import { loadCliDataset } from './dataset.js';
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

const SIZES = { users: 150, items: 60, interactions: 3000, seed: 4 };
const FLAGS = ['--dataset', 'synthetic', '--users', '150', '--items', '60', '--interactions', '3000', '--seed', '4'];

describe('--dataset synthetic --kind sequential', () => {
  it('loads the library’s sequential generator with the size and seed flags', async () => {
    const ds = await loadCliDataset({
      dataset: 'synthetic',
      kind: 'sequential',
      users: '150',
      items: '60',
      interactions: '3000',
      seed: '4',
    });
    const want = synthetic({ ...SIZES, kind: 'sequential' });
    expect(Array.from(ds.data.users)).toEqual(Array.from(want.users));
    expect(Array.from(ds.data.items)).toEqual(Array.from(want.items));
    expect(Array.from(ds.data.timestamps!)).toEqual(Array.from(want.timestamps!));
    // Not the order-blind implicit data under another name: that one has no timestamps in sequence.
    const implicit = synthetic({ ...SIZES, kind: 'implicit' });
    expect(Array.from(ds.data.items)).not.toEqual(Array.from(implicit.items));
  });

  it('fit --json trains a sequential model on it', async () => {
    const r = await run(
      'fit',
      ...FLAGS,
      '--kind',
      'sequential',
      '-a',
      'sasrec',
      ...['-p', 'epochs=1', '-p', 'hidden=8', '-p', 'maxLength=10', '-p', 'loss=gbce', '-p', 'negatives=8'],
      '--json',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.dataset).toBe('synthetic');
    expect(j.interactions).toBe(synthetic({ ...SIZES, kind: 'sequential' }).length);
    expect(j.epochs).toBe(1);
    expect(j.secondsPerEpoch).toBeGreaterThan(0);
    expect(j.peakRssMB).toBeGreaterThan(0);
  });

  it('an unknown kind is a usage error naming the choices', async () => {
    const r = await run('fit', ...FLAGS, '--kind', 'sessions', '-a', 'popular', '--json');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/rating, implicit, sequential/);
  });
});
