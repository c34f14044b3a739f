import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { binarize, createModel, saveModel, type FitOptions, type Interactions } from 'kindred';
import { createWorkerRunner, type WorkerRunner } from 'kindred/node';
import { addDatasetOptions, loadCliDataset, protocolSplits, type DatasetFlags } from '../dataset.js';
import { EpochRecorder, trainingLine, type EpochReport } from '../epoch-report.js';
import { printJson, Progress, table, type Io } from '../output.js';
import { collect, parseParams } from '../params.js';
import { UsageError } from '../usage-error.js';
import { readValidationFile } from '../validation-file.js';

interface FitFlags extends DatasetFlags {
  split?: string;
  implicit?: boolean;
  algorithm: string;
  param?: string[];
  json?: boolean;
  repeat: string;
  save?: string;
  threads: string;
  validation?: string;
}

/** Models with a multi-threaded fit (ALS today) expose `fitAsync(data, {runner})`. */
type ParallelFit = { fitAsync(data: Interactions, opts: FitOptions & { runner?: WorkerRunner }): Promise<unknown> };
const canFitParallel = (m: object): m is ParallelFit => typeof (m as Partial<ParallelFit>).fitAsync === 'function';

export function registerFitCommand(program: Command, io: Io): void {
  const cmd = program
    .command('fit')
    .description('train a model on a whole dataset and report the fit time (optionally save it)')
    .requiredOption('-a, --algorithm <name>', 'algorithm (see `kindred models`)')
    .option('-p, --param <key=value>', 'model parameter, repeatable', collect, [])
    .option('--repeat <n>', 'fit n times and report every time and the median', '1')
    .option('--save <file>', 'write the fitted model to this file')
    .option(
      '--threads <n>',
      'worker threads for models with a parallel fit (als, knn-basic/means/zscore/baseline)',
      '1',
    )
    .option('--split <name>', 'fit on the training part of a canonical MovieLens 100K split (e.g. u1)')
    .option('--implicit', 'treat every interaction as a positive with value 1')
    .option(
      '--validation <file>',
      'held-out interactions for early stopping (mult-vae, mult-dae and the other neural models stop on their ' +
        'NDCG@10, keeping the best epoch; other models ignore them); ids map through the training data’s, rows with ' +
        'users or items it lacks are left out',
    )
    .option('--json', 'print one JSON object on stdout');
  addDatasetOptions(cmd);
  cmd.action(async (flags: FitFlags) => {
    const params = parseParams(flags.algorithm, flags.param);
    const repeat = Number(flags.repeat);
    if (!Number.isInteger(repeat) || repeat < 1) throw new UsageError(`--repeat must be a positive integer`);
    const ds = flags.split
      ? await (async () => {
          const { splits } = await protocolSplits({ ...flags, split: flags.split });
          return { name: `${flags.dataset}:${flags.split}.base`, data: splits[0].train };
        })()
      : await loadCliDataset(flags);
    if (flags.implicit) ds.data = binarize(ds.data, { threshold: -Infinity });
    const validation = flags.validation ? await readValidation(flags.validation, ds.data, flags, io) : undefined;
    const threads = Number(flags.threads);
    if (!Number.isInteger(threads) || threads < 1) throw new UsageError(`--threads must be a positive integer`);
    const progress = new Progress(io, !!flags.json);
    const times: number[] = [];
    const recorder = new EpochRecorder();
    let training: EpochReport | null = null;
    let model = createModel(flags.algorithm, params);
    // Workers are started once and reused for every repeat; closed even when a fit fails.
    const runner = threads > 1 && canFitParallel(model) ? createWorkerRunner(threads) : null;
    try {
      for (let r = 0; r < repeat; r++) {
        model = createModel(flags.algorithm, params);
        // The epochs are always recorded (the report's epochs, bestEpoch, secondsPerEpoch); the loss only when a bar
        // shows it: for ALS at 10M interactions it is a sweep over all users every iteration.
        const fitOpts: FitOptions = {
          // An empty set is no validation at all (a metric over no users would read as 0 and stop training).
          ...(validation && validation.length > 0 ? { validation } : {}),
          reportLoss: progress.visible,
          onEpoch: (e) => {
            recorder.record(e);
            if (e.epoch === 1) progress.start(e.epochs, `fit ${flags.algorithm}`);
            progress.update(e.epoch, recorder.detail());
          },
        };
        const t0 = performance.now();
        if (runner && canFitParallel(model)) await model.fitAsync(ds.data, { ...fitOpts, runner });
        else model.fit(ds.data, fitOpts);
        times.push((performance.now() - t0) / 1000);
        // The final fit's epochs (every repeat trains the same way).
        training = recorder.take();
        progress.stop();
      }
    } finally {
      await runner?.close();
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
      ...(training ?? {}),
      threads: runner ? threads : 1,
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      ...(flags.save ? { savedTo: flags.save } : {}),
      ...(validation ? { validation: { file: flags.validation, interactions: validation.length } } : {}),
    };
    if (flags.json) return printJson(io, result);
    io.stdout.write(
      table(
        ['algorithm', 'dataset', 'interactions', 'fit seconds (median)', 'runs'],
        [[flags.algorithm, ds.name, ds.data.length, median, repeat]],
      ) + '\n',
    );
    if (training) io.stdout.write(trainingLine([training]) + '\n');
    if (flags.save) io.stdout.write(`saved to ${flags.save}\n`);
  });
}

/** `--validation FILE` on the training data's ids (binarised with `--implicit`), saying how many rows were left out. */
async function readValidation(path: string, train: Interactions, flags: FitFlags, io: Io): Promise<Interactions> {
  const { validation, dropped } = await readValidationFile(path, train, flags);
  if (dropped > 0)
    io.stderr.write(
      `kindred: --validation ${path}: ${dropped} rows with users or items not in the training data left out\n`,
    );
  return flags.implicit ? binarize(validation, { threshold: -Infinity }) : validation;
}
