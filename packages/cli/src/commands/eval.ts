import { Option, type Command } from 'commander';
import {
  binarize,
  createModel,
  crossValidate,
  type CrossValidateOptions,
  type CrossValidationResult,
  type EpochInfo,
  type FoldResult,
} from 'kindred';
import { runColdProtocol, type ColdFlags } from '../cold-start.js';
import { EpochRecorder, evalTrainingJson, trainingLine, type EpochReport } from '../epoch-report.js';
import { attachItemFeatures } from '../features.js';
import {
  addDatasetOptions,
  addProtocolOptions,
  loadCliDataset,
  protocolSplits,
  RECBOLE_PROTOCOLS,
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
  sampledNegatives?: string;
}

export function addEvalOptions(cmd: Command): Command {
  cmd
    .addOption(new Option('--task <task>', 'rating (RMSE/MAE) or ranking (top-k lists)').choices(['rating', 'ranking']))
    .option('-k, --k <n>', 'list length for ranking metrics', '10')
    .option('--metrics <names>', 'comma-separated metric names (e.g. rmse,mae or ndcg@10,precision@10)')
    .option('--relevance-threshold <r>', 'ranking: test ratings ≥ r are relevant (default: every test row)')
    .option('--include-seen', 'ranking: keep training items in the lists (LightFM’s published protocol)')
    .option(
      '--sampled-negatives <n>',
      'ranking: rank each test item among n sampled items the user never interacted with (seeded by --seed; ' +
        'RecBole’s uni100 with 100) instead of the whole catalogue; inflates every metric, labelled in the report',
    );
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
      'with --train: a validation file, passed to fit for early stopping (mult-vae, mult-dae and the other neural ' +
        'models stop on its NDCG@10; other models ignore it) and scored like --test as its own metrics row ' +
        '("validation" in --json); choose parameters on it and quote the test row',
    );
  addEvalOptions(cmd);
  cmd.action(async (flags: EvalFlags) => {
    const params = parseParams(flags.algorithm, flags.param);
    const model = createModel(flags.algorithm, params);
    const k = Number(flags.k);
    if (!Number.isInteger(k) || k < 1) throw new UsageError(`--k must be a positive integer, got "${flags.k}"`);
    if (flags.protocol === 'cold-items' || flags.protocol === 'cold-users') return coldEval(flags, io, k);
    const sampled = sampledNegatives(flags);
    const chosen = await protocolSplits(flags);
    const { splits, validation } = chosen;
    const protocol = sampled ? `${chosen.protocol}; ${sampledLabel(sampled)}` : chosen.protocol;
    await attachItemFeatures(model, flags, splits[0].train.itemIds);
    const progress = new Progress(io, !!flags.json);
    progress.start(splits.length + (validation ? 1 : 0), `eval ${flags.algorithm}`);
    const recbole = flags.protocol !== undefined && RECBOLE_PROTOCOLS.includes(flags.protocol);
    const opts: CrossValidateOptions = {
      task: flags.task ?? (flags.protocol === 'msr' || recbole || sampled ? 'ranking' : undefined),
      k,
      metrics: flags.metrics ? flags.metrics.split(',').map((s) => s.trim()) : defaultMetrics(flags, k),
      relevanceThreshold: flags.relevanceThreshold !== undefined ? Number(flags.relevanceThreshold) : undefined,
      excludeSeen: !flags.includeSeen,
      ...(sampled ? { sampledNegatives: sampled.n, sampleSeed: sampled.seed } : {}),
    };
    if (sampled && opts.task === 'rating') throw new UsageError('--sampled-negatives needs --task ranking');
    let done = 0;
    // Each fold's epochs, from its onEpoch stream (the bar shows the current one). No loss is asked for: eval's fit
    // times must not pay for a figure only a bar would show.
    const recorder = new EpochRecorder();
    const training: (EpochReport | null)[] = [];
    const fit = {
      reportLoss: false,
      onEpoch: (e: EpochInfo) => (recorder.record(e), progress.update(done, recorder.detail())),
      // `--validation FILE` is the fits' early-stopping set (an empty one is none: its metric would read as 0); a
      // protocol's own validation part goes per split.
      ...(validation && validation.test.length > 0 ? { validation: validation.test } : {}),
    };
    const onFold = (fold: FoldResult) => {
      training.push(recorder.take());
      progress.update(++done, `${fold.name} fit ${fold.fitSeconds.toFixed(2)}s`);
    };
    const cv = crossValidate(model, splits, { ...opts, fit, onFold });
    // The validation file's run repeats the test split's fit: its epochs are not a fold of their own.
    const onValidationFold = (fold: FoldResult) => {
      recorder.take();
      progress.update(++done, `${fold.name} fit ${fold.fitSeconds.toFixed(2)}s`);
    };
    // Its own run (a fresh fit on the same training file, deterministic under the model's seed), so the test row keeps
    // crossValidate's meaning and the validation figures never enter its mean.
    const val = validation ? crossValidate(model, [validation], { ...opts, fit, onFold: onValidationFold }) : undefined;
    progress.stop();
    const dataset = flags.train ?? flags.dataset;
    const result = {
      ...evalJson({ algorithm: flags.algorithm, dataset }, protocol, cv),
      ...evalTrainingJson(training),
    };
    const ranking =
      cv.task === 'ranking' ? rankingJson(sampled, !flags.includeSeen, !!splits[0].validation) : undefined;
    const out = { ...result, ...(ranking ? { ranking } : {}), ...(val ? { validation: validationJson(val) } : {}) };
    if (flags.json) return printJson(io, out);
    io.stdout.write(`${flags.algorithm} on ${dataset}, ${protocol}\n`);
    if (ranking)
      io.stdout.write(
        `ranking: ${ranking.mode === 'full' ? 'full (every item)' : 'SAMPLED'}, masked: ${ranking.masked}\n`,
      );
    io.stdout.write(evalTable(cv) + '\n');
    const epochs = trainingLine(training);
    if (epochs) io.stdout.write(epochs + '\n');
    if (val) io.stdout.write(`validation (${flags.validation}):\n` + evalTable(val) + '\n');
    if (cv.validation)
      io.stdout.write(
        'validation part (same fitted model, training items masked):\n' + metricsTable(cv.validation) + '\n',
      );
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
    // Three-way protocols (leave-last-out, ratio-811): the validation part's metrics, for model selection.
    ...(cv.validation ? { validation: { metrics: cv.validation } } : {}),
  };
}

/**
 * The `ranking` member of `--json` for the top-k task: full or sampled ranking, and which of the user's items were
 * left out of the lists (RecBole masks train ∪ validation at test time).
 */
function rankingJson(sampled: { n: number; seed: number } | undefined, maskTrain: boolean, hasValidation: boolean) {
  const masked = [maskTrain ? 'train' : '', hasValidation ? 'validation' : ''].filter(Boolean).join('+') || 'none';
  return sampled
    ? { mode: 'sampled' as const, sampledNegatives: sampled.n, seed: sampled.seed, masked }
    : { mode: 'full' as const, masked };
}

/** A one-row table of metric values. */
function metricsTable(values: Record<string, number>): string {
  return table(Object.keys(values), [Object.values(values)]);
}

/** `--sampled-negatives n` with its seed (`--seed`), or undefined for full ranking. */
function sampledNegatives(flags: EvalFlags): { n: number; seed: number } | undefined {
  if (flags.sampledNegatives === undefined) return undefined;
  const n = Number(flags.sampledNegatives);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--sampled-negatives must be a positive integer, got "${flags.sampledNegatives}"`);
  if (flags.protocol === 'cold-items' || flags.protocol === 'cold-users')
    throw new UsageError(`--sampled-negatives does not apply to --protocol ${flags.protocol}`);
  return { n, seed: Number(flags.seed ?? '0') };
}

/** How the report names sampled-negative ranking, so it is never mistaken for full ranking. */
function sampledLabel(s: { n: number; seed: number }): string {
  return `SAMPLED ranking: each test item among ${s.n} sampled unseen items (seed ${s.seed}), not full ranking`;
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
  // RecBole's default metric set (Recall, MRR, NDCG, Hit, Precision), its definitions (see docs/evaluation.md).
  if (flags.protocol !== undefined && RECBOLE_PROTOCOLS.includes(flags.protocol) && flags.task !== 'rating')
    return [`hit@${k}`, `ndcg@${k}`, `mrr@${k}`, `recall@${k}`, `precision@${k}`];
  if (flags.protocol !== 'msr') return undefined;
  return [`ndcg@${k}`, `precision@${k}`, `recall@${k}`, `map-relevant@${k}`, `hit@${k}`, `mrr@${k}`, `coverage@${k}`];
}
