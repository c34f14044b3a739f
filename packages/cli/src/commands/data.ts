import type { Command } from 'commander';
import { DATASETS, fetchDataset, type DatasetName } from 'kindred/node';
import { addDatasetOptions, loadCliDataset, type DatasetFlags } from '../dataset.js';
import { printJson, table, type Io } from '../output.js';
import { UsageError } from '../usage-error.js';

export function registerDataCommands(program: Command, io: Io): void {
  const data = program.command('data').description('datasets: download into the cache, inspect');
  data
    .command('fetch <name>')
    .description(`download a dataset (${Object.keys(DATASETS).join(', ')}) into the cache and verify its checksum`)
    .option('--cache-dir <dir>', 'cache directory (default $KINDRED_CACHE_DIR or ~/.cache/kindred)')
    .option('--force', 'download again even when a valid copy is cached')
    .option('--timeout <seconds>', 'give up when nothing arrives for this long', '15')
    .action(async (name: string, opts: { cacheDir?: string; force?: boolean; timeout: string }) => {
      if (!(name in DATASETS))
        throw new UsageError(`unknown dataset "${name}"; valid: ${Object.keys(DATASETS).join(', ')}`);
      let last = 0;
      const dir = await fetchDataset(name as DatasetName, {
        cacheDir: opts.cacheDir,
        force: opts.force,
        timeoutMs: Number(opts.timeout) * 1000,
        onProgress: (received, total) => {
          if (!io.stderr.isTTY || received - last < 256 * 1024) return;
          last = received;
          io.stderr.write(`\r${(received / 1e6).toFixed(1)} MB${total ? ` of ${(total / 1e6).toFixed(1)} MB` : ''}`);
        },
      });
      if (io.stderr.isTTY) io.stderr.write('\n');
      io.stdout.write(`${name} ready in ${dir}\n`);
    });
  const info = data
    .command('info')
    .description('load a dataset and print its size, density and rating distribution')
    .option('--json', 'print JSON');
  addDatasetOptions(info);
  info.action(async (flags: DatasetFlags & { json?: boolean }) => {
    const ds = await loadCliDataset(flags);
    const d = ds.data;
    const { min, max } = d.valueRange();
    const hist: Record<string, number> = {};
    for (let k = 0; k < d.length; k++) hist[String(d.values[k])] = (hist[String(d.values[k])] ?? 0) + 1;
    const summary = {
      dataset: ds.name,
      users: d.nUsers,
      items: d.nItems,
      interactions: d.length,
      density: d.length / (d.nUsers * d.nItems),
      valueMin: min,
      valueMax: max,
      valueMean: d.mean(),
      timestamps: d.timestamps !== null,
      values: hist,
    };
    if (flags.json) return printJson(io, summary);
    io.stdout.write(
      table(
        ['dataset', 'users', 'items', 'interactions', 'density', 'mean value'],
        [[ds.name, d.nUsers, d.nItems, d.length, summary.density, summary.valueMean]],
      ) + '\n',
    );
  });
}
