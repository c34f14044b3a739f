// Issue 14's scale figures: `sasrec` and `two-tower` trained on synthetic sequences of 100k users × 50k items × 5M
// events (the generator's sequential mode: each next item follows a hidden item-to-item chain from the previous one),
// seconds per epoch and the process's peak RSS as `kindred fit --json` reports them. One epoch each (an estimated
// 5–10 minutes per model here, from runs at 1/10 of the size), not a full training; no validation split (training
// cost alone). Run on a quiet machine: node bench/run.mjs --only neural-scale
import { f2, kindred, show } from './common.mjs';

// prettier-ignore
const DATA = ['--dataset', 'synthetic', '--kind', 'sequential', '--users', '100000', '--items', '50000',
  '--interactions', '5000000', '--seed', '0'];
const EPOCHS = 1;

const ROWS = [
  {
    label: 'sasrec, gBCE (256 negatives per sequence, t = 0.75), maxLength 50, d 64, 2 blocks',
    args: ['fit', ...DATA, '--algorithm', 'sasrec', '--param', 'loss=gbce', '--param', `epochs=${EPOCHS}`],
  },
  {
    label: 'two-tower (history of 50, d 64, hidden 128, batch 256, in-batch logQ softmax)',
    args: ['fit', ...DATA, '--algorithm', 'two-tower', '--param', `epochs=${EPOCHS}`],
  },
];

export const neuralScaleBenches = {
  'neural-scale': () => {
    const rows = [];
    for (const m of ROWS) {
      process.stderr.write(`${m.label}...\n`);
      const r = kindred(m.args);
      rows.push(
        `| ${m.label} | ${r.interactions} | ${r.epochs} | **${f2(r.secondsPerEpoch)}** | ${f2(r.fitSeconds)} | **${r.peakRssMB} MB** | \`${show(m.args)} --json\` |`,
      );
    }
    return [
      'Synthetic sequences (`--kind sequential`): 100k users × 50k items × 5M events, one thread, no validation split.',
      `Each model trains ${EPOCHS === 1 ? 'one epoch' : `${EPOCHS} epochs`}; seconds per epoch are training only (\`secondsPerEpoch\`), peak RSS is the`,
      "whole process's (data generation included). The aim is ≤ 4 GB.",
      '',
      'SASRec trains with gBCE here, not the full softmax it uses on ML-100K: full cross-entropy scores every position',
      'against every item, 50k × 64 multiply-adds per position forward and about twice that backward, so one epoch',
      '(each user’s newest window of up to 50 inputs: 3.3M target positions in this data set) is about',
      '3 × 3.3M × 50k × 64 ≈ 3.2·10¹³ multiply-adds, hours on this CPU; gBCE with 256 negatives shared by a sequence',
      'costs 257 × 64 per position, ~195× less, and is what gSASRec (Petrov & Macdonald 2023) proposed for large',
      'catalogues.',
      '',
      '| model | events | epochs | s/epoch | fit s | peak RSS | command |',
      '|---|---|---|---|---|---|---|',
      ...rows,
    ].join('\n');
  },
};
