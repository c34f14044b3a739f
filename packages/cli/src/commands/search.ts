import type { Command } from 'commander';
import {
  createModel,
  getModelEntry,
  gridSearch,
  parseParamAssignment,
  randomSearch,
  type ParamGrid,
  type ParamRange,
  type Params,
  type ParamSpace,
  type ParamValue,
} from 'kindred';
import { protocolSplits } from '../dataset.js';
import { printJson, Progress, table, type Io } from '../output.js';
import { collect, parseParams } from '../params.js';
import { UsageError } from '../usage-error.js';
import { addEvalOptions, type EvalFlags } from './eval.js';

interface SearchFlags extends EvalFlags {
  grid?: string[];
  random?: string;
  space?: string[];
  searchSeed: string;
  rankBy?: string;
  top: string;
}

export function registerSearchCommand(program: Command, io: Io): void {
  const cmd = program
    .command('search')
    .description('tune hyper-parameters by grid or random search with cross-validation, then refit the best')
    .requiredOption('-a, --algorithm <name>', 'algorithm (see `kindred models`)')
    .option('-p, --param <key=value>', 'fixed model parameter, repeatable', collect, [])
    .option('--grid <key=v1,v2,...>', 'grid values for one parameter, repeatable', collect, [])
    .option('--random <n>', 'random search: number of configurations')
    .option(
      '--space <key=lo:hi[:log][:int] | key=v1,v2>',
      'random search space for one parameter, repeatable',
      collect,
      [],
    )
    .option('--search-seed <n>', 'seed of the random search', '0')
    .option('--rank-by <metric>', 'metric to rank by (default: the first metric)')
    .option('--top <n>', 'rows of the ranked table to print', '10')
    .option('--json', 'print one JSON object on stdout');
  addEvalOptions(cmd);
  cmd.action(async (flags: SearchFlags) => {
    const entry = getModelEntry(flags.algorithm);
    const fixed = parseParams(flags.algorithm, flags.param);
    const defaults = entry.defaults as Params;
    if ((flags.grid?.length ?? 0) > 0 === (flags.random !== undefined))
      throw new UsageError('give either --grid (one or more) or --random N with --space');
    const { protocol, splits, data } = await protocolSplits(flags);
    const progress = new Progress(io, !!flags.json);
    const create = (p: Params) => createModel(flags.algorithm, { ...fixed, ...p });
    const k = Number(flags.k);
    const opts = {
      task: flags.task,
      k,
      metrics: flags.metrics ? flags.metrics.split(',').map((s) => s.trim()) : undefined,
      rankBy: flags.rankBy,
      onConfig: ({ index, total }: { index: number; total: number }) => {
        if (index === 0) progress.start(total, `search ${flags.algorithm}`);
        progress.update(index + 1);
      },
    };
    let result;
    if (flags.random !== undefined) {
      const n = Number(flags.random);
      if (!Number.isInteger(n) || n < 1) throw new UsageError('--random must be a positive integer');
      if (!flags.space?.length) throw new UsageError('--random needs at least one --space key=lo:hi');
      result = randomSearch(
        create,
        parseSpace(flags.space, defaults, flags.algorithm),
        n,
        Number(flags.searchSeed),
        splits,
        opts,
      );
    } else {
      result = gridSearch(create, parseGrid(flags.grid ?? [], defaults, flags.algorithm), splits, opts);
    }
    progress.stop();
    // Refit the best configuration on all the data (Surprise's `refit=True`), when the protocol had one dataset.
    let refitSeconds: number | null = null;
    if (data) {
      const t0 = performance.now();
      create(result.best.params).fit(data);
      refitSeconds = (performance.now() - t0) / 1000;
    }
    const out = {
      algorithm: flags.algorithm,
      dataset: flags.dataset,
      protocol,
      folds: splits.length,
      rankBy: result.rankBy,
      rankedOn: result.rankedOn,
      best: { params: { ...fixed, ...result.best.params }, metrics: result.best.mean, std: result.best.std },
      refitSeconds,
      results: result.results,
    };
    if (flags.json) return printJson(io, out);
    const metricNames = Object.keys(result.best.mean);
    const rows = result.results
      .slice(0, Number(flags.top))
      .map((r) => [r.rank, JSON.stringify(r.params), ...metricNames.map((m) => r.mean[m]), mean(r.fitSeconds)]);
    const on = result.rankedOn === 'validation' ? ' on the validation part (metrics shown: test)' : '';
    io.stdout.write(`${flags.algorithm} on ${flags.dataset}, ${protocol}, ranked by ${result.rankBy}${on}\n`);
    io.stdout.write(table(['rank', 'params', ...metricNames, 'fit s'], rows) + '\n');
    io.stdout.write(`best: ${JSON.stringify(out.best.params)}\n`);
  });
}

function mean(a: number[]): number {
  return a.reduce((s, x) => s + x, 0) / a.length;
}

/** `--grid factors=50,100` → {factors: [50, 100]}, each value typed by the parameter's default. */
export function parseGrid(specs: string[], defaults: Params, model: string): ParamGrid {
  const grid: Record<string, ParamValue[]> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new UsageError(`--grid expects key=v1,v2,..., got "${spec}"`);
    const key = spec.slice(0, eq);
    grid[key] = spec
      .slice(eq + 1)
      .split(',')
      .map((v) => parseParamAssignment(`${key}=${v}`, defaults, model)[1]);
  }
  return grid;
}

/** `--space lr=0.001:0.1:log` → a log-uniform range; `--space k=20,40` → a list of choices. */
export function parseSpace(specs: string[], defaults: Params, model: string): ParamSpace {
  const space: Record<string, ParamRange | ParamValue[]> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new UsageError(`--space expects key=lo:hi[:log][:int] or key=v1,v2, got "${spec}"`);
    const key = spec.slice(0, eq);
    const body = spec.slice(eq + 1);
    parseParamAssignment(`${key}=${typeof defaults[key] === 'number' ? '0' : defaults[key]}`, defaults, model);
    if (body.includes(':')) {
      const [lo, hi, ...flags] = body.split(':');
      const low = Number(lo),
        high = Number(hi);
      if (!Number.isFinite(low) || !Number.isFinite(high) || low > high)
        throw new UsageError(`--space ${key}: "${body}" is not a range lo:hi`);
      space[key] = { low, high, log: flags.includes('log'), integer: flags.includes('int') };
    } else {
      space[key] = body.split(',').map((v) => parseParamAssignment(`${key}=${v}`, defaults, model)[1]);
    }
  }
  return space;
}
