// Issue 14's figures: the neural and sequential models on RecBole's protocols (full ranking first), the cold-item
// two-tower row against lightfm, AutoRec's u1 RMSE, each with its training epochs, best epoch and seconds per epoch
// as `kindred eval --json` reports them. RecBole's figures were measured by hand on this kind of machine (its source
// on Debian's python3-torch; configuration in BENCHMARKS.md beside the table) and are quoted, never run from here.
import { f2, f4, kindred, show } from './common.mjs';
import { neuralScaleBenches } from './neural-scale.mjs';

const base = (protocol) => ['eval', '--dataset', 'ml-100k', '--protocol', protocol, '--implicit', '--seed', '0'];

/** One row per model: protocol args, the anchor's NDCG@10 and seconds per epoch on this machine. */
const RANKING = [
  {
    label: 'sasrec (full softmax CE, SASRec+)',
    args: [...base('leave-last-out'), '--algorithm', 'sasrec'],
    anchor: 'SASRec 0.0375 after 3 epochs',
    anchorSeconds: 164,
  },
  {
    label: 'mult-vae',
    args: [...base('ratio-811'), '--algorithm', 'mult-vae'],
    anchor: 'MultiVAE 0.3001',
    anchorSeconds: 0.24,
  },
  {
    label: 'mult-dae',
    args: [...base('ratio-811'), '--algorithm', 'mult-dae'],
    anchor: 'MultiDAE 0.2857',
    anchorSeconds: 0.26,
  },
  {
    label: 'ncf (NeuMF)',
    args: [...base('ratio-811'), '--algorithm', 'ncf'],
    anchor: 'NeuMF 0.2791',
    anchorSeconds: 3.63,
  },
  { label: 'two-tower', args: [...base('ratio-811'), '--algorithm', 'two-tower'], anchor: '—' },
];

const cold = (algorithm) => [
  'eval',
  '--dataset',
  'ml-100k',
  '--protocol',
  'cold-items',
  '--test-items',
  '0.2',
  '--seed',
  '0',
  '--algorithm',
  algorithm,
];

const epochCells = (r) =>
  r.epochs === undefined ? '— | — | —' : `${r.epochs} | ${r.bestEpoch} | ${f2(r.secondsPerEpoch)}`;

const speedRatio = (anchorSeconds, r) =>
  anchorSeconds === undefined || r.secondsPerEpoch === undefined ? '—' : `${f2(anchorSeconds / r.secondsPerEpoch)}×`;

export const neuralBenches = {
  ...neuralScaleBenches,
  neural: () => {
    const rows = [];
    for (const m of RANKING) {
      process.stderr.write(`${m.label}...\n`);
      const r = kindred(m.args);
      const x = r.metrics;
      rows.push(
        `| ${m.args[4]} | ${m.label} | ${m.anchor}${m.anchorSeconds ? ` (${m.anchorSeconds} s/epoch)` : ''} | **${f4(x['ndcg@10'])}** | ${f4(x['hit@10'])} | ${f4(x['mrr@10'])} | ${f4(x['recall@10'])} | ${epochCells(r)} | ${speedRatio(m.anchorSeconds, r)} | \`${show(m.args)}\` |`,
      );
    }
    const coldRows = [];
    for (const algorithm of ['two-tower', 'lightfm']) {
      process.stderr.write(`cold items ${algorithm}...\n`);
      const args = cold(algorithm);
      const r = kindred(args);
      coldRows.push(`| ${algorithm} | **${f4(r.metrics['ndcg@10'])}** | ${epochCells(r)} | \`${show(args)}\` |`);
    }
    const u1 = ['eval', '--dataset', 'ml-100k', '--split', 'u1', '--algorithm', 'autorec'];
    process.stderr.write('autorec u1...\n');
    const a = kindred(u1);
    return [
      'Full ranking over all items on RecBole\'s protocols (see "RecBole\'s protocols" above), every rating an',
      "interaction, the user's training and validation items masked; the validation part stops training early",
      "(patience on validation NDCG@10, the best epoch's weights kept). Seconds per epoch are training only, one",
      "thread, as `kindred eval --json` reports them (`secondsPerEpoch`); the speed column is RecBole's seconds per",
      "epoch divided by Kindred's.",
      '',
      '| protocol | model | RecBole NDCG@10 | Kindred NDCG@10 | hit@10 | MRR@10 | recall@10 | epochs | best epoch | s/epoch | speed vs RecBole | command |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
      'Cold items (20 % of items held out entirely, seed 0; each user ranks only them; item features as `kindred eval` attaches them: genres, decade, title words):',
      '',
      '| model | NDCG@10 | epochs | best epoch | s/epoch | command |',
      '|---|---|---|---|---|---|',
      ...coldRows,
      '',
      `AutoRec (I-AutoRec) on u1: RMSE **${f4(a.metrics.rmse)}**, MAE ${f4(a.metrics.mae)}, ${epochCells(a).replaceAll(' | ', ' / ')} (epochs / best / s per epoch); tuned svdpp 0.9114, GLocal-K's paper reports 0.8889 for its own model. \`${show(u1)}\``,
    ].join('\n');
  },
};
