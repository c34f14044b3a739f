/** Why a run was started (logged, and the timer's runs skip when nothing changed). */
export type TrainTrigger = 'timer' | 'events' | 'manual';

/** Options of `TrainingScheduler`. */
export interface SchedulerOptions {
  /** Seconds between timer runs (0 = no timer). */
  periodSeconds: number;
  /** New events that trigger a run (0 = off). */
  afterEvents: number;
}

/**
 * When to train: every `periodSeconds` (an unref'd interval, so it never keeps the process alive) and whenever
 * `afterEvents` new events have been noted since the last run started. It only decides *when*; the training
 * manager's single-flight rule makes sure two runs never overlap (a trigger during a run joins it, and events that
 * arrive during a run count towards the next one, which starts as soon as the current one ends).
 *
 * @example
 * const s = new TrainingScheduler((why) => manager.trainNow({ trigger: why }), { periodSeconds: 3600, afterEvents: 10_000 });
 * s.start();
 * s.noteEvents(500);
 */
export class TrainingScheduler {
  private timer: NodeJS.Timeout | null = null;
  private pending = 0;
  private running = false;
  private started = false;

  constructor(
    private readonly fire: (trigger: TrainTrigger) => Promise<unknown>,
    private readonly opts: SchedulerOptions,
  ) {}

  get isStarted(): boolean {
    return this.started;
  }

  /** Events noted since the last run started. */
  get pendingEvents(): number {
    return this.pending;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    if (this.opts.periodSeconds > 0) {
      this.timer = setInterval(() => this.trigger('timer'), this.opts.periodSeconds * 1000);
      this.timer.unref();
    }
    this.checkEvents();
  }

  stop(): void {
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  noteEvents(n: number): void {
    if (!(n > 0)) return;
    this.pending += n;
    this.checkEvents();
  }

  /** Called by the manager when any run (timer, events or manual) starts: its data includes the pending events. */
  runStarted(): void {
    this.running = true;
    this.pending = 0;
  }

  /** Called when a run ends: events that arrived meanwhile may already call for the next one. */
  runEnded(): void {
    this.running = false;
    this.checkEvents();
  }

  private checkEvents(): void {
    const { afterEvents } = this.opts;
    if (this.started && !this.running && afterEvents > 0 && this.pending >= afterEvents) this.trigger('events');
  }

  private trigger(trigger: TrainTrigger): void {
    // Errors are the manager's to log and count; a rejected trigger must not become an unhandled rejection.
    this.fire(trigger).catch(() => undefined);
  }
}
