import type { PipelineConfigInput } from 'kindred';
import { startPrecompute, type PrecomputeMessage, type PrecomputeRun } from './precompute-thread.js';
import { PrecomputedLists } from './precomputed-lists.js';
import type { PrecomputeStatus, ServingHost } from './serving-types.js';
import type { Snapshot } from './snapshot.js';
import { LIST_SIZE } from './user-entries.js';

/** What the precomputation needs of the serving service. */
export interface PrecomputeHost {
  readonly engine: ServingHost;
  readonly pipelineConfig: PipelineConfigInput;
  /** The serving snapshot now (a run's lists are for the snapshot it started on). */
  snapshot(): Snapshot;
  /** The catalogue stamp now (see `ItemState.stamp`). */
  itemStamp(): number;
}

/**
 * The precomputed default lists of active users (`serving.precomputeUsers`): the runs of the precompute worker
 * thread, one per snapshot and per refresh, the set being filled and the set that serves users the new run has not
 * reached yet, the refresh timer and the status `ready()` reports.
 *
 * @example
 * const runs = new PrecomputeRuns(host);
 * runs.start(); // false when precomputation is off
 * runs.current?.page('u1', snap.catalog, 0, 10, stamp);
 */
export class PrecomputeRuns {
  /** Default lists of active users for the snapshot generation they name (filled progressively by a worker). */
  private precomputed: PrecomputedLists | null = null;
  /** During a refresh on the same snapshot: the previous set, serving users the new run has not reached yet. */
  private previousLists: PrecomputedLists | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private precomputeRun: { run: PrecomputeRun; dirty: Set<string> } | null = null;
  private precomputeState: PrecomputeStatus = { status: 'off', users: 0 };
  private closed = false;

  constructor(private readonly host: PrecomputeHost) {}

  /** The set the current run fills (null until it starts delivering). */
  get current(): PrecomputedLists | null {
    return this.precomputed;
  }

  /** The set computed before, serving users the current run has not reached yet. */
  get previous(): PrecomputedLists | null {
    return this.previousLists;
  }

  /** The status `ready()` reports; `users` is the current set's. */
  status(): PrecomputeStatus {
    return { ...this.precomputeState, users: this.precomputed?.size ?? 0 };
  }

  /** Stops the worker and the refresh timer for good. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    const run = this.precomputeRun;
    this.precomputeRun = null;
    await run?.run.stop();
  }

  /** A user's precomputed list is void from their next feedback or deletion on (also if it is still being made). */
  forget(userId: string): void {
    this.precomputed?.drop(userId);
    this.previousLists?.drop(userId);
    this.precomputeRun?.dirty.add(userId);
  }

  /**
   * (Re)starts the precomputation of active users' default lists for the current snapshot in a worker thread
   * (`serving.precomputeUsers` users; 0 turns it off, as does a store that is not a SQLite file). Lists become
   * servable as chunks arrive; until the new run reaches a user, the newest complete set computed before serves them
   * (after a refresh, and after a model swap or reload too: a response from an older set names the model version that
   * computed it; never one the user has given feedback since). False when precomputation is off.
   */
  start(): boolean {
    const old = this.precomputeRun;
    this.precomputeRun = null;
    if (old) void old.run.stop();
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
    // The lists that serve until the new run reaches each user: the newest complete set (after a model swap too:
    // a response from it names the model that computed it), else whatever is left. Lists computed without a model
    // (cold start) give way at once once a model serves: its on-demand lists are better.
    const kept = [this.precomputed, this.previousLists].filter(
      (l): l is PrecomputedLists => l !== null && (l.model !== null || this.host.snapshot().info === null),
    );
    this.previousLists = kept.find((l) => l.complete) ?? kept[0] ?? null;
    this.precomputed = null;
    const max = this.host.engine.config.serving.precomputeUsers;
    const dbPath = this.host.engine.dbPath;
    if (this.closed || !dbPath || max <= 0 || this.host.engine.config.serving.cacheSize <= 0) {
      this.precomputeState = { status: 'off', users: 0 };
      this.previousLists = null;
      return false;
    }
    const s = this.host.snapshot();
    const lists = new PrecomputedLists(LIST_SIZE, this.host.itemStamp(), Math.min(max, 1 << 16), s.catalog, s.info);
    const state = { dirty: new Set<string>(), remap: null as Int32Array | null, reasonIds: [] as number[] };
    this.precomputeState = { status: 'running', users: 0 };
    const t0 = performance.now();
    const onMessage = (m: PrecomputeMessage) => {
      if (this.precomputeRun?.run !== run || this.host.snapshot().gen !== s.gen) return;
      switch (m.type) {
        case 'start': {
          const remap = new Int32Array(m.itemIds.length);
          for (let i = 0; i < remap.length; i++) remap[i] = s.catalog.itemIds.get(m.itemIds[i]);
          state.remap = remap;
          this.precomputed = lists;
          break;
        }
        case 'chunk':
          for (const id of lists.addReasons(m.chunk.newReasons)) state.reasonIds.push(id);
          if (state.remap) lists.add(m.chunk, state.remap, state.reasonIds, state.dirty);
          break;
        case 'done':
          lists.complete = true;
          this.precomputeState = { status: 'done', users: m.users, seconds: Math.round(performance.now() - t0) / 1000 };
          this.precomputeRun = null;
          this.previousLists = null;
          this.scheduleRefresh();
          break;
        case 'error':
          this.precomputeState = { status: 'failed', users: 0, error: m.message };
          this.precomputeRun = null;
          this.scheduleRefresh();
          break;
      }
    };
    const run = startPrecompute(
      {
        dbPath,
        config: this.host.engine.config,
        pipeline: this.host.pipelineConfig,
        version: s.info?.version ?? null,
        maxUsers: max,
      },
      onMessage,
    );
    this.precomputeRun = { run, dirty: state.dirty };
    return true;
  }

  private scheduleRefresh(): void {
    const seconds = this.host.engine.config.serving.precomputeRefreshSeconds;
    if (this.closed || seconds <= 0) return;
    this.refreshTimer = setTimeout(() => this.start(), seconds * 1000);
    // Housekeeping must not keep a process alive.
    this.refreshTimer.unref();
  }
}
