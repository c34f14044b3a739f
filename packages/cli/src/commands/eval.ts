import { Option, type Command } from 'commander';
import {
  binarize,
  createModel,
  crossValidate,
  type CrossValidateOptions,
  type CrossValidationResult,
  type FoldResult,
} from 'kindred';
import { runColdProtocol, type ColdFlags } from '../cold-start.js';
import { attachItemFeatures } from '../features.js';
import {
  addDatasetOptions,
  addProtocolOptions,
  loadCliDataset,
  protocolSplits,
  type DatasetFlags,
  type ProtocolFlags,
} from '../dataset.js';
import { formatNumber, printJson, Progress, table, type Io } from '../output.js';
import { collect, parseParams } from '../params.js';
import { UsageError } from '../usage-error.js';

export interface EvalFlags extends DatasetFlags, ProtocolFlags, ColdFlags {
  algorithm: string;
  param?: string[];
  json?: boolean;
  task?: 'rating' | 'ranking';
  k: string;
  metrics?: string;
  relevanceThreshold?: string;
  includeSeen?: boolean;
}

export function addEvalOptions(cmd: Command): Command {
  cmd
    .addOption(new Option('--task <task>', 'rating (RMSE/MAE) or ranking (top-k lists)').choices(['rating', 'ranking']))
    .option('-k, --k <n>', 'list length for ranking metrics', '10')
    .option('--metrics <names>', 'comma-separated metric names (e.g. rmse,mae or ndcg@10,precision@10)')
    .option('--relevance-threshold <r>', 'ranking: test ratings ≥ r are relevant (default: every test row)')
    .option('--include-seen', 'ranking: keep training items in the lists (LightFM’s published protocol)');
  addDatasetOptions(cmd);
  addProtocolOptions(cmd);
  return cmd;
}

export function registerEvalCommand(program: Command, io: Io): void {
  const cmd = program
    .command('eval')
    .description('cross-validate an algorithm on a dataset and report metrics and timings')
    .requiredOption('-a, --algorithm <name>', 'algorithm (see `kindred models`)')
    .option('-p, --param <key=value>', 'model parameter, repeatable', collect, [])
    .option('--json', 'print one JSON object on stdout')
    .option(
      '--validation <file>',
      'with --train: a validation file, for early stopping or model selection where a model supports it; no built-in ' +
        'model stops early on it today, so it is scored like --test and reported as its own metrics row ' +
        '("validation" in --json); choose parameters on it and quote the test row',
    );
  addEvalOptions(cmd);
  cmd.action(async (flags: EvalFlags) => {
    const params = parseParams(flags.algorithm, flags.param);
    const model = createModel(flags.algorithm, params);
    const k = Number(flags.k);
    if (!Number.isInteger(k) || k < 1) throw new UsageError(`--k must be a positive integer, got "${flags.k}"`);
    if (flags.protocol === 'cold-items' || flags.protocol === 'cold-users') return coldEval(flags, io, k);
    const { protocol, splits, validation } = await protocolSplits(flags);
    await attachItemFeatures(model, flags, splits[0].train.itemIds);
    const progress = new Progress(io, !!flags.json);
    progress.start(splits.length + (validation ? 1 : 0), `eval ${flags.algorithm}`);
    const opts: CrossValidateOptions = {
      task: flags.task ?? (flags.protocol === 'msr' ? 'ranking' : undefined),
      k,
      metrics: flags.metrics ? flags.metrics.split(',').map((s) => s.trim()) : defaultMetrics(flags, k),
      relevanceThreshold: flags.relevanceThreshold !== undefined ? Number(flags.relevanceThreshold) : undefined,
      excludeSeen: !flags.includeSeen,
    };
    let done = 0;
    const onFold = (fold: FoldResult) => progress.update(++done, `${fold.name} fit ${fold.fitSeconds.toFixed(2)}s`);
    const cv = crossValidate(model, splits, { ...opts, onFold });
    // Its own run (a fresh fit on the same training file, deterministic under the model's seed), so the test row keeps
    // crossValidate's meaning and the validation figures never enter its mean.
    const val = validation ? crossValidate(model, [validation], { ...opts, onFold }) : undefined;
    progress.stop();
    const dataset = flags.train ?? flags.dataset;
    const result = evalJson({ algorithm: flags.algorithm, dataset }, protocol, cv);
    if (flags.json) return printJson(io, val ? { ...result, validation: validationJson(val) } : result);
    io.stdout.write(`${flags.algorithm} on ${dataset}, ${protocol}\n`);
    io.stdout.write(evalTable(cv) + '\n');
    if (val) io.stdout.write(`validation (${flags.validation}):\n` + evalTable(val) + '\n');
  });
}

/** The JSON contract of `kindred eval --json` (benchmarks and reviewers rely on it). */
export function evalJson(flags: { algorithm: string; dataset: string }, protocol: string, cv: CrossValidationResult) {
  return {
    algorithm: flags.algorithm,
    params: cv.params,
    dataset: flags.dataset,
    protocol,
    task: cv.task,
    folds: cv.folds.length,
    metrics: cv.mean,
    std: cv.std,
    perFold: cv.perFold,
    fitSeconds: cv.fitSeconds,
    testSeconds: cv.testSeconds,
    impossible: cv.folds.map((f) => f.impossible ?? null),
  };
}

/** The `validation` member of `kindred eval --train … --validation FILE --json`. */
function validationJson(cv: CrossValidationResult) {
  return { metrics: cv.mean, fitSeconds: cv.fitSeconds, testSeconds: cv.testSeconds };
}

/** Surprise-style table: one row per metric, one column per fold, then mean and std. */
export function evalTable(cv: CrossValidationResult): string {
  const head = ['', ...cv.folds.map((_, i) => `Fold ${i + 1}`), 'Mean', 'Std'];
  const rows: (string | number)[][] = [];
  for (const m of cv.metrics) rows.push([m.name, ...cv.perFold[m.name], cv.mean[m.name], cv.std[m.name]]);
  const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
  rows.push(['fit time (s)', ...cv.fitSeconds.map((x) => formatNumber(x)), mean(cv.fitSeconds), '']);
  rows.push(['test time (s)', ...cv.testSeconds.map((x) => formatNumber(x)), mean(cv.testSeconds), '']);
  return table(head, rows);
}

async function coldEval(flags: EvalFlags, io: Io, k: number): Promise<void> {
  const ds = await loadCliDataset(flags);
  const data = flags.implicit ? binarize(ds.data, { threshold: -Infinity }) : ds.data;
  const params = parseParams(flags.algorithm, flags.param);
  const r = await runColdProtocol(
    () => createModel(flags.algorithm, params),
    data,
    flags,
    k,
    flags.metrics ? flags.metrics.split(',').map((s) => s.trim()) : undefined,
    async (m) => void (await attachItemFeatures(m, flags, data.itemIds)),
  );
  const out = {
    algorithm: flags.algorithm,
    params,
    dataset: flags.dataset,
    protocol: r.protocol + (flags.implicit ? ' implicit' : ''),
    task: 'ranking',
    folds: 1,
    users: r.users,
    candidates: r.candidates,
    cannotScore: r.cannotScore,
    // A model that cannot score cold items has no meaningful figure: its lists are only the tie-break order.
    metrics: r.cannotScore ? null : r.metrics,
    fitSeconds: [r.fitSeconds],
    testSeconds: [r.testSeconds],
    ...(r.method ? { onboarding: r.method } : {}),
  };
  if (flags.json) return printJson(io, out);
  io.stdout.write(
    `${flags.algorithm} on ${flags.dataset}, ${out.protocol}: ${r.users} users, ${r.candidates} candidates\n`,
  );
  if (r.cannotScore) {
    io.stdout.write(`${flags.algorithm} cannot score these cold items (pure collaborative filtering): no figure.\n`);
    return;
  }
  io.stdout.write(table(Object.keys(r.metrics), [Object.values(r.metrics)]) + '\n');
}

/** Microsoft Recommenders' protocol reports MAP normalised by |relevant| (their `map_at_k`); name it honestly. */
function defaultMetrics(flags: EvalFlags, k: number): string[] | undefined {
  if (flags.protocol !== 'msr') return undefined;
  return [`ndcg@${k}`, `precision@${k}`, `recall@${k}`, `map-relevant@${k}`, `hit@${k}`, `mrr@${k}`, `coverage@${k}`];
}
