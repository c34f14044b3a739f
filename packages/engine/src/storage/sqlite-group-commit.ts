import { setImmediate } from 'node:timers';
import type Database from 'better-sqlite3';
import type { FeedbackRecord } from './port.js';
import { UnknownReferenceError } from './errors.js';
import type { KeyCache } from './key-cache.js';
import type { EventIdFilter } from './sqlite-event-ids.js';
import type { SqliteUserIndexMerge } from './sqlite-user-index.js';
import { ROWS_PER_INSERT, type Statements } from './sqlite-statements.js';

/** A feedback batch waiting for its group commit, and how to answer its caller. */
interface QueuedBatch {
  rows: FeedbackRecord[];
  createUsers: boolean;
  createItems: boolean;
  /** Rows stored (the batch minus rows skipped for an already stored eventId), set by the group commit. */
  stored: number;
  resolve: (n: number) => void;
  reject: (e: unknown) => void;
}

/** Empty id→key lookups in one batch, as a sentinel for "checked, absent". */
const ABSENT = -1;

/**
 * The group commit of feedback batches (`SqliteStorage.insertFeedback`): a batch is queued and written on the next
 * turn of the event loop together with every other batch queued meanwhile (by concurrent requests), in one
 * transaction: one WAL commit, one fsync, and the dirty index pages shared by the batches written once. Each batch runs
 * in its own savepoint, so a failing batch rejects only its own promise. Every promise settles only after the commit
 * that holds its rows (an acknowledged batch is durable), and seqs follow the order of the calls.
 *
 * @example
 * const commit = new FeedbackGroupCommit(db, prepareAll(db), userKeys, itemKeys, eventIds, userIndex, 50_000);
 * const stored = await commit.enqueue(rows, { createUsers: true, createItems: true });
 */
export class FeedbackGroupCommit {
  /** Writes a group of batches in one transaction; returns each batch's error (undefined where it was stored). */
  private readonly writeGroup: (group: QueuedBatch[]) => unknown[];
  /** The parameter array of one multi-row feedback INSERT, reused. */
  private readonly manyParams: (string | number | null)[] = new Array(ROWS_PER_INSERT * 6);
  /** Feedback batches waiting for the next group commit, in arrival order (= seq order). */
  private queue: QueuedBatch[] = [];
  private flushScheduled = false;

  constructor(
    db: Database.Database,
    s: Statements,
    private readonly userKeys: KeyCache<string, number>,
    private readonly itemKeys: KeyCache<string, number>,
    /** Skips rows whose eventId is already stored (idempotent ingestion). */
    private readonly eventIds: EventIdFilter,
    /** Told how many entries each commit added to the user index's recent level. */
    private readonly userIndex: SqliteUserIndexMerge,
    /** At most this many events per group (a single larger batch still goes alone). */
    private readonly groupMaxEvents: number,
  ) {
    // The keys of this group's users and items; filled inside the transaction, copied into the caches only after it
    // commits (a rolled-back group must not leave the keys of users it created in a cache). A batch that fails inside
    // the group takes the keys it created out again (its savepoint rolled those rows back); keys it only looked up
    // stay valid.
    const groupUsers = new Map<string, number>();
    const groupItems = new Map<string, number>();
    const createdUsers: string[] = [];
    const createdItems: string[] = [];
    // One batch, all rows or none: run inside the group transaction, better-sqlite3 makes it a SAVEPOINT.
    const txBatch = db.transaction((batch: FeedbackRecord[], createUsers: boolean, createItems: boolean) => {
      const now = Date.now();
      // Rows already stored under their eventId are left out (and keep no seq); a batch without eventIds is as is.
      const { rows, index } = this.eventIds.fresh(batch);
      const n = rows.length;
      if (n === 0) return 0;
      const uk = new Float64Array(n);
      const ik = new Float64Array(n);
      // Each distinct id is resolved (or created) once per group; a batch of 1000 events usually names far fewer.
      for (let i = 0; i < n; i++) {
        const r = rows[i];
        let u = groupUsers.get(r.userId);
        if (u === undefined) {
          u = this.userKeys.get(r.userId) ?? (s.userKey.get(r.userId) as number | undefined) ?? ABSENT;
          if (u === ABSENT) {
            if (!createUsers) throw new UnknownReferenceError('user', r.userId, index ? index[i] : i);
            u = Number(s.createUser.run(r.userId, now).lastInsertRowid);
            createdUsers.push(r.userId);
          }
          groupUsers.set(r.userId, u);
        }
        let it = groupItems.get(r.itemId);
        if (it === undefined) {
          it = this.itemKeys.get(r.itemId) ?? (s.itemKey.get(r.itemId) as number | undefined) ?? ABSENT;
          if (it === ABSENT) {
            if (!createItems) throw new UnknownReferenceError('item', r.itemId, index ? index[i] : i);
            it = Number(s.createItem.run(r.itemId, now, now).lastInsertRowid);
            createdItems.push(r.itemId);
          }
          groupItems.set(r.itemId, it);
        }
        uk[i] = u;
        ik[i] = it;
      }
      // Rows go in INSERT statements of ROWS_PER_INSERT rows (one call into SQLite instead of a hundred), the rest
      // one by one. AUTOINCREMENT gives each row the largest seq so far + 1 (this connection is the only writer, inside
      // its transaction), so a statement's rows are numbered from the counter's value on and its last seq names them
      // all. Each statement's last seq is checked against the counter, so a broken assumption fails the batch instead
      // of misnumbering its rows.
      const params = this.manyParams;
      let first = 0;
      let last = (s.feedbackSeqCounter.get() as number | undefined) ?? 0;
      let i = 0;
      for (; i + ROWS_PER_INSERT <= n; i += ROWS_PER_INSERT) {
        for (let j = 0, o = 0; j < ROWS_PER_INSERT; j++, o += 6) {
          const r = rows[i + j];
          params[o] = uk[i + j];
          params[o + 1] = ik[i + j];
          params[o + 2] = r.type;
          params[o + 3] = r.value;
          params[o + 4] = r.timestamp;
          params[o + 5] = r.eventId ?? null;
        }
        const end = Number(s.insertFeedbackMany.run(params).lastInsertRowid);
        const start = end - ROWS_PER_INSERT + 1;
        if (start !== last + 1) throw new Error(`feedback seqs not consecutive: ${last} then ${start}`);
        if (i === 0) first = start;
        for (let j = 0; j < ROWS_PER_INSERT; j++) rows[i + j].seq = start + j;
        last = end;
      }
      for (; i < n; i++) {
        const r = rows[i];
        r.seq = Number(
          s.insertFeedback.run(uk[i], ik[i], r.type, r.value, r.timestamp, r.eventId ?? null).lastInsertRowid,
        );
        if (r.seq !== last + 1) throw new Error(`feedback seqs not consecutive: ${last} then ${r.seq}`);
        if (i === 0) first = r.seq;
        last = r.seq;
      }
      // The batch's user index entries in one statement (its rows are the only ones from `first` on: this is the
      // only writer, inside its transaction), read back from pages still in the cache.
      s.indexRecentFrom.run(first);
      return n;
    });
    // The group: every queued batch in one transaction, so one WAL commit (one fsync under synchronous=FULL) for
    // all of them. A failing batch is recorded in `failures` and only its savepoint is rolled back.
    const txGroup = db.transaction((group: QueuedBatch[], failures: unknown[]) => {
      const single = group.length === 1;
      for (let g = 0; g < group.length; g++) {
        const b = group[g];
        createdUsers.length = 0;
        createdItems.length = 0;
        try {
          b.stored = txBatch(b.rows, b.createUsers, b.createItems);
        } catch (e) {
          // Alone in the group: fail the whole transaction (no savepoint is needed to undo it). And if SQLite rolled
          // back the whole transaction itself (an I/O error, a full disk: https://sqlite.org/lang_transaction.html
          // "Response To Errors Within A Transaction"), the next batches must not run in autocommit mode: fail all.
          if (single || !db.inTransaction) throw e;
          failures[g] = e;
          b.stored = 0;
          for (const id of createdUsers) groupUsers.delete(id);
          for (const id of createdItems) groupItems.delete(id);
          for (const r of b.rows) delete r.seq;
        }
      }
    });
    this.writeGroup = (group) => {
      const failures: unknown[] = new Array(group.length);
      try {
        txGroup(group, failures);
        for (const [id, k] of groupUsers) this.userKeys.set(id, k);
        for (const [id, k] of groupItems) this.itemKeys.set(id, k);
        let added = 0;
        for (let g = 0; g < group.length; g++) if (failures[g] === undefined) added += group[g].stored;
        this.userIndex.added(added);
      } catch (e) {
        // The commit (or a lone batch) failed: nothing of the group is stored.
        for (const b of group) {
          b.stored = 0;
          for (const r of b.rows) delete r.seq;
        }
        failures.fill(e);
      } finally {
        groupUsers.clear();
        groupItems.clear();
      }
      return failures;
    };
  }

  /** Queues a batch for the next group commit; resolves with the rows stored once the commit holding them is done. */
  enqueue(rows: FeedbackRecord[], opts: { createUsers: boolean; createItems: boolean }): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.queue.push({
        rows,
        createUsers: opts.createUsers,
        createItems: opts.createItems,
        stored: 0,
        resolve,
        reject,
      });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // setImmediate runs after the poll phase: every request whose body completed in this turn has queued by then.
        // From node:timers, not the global, so that tests faking timers cannot stall writes.
        setImmediate(this.flushQueue);
      }
    });
  }

  /** Writes every queued batch now, synchronously (on close: batches already accepted are written, not dropped). */
  drain(): void {
    while (this.queue.length > 0) this.flushQueue();
  }

  /** Writes queued feedback batches in groups of at most `groupMaxEvents` events (at least one batch each). */
  private readonly flushQueue = (): void => {
    this.flushScheduled = false;
    while (this.queue.length > 0) {
      let take = 0;
      for (let events = 0; take < this.queue.length; take++) {
        events += this.queue[take].rows.length;
        if (take > 0 && events > this.groupMaxEvents) break;
      }
      const group = this.queue.splice(0, take);
      const failures = this.writeGroup(group);
      for (let g = 0; g < group.length; g++) {
        if (failures[g] === undefined) group[g].resolve(group[g].stored);
        else group[g].reject(failures[g]);
      }
      // More queued than one group takes: let requests (and their answers) through before the next group.
      if (this.queue.length > 0) {
        this.flushScheduled = true;
        setImmediate(this.flushQueue);
        return;
      }
    }
  };
}
