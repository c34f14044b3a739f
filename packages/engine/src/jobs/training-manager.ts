import { loadModel, type Params } from 'kindred';
import type { EngineConfig } from '../config.js';
import type { EngineMetrics } from '../api/metrics.js';
import type { ServingService } from '../serving/service.js';
import type { ModelRecord, Storage } from '../storage/port.js';
import { decideActivation } from './activation-rule.js';
import { pruneVersions } from './prune-versions.js';
import { loadEventLog } from './dataset.js';
import { TrainingScheduler, type TrainTrigger } from './scheduler.js';
import { NO_POSITIVES, type TrainProgress } from './train-run.js';
import { startTrainThread, trainWorkerUrl, type TrainThread } from './train-thread.js';

/** How a training run ended. */
export type TrainOutcome =
  | { status: 'activated'; model: ModelRecord }
  | { status: 'rejected'; model: ModelRecord; reason: string }
  | { status: 'failed'; error: string }
  | { status: 'skipped'; reason: string };

/** What the manager needs of an engine (an `Engine` is one; tests pass a lighter object). */
export interface TrainingHost {
  readonly config: EngineConfig;
  readonly storage: Storage;
  readonly metrics: EngineMetrics;
  readonly serving: Pick<ServingService, 'swapModel'>;
}

/** Where the manager reports runs (`engine.training.logger = app.log` routes them into the server log). */
export interface TrainingLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Options of `trainNow`. */
export interface TrainNowOptions {
  /** Why the run starts (default 'manual'). Timer runs are skipped when no feedback arrived since the active model. */
  trigger?: TrainTrigger;
}

/** Options of the manager (tests and embedders). */
export interface TrainingManagerOptions {
  /** The worker script (default: `train-worker.js` beside this module, or a dev bundle of the sources). */
  workerUrl?: URL | (() => Promise<URL>);
  logger?: TrainingLogger;
  /** Rows per storage scan (default 2,000). */
  batchSize?: number;
  /**
   * Called when a run's worker thread has started (its 'online' event): the explicit signal tests wait for instead of
   * sleeping, and a hook for embedders that want to know a fit is under way.
   */
  onWorkerOnline?: () => void;
}

/**
 * Training, model versions and hot swap. A run reads the feedback log into weighted events (dataset.ts, in batches
 * that let requests through), then a worker thread aggregates them into positive (user, item) weights, fits,
 * evaluates on a holdout and refits (train-run.ts); the manager saves every successful version and activates
 * it only when its holdout NDCG@10 is not worse than the active version's by more than `training.maxRegression`
 * (activation-rule.ts). A failed or non-finite run leaves the active model serving; every run is logged and observed
 * in `kindred_training_duration_seconds{outcome}`. Runs never overlap: concurrent `trainNow` calls share one run.
 *
 * @example
 * const outcome = await engine.training.trainNow();
 * if (outcome.status === 'activated') console.log('serving v' + outcome.model.version);
 */
export class TrainingManager {
  logger: TrainingLogger;
  private readonly scheduler: TrainingScheduler;
  private current: Promise<TrainOutcome> | null = null;
  /** When the current run started (epoch ms), null when none runs. */
  private currentStartedAt: number | null = null;
  private thread: TrainThread | null = null;
  /** The running run's algorithm and latest epoch report (null before its first epoch, or when none runs). */
  private currentAlgorithm: string | null = null;
  private progress: TrainProgress | null = null;
  private stopping = false;
  private last: TrainOutcome | null = null;

  constructor(
    private readonly engine: TrainingHost,
    private readonly opts: TrainingManagerOptions = {},
  ) {
    this.logger = opts.logger ?? consoleLogger(engine.config.server.logLevel);
    const t = engine.config.training;
    this.scheduler = new TrainingScheduler((trigger) => this.trainNow({ trigger }), {
      periodSeconds: t.fitPeriodSeconds,
      afterEvents: t.fitAfterEvents,
    });
  }

  /** True while a run is in progress. */
  get running(): boolean {
    return this.current !== null;
  }

  /** When the running run started (epoch ms), or null when none runs. */
  get runStartedAt(): number | null {
    return this.currentStartedAt;
  }

  /**
   * The running run: its algorithm, start and latest epoch report (`progress`: phase, epoch of epochs, loss, the
   * validation metric and best epoch so far when the model reports them); null when none runs.
   *
   * @example
   * engine.training.runStatus; // { algorithm: 'mult-vae', startedAt: 1733300000000, progress: { phase: 'holdout', epoch: 3, epochs: 100, ... } }
   */
  get runStatus(): { algorithm: string; startedAt: number; progress: TrainProgress | null } | null {
    if (this.currentStartedAt === null || this.currentAlgorithm === null) return null;
    return { algorithm: this.currentAlgorithm, startedAt: this.currentStartedAt, progress: this.progress };
  }

  /** The outcome of the last finished run (null before the first). */
  get lastOutcome(): TrainOutcome | null {
    return this.last;
  }

  /** Starts the schedule (every fitPeriodSeconds, or after fitAfterEvents new events). */
  start(): void {
    this.stopping = false;
    this.scheduler.start();
  }

  /** Stops the schedule and ends a running worker (its run resolves as failed); resolves once nothing runs. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.scheduler.stop();
    const run = this.current;
    if (this.thread) await this.thread.terminate('training stopped: the engine is shutting down');
    if (run) await run;
  }

  /**
   * Trains now in a worker thread; never blocks requests. A call during a run returns that run's outcome.
   * Resolves, never rejects: failures are `{status: 'failed'}`.
   */
  trainNow(opts: TrainNowOptions = {}): Promise<TrainOutcome> {
    if (this.current) return this.current;
    if (this.stopping) return Promise.resolve({ status: 'skipped', reason: 'training is stopped' });
    this.scheduler.runStarted();
    const started = performance.now();
    const run = this.execute(opts.trigger ?? 'manual')
      .catch((e: unknown): TrainOutcome => ({ status: 'failed', error: errorText(e) }))
      .then((outcome) => {
        const seconds = (performance.now() - started) / 1000;
        this.engine.metrics.trainingDuration.labels(outcome.status).observe(seconds);
        try {
          this.report(outcome, opts.trigger ?? 'manual', seconds);
        } catch {
          // A broken logger must not wedge the single-flight state below.
        }
        this.last = outcome;
        this.current = null;
        this.currentStartedAt = null;
        this.currentAlgorithm = null;
        this.progress = null;
        this.thread = null;
        this.scheduler.runEnded();
        return outcome;
      });
    this.current = run;
    this.currentStartedAt = Date.now();
    this.currentAlgorithm = this.engine.config.training.algorithm;
    return run;
  }

  /** Called by ingestion with the number of accepted events. */
  noteEvents(n: number): void {
    this.scheduler.noteEvents(n);
  }

  /**
   * Makes a stored version the serving one (roll back or forward): loads its bytes, marks it active in the store and
   * swaps it into serving. Returns null when the version does not exist.
   *
   * @example
   * await engine.training.activate(3); // ModelRecord of v3, now active
   */
  async activate(version: number): Promise<ModelRecord | null> {
    const record = (await this.engine.storage.listModels()).find((m) => m.version === version);
    if (!record) return null;
    const bytes = await this.engine.storage.modelBytes(version);
    if (!bytes) return null;
    return this.swapIn(record, bytes);
  }

  private async execute(trigger: TrainTrigger): Promise<TrainOutcome> {
    const { storage, config } = this.engine;
    const throughSeq = await storage.lastSeq();
    const active = await storage.activeModel();
    if (trigger === 'timer' && active && active.trainedThroughSeq >= throughSeq)
      return { status: 'skipped', reason: `no new feedback since v${active.version}` };
    const { log, stats } = await loadEventLog(storage, config.feedback.types, {
      throughSeq,
      batchSize: this.opts.batchSize,
    });
    // Stored values outside their type's range (written before ingestion checked them) are left out, never trained on.
    if (stats.dropped > 0)
      this.logger.warn(
        { droppedEvents: stats.dropped, throughSeq: stats.throughSeq },
        `training: ${stats.dropped} stored events with a non-finite or out-of-range value were left out`,
      );
    if (log.users.length === 0)
      return {
        status: 'skipped',
        reason:
          `no feedback with a training signal (${stats.events} events read` +
          (stats.dropped > 0 ? `, ${stats.dropped} dropped for an out-of-range value)` : ')'),
      };
    if (this.stopping) return { status: 'skipped', reason: 'training is stopped' };

    const { algorithm, params, holdoutRatio, maxRegression } = config.training;
    const url = await this.workerUrl();
    if (this.stopping) return { status: 'skipped', reason: 'training is stopped' };
    this.thread = startTrainThread(
      { algorithm, params: { ...params } as Params, holdoutRatio, events: log },
      url,
      (p) => (this.progress = p),
    );
    const onOnline = this.opts.onWorkerOnline;
    if (onOnline) void this.thread.online.then(onOnline);
    const result = await this.thread.result;
    this.thread = null;
    if (!result.ok)
      return result.code === NO_POSITIVES
        ? { status: 'skipped', reason: result.error }
        : { status: 'failed', error: result.error };

    const record = await storage.saveModel(
      {
        algorithm,
        params: result.params,
        createdAt: Date.now(),
        // droppedEvents: rows left out for a non-finite or out-of-range value (see ScanStats.dropped).
        metrics: { ...result.metrics, droppedEvents: stats.dropped },
        trainedThroughSeq: stats.throughSeq,
        fitSeconds: result.fitSeconds,
      },
      result.bytes,
    );
    // Compare with the version active now (a manual activate may have happened during the run).
    const decision = decideActivation(result.metrics, await storage.activeModel(), maxRegression);
    let outcome: TrainOutcome;
    if (!decision.activate) outcome = { status: 'rejected', model: record, reason: decision.reason };
    else
      try {
        outcome = { status: 'activated', model: await this.swapIn(record, result.bytes) };
      } catch (e) {
        outcome = {
          status: 'failed',
          error: `v${record.version} was saved but could not be activated: ${errorText(e)}`,
        };
      }
    await this.prune();
    return outcome;
  }

  /** Deletes versions beyond `training.keepVersions` (after the activation decision, so never the new active one). */
  private async prune(): Promise<void> {
    try {
      const deleted = await pruneVersions(this.engine.storage, this.engine.config.training.keepVersions);
      if (deleted.length > 0)
        this.logger.info(
          { deleted, keepVersions: this.engine.config.training.keepVersions },
          'training: old versions deleted',
        );
    } catch (e) {
      // Pruning is housekeeping: a failure must not turn a good run into a failed one.
      this.logger.warn({ error: errorText(e) }, 'training: deleting old versions failed');
    }
  }

  /** Load first (a corrupt file must not change the store), then mark active, then swap serving atomically. */
  private async swapIn(record: ModelRecord, bytes: Uint8Array): Promise<ModelRecord> {
    const model = loadModel(bytes);
    if (!(await this.engine.storage.activateModel(record.version)))
      throw new Error(`the store could not activate v${record.version}`);
    const activeRecord: ModelRecord = { ...record, active: true };
    this.engine.serving.swapModel(model, activeRecord);
    this.engine.metrics.modelVersion.set(record.version);
    return activeRecord;
  }

  private async workerUrl(): Promise<URL> {
    const w = this.opts.workerUrl;
    if (!w) return trainWorkerUrl();
    return typeof w === 'function' ? w() : w;
  }

  private report(outcome: TrainOutcome, trigger: TrainTrigger, seconds: number): void {
    const base = { trigger, seconds: Math.round(seconds * 1000) / 1000 };
    switch (outcome.status) {
      case 'activated':
        this.logger.info(
          { ...base, version: outcome.model.version, metrics: outcome.model.metrics },
          `training: v${outcome.model.version} activated`,
        );
        break;
      case 'rejected':
        this.logger.warn(
          { ...base, version: outcome.model.version, reason: outcome.reason },
          `training: v${outcome.model.version} kept inactive (${outcome.reason})`,
        );
        break;
      case 'failed':
        this.logger.error({ ...base, error: outcome.error }, `training failed; the active model keeps serving`);
        break;
      case 'skipped':
        this.logger.info({ ...base, reason: outcome.reason }, `training skipped: ${outcome.reason}`);
    }
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

const LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'];

/** JSON lines on stderr, filtered by `server.logLevel` (until the server hands over its own logger). */
function consoleLogger(level: string): TrainingLogger {
  const min = level === 'silent' ? Infinity : Math.max(0, LEVELS.indexOf(level));
  const write = (lvl: string) => (obj: object, msg: string) => {
    if (LEVELS.indexOf(lvl) >= min)
      process.stderr.write(JSON.stringify({ level: lvl, time: Date.now(), component: 'training', ...obj, msg }) + '\n');
  };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}
