// The training figures `kindred fit/eval --json` report (epochs, bestEpoch, secondsPerEpoch) and the progress bar's
// text, both derived from a fit's onEpoch stream alone, so every epoch-based model gets them without code of its own
// and a model that never calls onEpoch (ease, item-knn, popular) simply has none.
import type { EpochInfo } from 'kindred';

/** What one fit's epochs came to. */
export interface EpochReport {
  /** Epochs run (the last epoch reported; fewer than asked when the model stopped early). */
  epochs: number;
  /** The epoch whose weights the model kept: the last one marked `validation.best`, else the last epoch. */
  bestEpoch: number;
  /** Mean seconds of a reported epoch (the model's own timing of its training steps). */
  secondsPerEpoch: number;
}

/**
 * Collects the onEpoch stream of one fit at a time. When the numbering starts again within a fit (a blend training
 * its members one after another) the new run replaces the old: the report describes the last epoch-trained member.
 *
 * @example
 * const rec = new EpochRecorder();
 * model.fit(data, { onEpoch: (e) => { rec.record(e); bar.update(e.epoch, rec.detail()); } });
 * rec.take(); // { epochs: 14, bestEpoch: 4, secondsPerEpoch: 0.21 }, or null for a model without epochs
 */
export class EpochRecorder {
  private run: EpochInfo[] = [];
  private best = 0;

  record(e: EpochInfo): void {
    const last = this.run[this.run.length - 1];
    if (last !== undefined && e.epoch <= last.epoch) {
      this.run = [];
      this.best = 0;
    }
    this.run.push(e);
    if (e.validation?.best) this.best = e.epoch;
  }

  /** The progress text of the latest epoch, e.g. "epoch 12/100 loss 0.4213 ndcg@10 0.3011 (best 11)". */
  detail(): string {
    const e = this.run[this.run.length - 1];
    if (e === undefined) return '';
    const parts = [`epoch ${e.epoch}/${e.epochs}`];
    if (e.loss !== undefined) parts.push(`loss ${e.loss.toFixed(4)}`);
    if (e.validation) parts.push(`${e.validation.metric} ${e.validation.value.toFixed(4)} (best ${this.best})`);
    return parts.join(' ');
  }

  /** The report of the fit recorded so far (null when it reported no epoch), and a fresh start for the next fit. */
  take(): EpochReport | null {
    const run = this.run;
    const best = this.best;
    this.run = [];
    this.best = 0;
    if (run.length === 0) return null;
    const last = run[run.length - 1].epoch;
    const seconds = run.reduce((s, e) => s + e.seconds, 0);
    return { epochs: last, bestEpoch: best > 0 ? best : last, secondsPerEpoch: seconds / run.length };
  }
}

/**
 * The training members of `kindred eval --json` from each fold's report: `epochs`, `bestEpoch` and `secondsPerEpoch`
 * as means over the folds that reported epochs (one fold: its own figures), and `training.perFold` with each fold's
 * figures (null for a fold without epochs). Empty when no fold reported an epoch, so non-epoch models omit them.
 *
 * @example
 * evalTrainingJson([{ epochs: 10, bestEpoch: 7, secondsPerEpoch: 0.5 }, { epochs: 12, bestEpoch: 9, secondsPerEpoch: 0.7 }]);
 * // { epochs: 11, bestEpoch: 8, secondsPerEpoch: 0.6, training: { aggregate: 'mean over folds', perFold: [...] } }
 */
export function evalTrainingJson(perFold: readonly (EpochReport | null)[]) {
  const reported = perFold.filter((r): r is EpochReport => r !== null);
  if (reported.length === 0) return {};
  const mean = (key: keyof EpochReport) => reported.reduce((s, r) => s + r[key], 0) / reported.length;
  return {
    epochs: mean('epochs'),
    bestEpoch: mean('bestEpoch'),
    secondsPerEpoch: mean('secondsPerEpoch'),
    training: { aggregate: 'mean over folds' as const, perFold: [...perFold] },
  };
}

/**
 * The training figures for people, one line: each fold's epochs with the kept one, then the mean seconds of an epoch
 * ('' when no fold reported epochs).
 *
 * @example
 * trainingLine([{ epochs: 12, bestEpoch: 10, secondsPerEpoch: 0.5 }]); // 'epochs: 12 (best 10); 0.5000 s per epoch'
 */
export function trainingLine(perFold: readonly (EpochReport | null)[]): string {
  const j = evalTrainingJson(perFold);
  if (j.training === undefined) return '';
  const folds = perFold.map((r) => (r ? `${r.epochs} (best ${r.bestEpoch})` : '-')).join(', ');
  const mean = perFold.length > 1 ? ' (mean over folds)' : '';
  return `epochs: ${folds}; ${j.secondsPerEpoch.toFixed(4)} s per epoch${mean}`;
}
