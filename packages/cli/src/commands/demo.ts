import type { Command } from 'commander';
import { createModel, crossValidate, getModelEntry, kFold, synthetic, type Params } from 'kindred';
import { printJson, Progress, table, type Io } from '../output.js';
import { UsageError } from '../usage-error.js';
import { demoServe } from './demo-serve.js';
import { serveConfig } from './serve.js';

/** SVD with more epochs and regularization: what `kindred search` finds on this data. */
const TUNED_SVD: Params = { factors: 20, epochs: 60, learningRate: 0.01, reg: 0.05 };

/** The algorithms the demo compares, with the options it uses (all defaults unless said). */
const DEMO_MODELS: { name: string; params: Params; label: string }[] = [
  { name: 'normal', params: {}, label: 'normal (random)' },
  { name: 'baseline', params: {}, label: 'baseline' },
  { name: 'slope-one', params: {}, label: 'slope-one' },
  { name: 'knn-baseline', params: { userBased: false, similarity: 'pearson_baseline' }, label: 'knn-baseline (item)' },
  { name: 'svd', params: {}, label: 'svd (Surprise defaults)' },
  { name: 'svd', params: TUNED_SVD, label: 'svd (20 f, 60 epochs)' },
];

interface DemoFlags {
  users: string;
  items: string;
  interactions: string;
  seed: string;
  folds: string;
  json?: boolean;
  serve?: boolean;
  reset?: boolean;
  port?: string;
  data?: string;
}

export function registerDemoCommand(program: Command, io: Io): void {
  program
    .command('demo')
    .description('offline demo: generate a seeded synthetic dataset, compare algorithms, show recommendations')
    .option('--users <n>', 'users in the synthetic dataset', '1000')
    .option('--items <n>', 'items', '600')
    .option('--interactions <n>', 'ratings', '60000')
    .option('--seed <n>', 'seed of the data and the models', '42')
    .option('--folds <n>', 'cross-validation folds', '3')
    .option('--json', 'print the results as JSON')
    .option(
      '--serve',
      'seed the engine with a synthetic catalogue and serve its API instead; a re-run on the same --data directory ' +
        'serves the data seeded before (with any feedback added since) instead of seeding it twice',
    )
    .option('--reset', 'with --serve: delete the demo data seeded before in --data and seed it afresh')
    .option('--port <n>', 'with --serve: port (default 8080)')
    .option('--data <dir>', 'with --serve: data directory (default ./kindred-demo-data)')
    .action(async (flags: DemoFlags) => {
      if (flags.serve) {
        const config = serveConfig({ port: flags.port, data: flags.data ?? './kindred-demo-data' });
        const demo = await demoServe(config, io, {
          users: Number(flags.users),
          items: Number(flags.items),
          seed: Number(flags.seed),
          reset: flags.reset,
        });
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await demo.close();
        return;
      }
      const [users, items, interactions, seed, folds] = [
        flags.users,
        flags.items,
        flags.interactions,
        flags.seed,
        flags.folds,
      ].map(Number);
      if (![users, items, interactions, seed, folds].every((x) => Number.isInteger(x) && x >= 0) || folds < 2)
        throw new UsageError('demo: --users, --items, --interactions, --seed must be integers and --folds ≥ 2');
      const data = synthetic({ users, items, interactions, seed, kind: 'rating' });
      const say = (s: string) => {
        if (!flags.json) io.stdout.write(s + '\n');
      };
      say(
        `Kindred demo — synthetic ratings (seed ${seed}): ${data.nUsers} users, ${data.nItems} items, ` +
          `${data.length} ratings from a hidden taste model.`,
      );
      say(`\n1. Rating prediction, ${folds}-fold cross-validation (lower is better):`);
      const splits = kFold(folds, seed)(data);
      const progress = new Progress(io, !!flags.json);
      const rows: (string | number)[][] = [];
      const results: Record<string, unknown>[] = [];
      for (const m of DEMO_MODELS) {
        progress.start(splits.length, m.label);
        const cv = crossValidate(createModel(m.name, { ...m.params, ...seedOf(m.name, seed) }), splits, {
          metrics: ['rmse', 'mae'],
          onFold: (_f, i) => progress.update(i + 1),
        });
        progress.stop();
        const fit = cv.fitSeconds.reduce((s, x) => s + x, 0) / cv.fitSeconds.length;
        rows.push([m.label, cv.mean.rmse, cv.mean.mae, fit]);
        results.push({ algorithm: m.name, params: cv.params, rmse: cv.mean.rmse, mae: cv.mean.mae, fitSeconds: fit });
      }
      say(table(['algorithm', 'RMSE', 'MAE', 'fit s (mean)'], rows));

      say(`\n2. Top-10 ranking on the same folds (tuned svd; every test rating ≥ 4 is relevant):`);
      const ranking = crossValidate(createModel('svd', { ...TUNED_SVD, seed }), splits, {
        task: 'ranking',
        k: 10,
        relevanceThreshold: 4,
        metrics: ['precision@10', 'recall@10', 'ndcg@10', 'coverage@10', 'novelty@10'],
      });
      say(table(Object.keys(ranking.mean), [Object.values(ranking.mean)]));

      say(`\n3. Recommendations from the tuned svd trained on all ratings:`);
      const model = createModel('svd', { ...TUNED_SVD, seed }).fit(data);
      const csr = data.byUser();
      const shown: Record<string, unknown>[] = [];
      const recRows: string[][] = [];
      for (const u of [0, 1, 2]) {
        const userId = data.userIds.id(u);
        // The user's favourites: their highest-rated training items.
        const own: { item: string; r: number }[] = [];
        for (let p = csr.indptr[u]; p < csr.indptr[u + 1]; p++)
          own.push({ item: String(data.itemIds.id(csr.indices[p])), r: csr.values[p] });
        own.sort((a, b) => b.r - a.r);
        const recs = model.recommend(userId, { k: 5 });
        const liked = own.slice(0, 4).map((o) => `${o.item} (${o.r}★)`);
        const rec = recs.ids.map((id, j) => `${id} (${recs.scores[j].toFixed(2)})`);
        recRows.push([String(userId), liked.join(', '), rec.join(', ')]);
        shown.push({ user: userId, liked: own.slice(0, 4), recommended: recs.ids, scores: Array.from(recs.scores) });
      }
      say(table(['user', 'rated highest', 'recommended (score)'], recRows));
      say(`\nNext: \`kindred eval --dataset ml-100k --algorithm svd\` on real data (see README.md).`);
      if (flags.json)
        printJson(io, {
          dataset: { users: data.nUsers, items: data.nItems, ratings: data.length, seed },
          rating: results,
          ranking: ranking.mean,
          recommendations: shown,
        });
    });
}

/** Passes the demo seed to models that take one. */
function seedOf(name: string, seed: number): Params {
  return 'seed' in getModelEntry(name).defaults ? { seed } : {};
}
