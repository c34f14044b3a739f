import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createModel, saveModel } from 'kindred';
import { addDatasetOptions, loadCliDataset, type DatasetFlags } from '../dataset.js';
import { printJson, Progress, table, type Io } from '../output.js';
import { collect, parseParams } from '../params.js';
import { UsageError } from '../usage-error.js';

interface FitFlags extends DatasetFlags {
  algorithm: string;
  param?: string[];
  json?: boolean;
  repeat: string;
  save?: string;
}

export function registerFitCommand(program: Command, io: Io): void {
  const cmd = program
    .command('fit')
    .description('train a model on a whole dataset and report the fit time (optionally save it)')
    .requiredOption('-a, --algorithm <name>', 'algorithm (see `kindred models`)')
    .option('-p, --param <key=value>', 'model parameter, repeatable', collect, [])
    .option('--repeat <n>', 'fit n times and report every time and the median', '1')
    .option('--save <file>', 'write the fitted model to this file')
    .option('--json', 'print one JSON object on stdout');
  addDatasetOptions(cmd);
  cmd.action(async (flags: FitFlags) => {
    const params = parseParams(flags.algorithm, flags.param);
    const repeat = Number(flags.repeat);
    if (!Number.isInteger(repeat) || repeat < 1) throw new UsageError(`--repeat must be a positive integer`);
    const ds = await loadCliDataset(flags);
    const progress = new Progress(io, !!flags.json);
    const times: number[] = [];
    let model = createModel(flags.algorithm, params);
    for (let r = 0; r < repeat; r++) {
      model = createModel(flags.algorithm, params);
      const t0 = performance.now();
      model.fit(ds.data, {
        onEpoch: (e) => {
          if (e.epoch === 1) progress.start(e.epochs, `fit ${flags.algorithm}`);
          progress.update(e.epoch, e.loss !== undefined ? `loss ${e.loss.toFixed(4)}` : '');
        },
      });
      times.push((performance.now() - t0) / 1000);
      progress.stop();
    }
    if (flags.save) writeFileSync(flags.save, saveModel(model));
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[Math.floor((sorted.length - 1) / 2)];
    const result = {
      algorithm: flags.algorithm,
      params: model.getParams(),
      dataset: ds.name,
      users: ds.data.nUsers,
      items: ds.data.nItems,
      interactions: ds.data.length,
      fitSeconds: median,
      fitSecondsAll: times,
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      ...(flags.save ? { savedTo: flags.save } : {}),
    };
    if (flags.json) return printJson(io, result);
    io.stdout.write(
      table(
        ['algorithm', 'dataset', 'interactions', 'fit seconds (median)', 'runs'],
        [[flags.algorithm, ds.name, ds.data.length, median, repeat]],
      ) + '\n',
    );
    if (flags.save) io.stdout.write(`saved to ${flags.save}\n`);
  });
}
