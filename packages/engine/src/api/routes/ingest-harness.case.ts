import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { validateConfig } from '../../config.js';
import { Engine } from '../../engine.js';
import { buildServer, type App } from '../../server.js';

/**
 * The production server for property tests: `buildServer(engine)` over `Engine.open(config)` with the default store
 * (ThreadedSqliteStorage: writes on the writer thread, synchronous=FULL) in a fresh data directory, plus a read-only
 * SQLite connection to the same kindred.db for counting rows. The directory is on /dev/shm when the machine has it:
 * the same files and the same fsync calls, only cheaper, so 10,000 requests stay within CI time.
 * Test-only (`.case.ts`: not compiled into the package, not run as a test).
 *
 * @example
 * const h = await openIngestHarness();
 * const r = await h.send({ method: 'POST', url: '/api/items', body: { json: [{ id: 'i1' }] } });
 * await h.close();
 */
export async function openIngestHarness(config: Record<string, unknown> = {}): Promise<IngestHarness> {
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'kindred-props-'));
  const cfg = validateConfig({
    ...config,
    dataDir: dir,
    server: { logLevel: 'silent' },
    // No training run in the middle of the properties: they test ingestion, and a fit would only cost time.
    training: { fitAfterEvents: 0, fitPeriodSeconds: 0 },
  });
  const engine = await Engine.open(cfg);
  const app = await buildServer(engine, { logger: false });
  await app.ready();
  return new IngestHarness(dir, engine, app);
}

/** A request body: JSON (stringified when sent), raw text sent as application/json, or none. */
export type Body = { json: unknown } | { raw: string };

/** One generated request, with what it must answer when the generator knows (a must-reject class, say). */
export interface Req {
  method: 'POST' | 'PATCH' | 'DELETE';
  url: string;
  body?: Body;
  /** The status it must get, and optionally the error code and path. */
  expect?: { status: number; code?: string; path?: string };
}

/** Row counts of the store. */
export interface Counts {
  items: number;
  users: number;
  feedback: number;
}

/** What one request got. */
export interface Answer {
  status: number;
  json: unknown;
}

export class IngestHarness {
  /** Requests sent so far, and how many got each status. */
  sent = 0;
  readonly statuses = new Map<number, number>();
  private readonly db: Database.Database;
  private readonly countItems: Database.Statement;
  private readonly countUsers: Database.Statement;
  private readonly hasId: Record<'items' | 'users', Database.Statement>;

  constructor(
    readonly dir: string,
    readonly engine: Engine,
    readonly app: App,
  ) {
    // Read-only and separate from the engine's connections: what it counts is what a commit made durable.
    this.db = new Database(join(dir, 'kindred.db'), { readonly: true, fileMustExist: true });
    this.countItems = this.db.prepare('SELECT count(*) FROM items').pluck();
    this.countUsers = this.db.prepare('SELECT count(*) FROM users').pluck();
    this.hasId = {
      items: this.db.prepare('SELECT count(*) FROM items WHERE id = ?').pluck(),
      users: this.db.prepare('SELECT count(*) FROM users WHERE id = ?').pluck(),
    };
  }

  /** Items, users (read from the file) and live feedback rows (the store's own count, which leaves out the rows of a
   * deleted item that the background purge has not removed yet, so it does not move under a test's feet). */
  async counts(): Promise<Counts> {
    return {
      items: this.countItems.get() as number,
      users: this.countUsers.get() as number,
      feedback: await this.engine.storage.feedbackCount(),
    };
  }

  /** How many of `ids` the store holds (distinct), for the exact count an upsert must add. */
  existing(table: 'items' | 'users', ids: string[]): number {
    let n = 0;
    for (const id of new Set(ids)) n += this.hasId[table].get(id) as number;
    return n;
  }

  /**
   * Sends one request and checks the invariants every write must keep; throws (failing the property, which then
   * prints its seed and counterexample) naming the request and what broke:
   * - never a 5xx; every 4xx carries `{error: {code, message}}`;
   * - a rejected request (status ≥ 400) leaves the item, user and feedback counts unchanged;
   * - an accepted feedback batch adds exactly `accepted` rows (and `accepted + duplicates` is the batch size); an
   *   accepted item/user batch adds exactly its new distinct ids; an accepted delete removes one row;
   * - `req.expect`, when the generator knows the answer.
   */
  async send(req: Req): Promise<Answer> {
    const payload =
      req.body === undefined ? undefined : 'raw' in req.body ? req.body.raw : JSON.stringify(req.body.json);
    // The rows as the server will parse them (raw text too, when it is small enough to be a plausible batch).
    const parsed =
      req.body && 'json' in req.body
        ? req.body.json
        : payload && payload.length < 65_536
          ? safeJson(payload)
          : undefined;
    const rows = Array.isArray(parsed) ? (parsed as unknown[]) : null;
    const ids = rows?.every((r) => typeof (r as { id?: unknown })?.id === 'string')
      ? rows.map((r) => (r as { id: string }).id)
      : null;
    const table = req.url === '/api/items' ? 'items' : req.url === '/api/users' ? 'users' : null;
    const newIds = table && ids ? new Set(ids).size - this.existing(table, ids) : null;
    const before = await this.counts();
    const res = await this.app.inject({
      method: req.method,
      url: req.url,
      ...(payload !== undefined ? { payload, headers: { 'content-type': 'application/json' } } : {}),
    });
    this.sent++;
    this.statuses.set(res.statusCode, (this.statuses.get(res.statusCode) ?? 0) + 1);
    const after = await this.counts();
    const json = res.body.length > 0 ? safeJson(res.body) : undefined;
    const fail = (what: string): never => {
      const shown =
        payload === undefined
          ? ''
          : payload.length > 300
            ? `${payload.slice(0, 300)}… (${payload.length} chars)`
            : payload;
      throw new Error(
        `${what}\n  request: ${req.method} ${req.url} ${shown}\n  answer: ${res.statusCode} ${res.body.slice(0, 500)}\n` +
          `  counts before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`,
      );
    };
    const status = res.statusCode;
    if (status >= 500) fail(`${status}: a write route failed on its input`);
    if (status >= 400) {
      const e = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      if (typeof e?.code !== 'string' || typeof e.message !== 'string') fail('a 4xx without {error: {code, message}}');
      if (before.items !== after.items || before.users !== after.users || before.feedback !== after.feedback)
        fail('a rejected request changed the store');
    }
    if (req.expect) {
      const e = (json as { error?: { code?: string; path?: string } } | undefined)?.error;
      if (status !== req.expect.status) fail(`expected status ${req.expect.status}`);
      if (req.expect.code !== undefined && e?.code !== req.expect.code) fail(`expected error code ${req.expect.code}`);
      if (req.expect.path !== undefined && e?.path !== req.expect.path) fail(`expected error path ${req.expect.path}`);
    }
    if (status < 300) this.checkAccepted(req, json, rows, newIds, before, after, fail);
    return { status, json };
  }

  private checkAccepted(
    req: Req,
    json: unknown,
    rows: unknown[] | null,
    newIds: number | null,
    before: Counts,
    after: Counts,
    fail: (what: string) => never,
  ): void {
    const delta = {
      items: after.items - before.items,
      users: after.users - before.users,
      feedback: after.feedback - before.feedback,
    };
    const route = `${req.method} ${req.url.replace(/\?.*$/, '').replace(/^(\/api\/(?:items|users|feedback))\/.*$/, '$1/:x')}`;
    const same = (d: Partial<Counts>, why: string) => {
      for (const k of ['items', 'users', 'feedback'] as const)
        if (delta[k] !== (d[k] ?? 0)) fail(`${why}: ${k} changed by ${delta[k]}, expected ${d[k] ?? 0}`);
    };
    if (route === 'POST /api/feedback') {
      const { accepted, duplicates } = json as { accepted: number; duplicates: number };
      if (accepted + duplicates !== rows?.length) fail('accepted + duplicates is not the batch size');
      if (delta.feedback !== accepted) fail(`feedback count changed by ${delta.feedback}, ${accepted} accepted`);
      if (delta.items !== 0 || delta.users < 0) fail('a feedback batch removed users or created items');
    } else if (route === 'POST /api/items' || route === 'POST /api/users') {
      if ((json as { accepted: number }).accepted !== rows?.length) fail('accepted is not the batch size');
      const table = route === 'POST /api/items' ? 'items' : 'users';
      same({ [table]: newIds ?? delta[table] }, 'an upsert must add exactly its new ids');
    } else if (route.startsWith('PATCH')) same({}, 'a patch must not add or remove rows');
    else if (route === 'DELETE /api/items/:x') {
      if (delta.items !== -1 || delta.users !== 0 || delta.feedback > 0) fail('a deleted item must remove one item');
    } else if (route === 'DELETE /api/users/:x') {
      if (delta.users !== -1 || delta.items !== 0 || delta.feedback > 0) fail('a deleted user must remove one user');
    } else if (route.startsWith('DELETE /api/feedback')) same({ feedback: -1 }, 'a deleted event must remove one row');
  }

  async close(): Promise<void> {
    this.db.close();
    await this.app.close();
    await this.engine.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Runs a property over generated requests with a pinned seed: fast-check's failure report then names the seed (to
 * rerun exactly that case) and the shrunk counterexample, and `send`'s error names the request and the broken rule.
 *
 * @example
 * await checkRequests(h, fc.constant({ method: 'DELETE', url: '/api/items/x' }), { seed: 1, numRuns: 10 });
 */
export async function checkRequests(
  h: IngestHarness,
  requests: fc.Arbitrary<Req | Req[]>,
  opts: { seed: number; numRuns: number },
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(requests, async (r) => {
      for (const one of Array.isArray(r) ? r : [r]) await h.send(one);
    }),
    { ...opts, verbose: 1 },
  );
}
