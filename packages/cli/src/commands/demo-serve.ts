import { resolve } from 'node:path';
import { startServer, type Engine, type EngineConfig, type FeedbackRecord, type ItemRecord } from '@kindred/engine';
import { Rng, synthetic } from 'kindred';
import type { Io } from '../output.js';
import { UsageError } from '../usage-error.js';
import { readDemoMarker, resetDemoData, writeDemoMarker } from './demo-data.js';
import { openEngine } from './serve.js';

const GENRES = ['Action', 'Comedy', 'Drama', 'Documentary', 'Horror', 'Romance', 'Sci-Fi', 'Animation'];

/** Options of {@link demoServe}. */
export interface DemoServeOptions {
  users: number;
  items: number;
  seed: number;
  /** Delete the demo's earlier store in the data directory and seed afresh. */
  reset?: boolean;
}

/**
 * `kindred demo --serve`: seeds the engine's store with a synthetic catalogue (items with genres and titles) and
 * click feedback from the seeded taste model, trains the configured algorithm, and serves the API.
 *
 * Re-runs are idempotent: a data directory the demo seeded before (its marker, demo-data.ts) is served as it is,
 * with whatever feedback was added since, and trained only if it has no model; `reset` seeds it afresh. A directory
 * holding data the demo did not seed, or an interrupted seeding, is refused with a message naming the way out.
 *
 * @example
 * const demo = await demoServe(serveConfig({ data: './kindred-demo-data' }), processIo, { users: 1000, items: 600, seed: 42 });
 * await demo.close();
 */
export async function demoServe(config: EngineConfig, io: Io, opts: DemoServeOptions) {
  const dir = resolve(config.dataDir);
  if (opts.reset) resetDemoData(dir);
  const engine = await openEngine(config);
  try {
    await seedOnce(engine, dir, io, opts);
    if (!(await engine.storage.activeModel())) {
      io.stderr.write('training...\n');
      const outcome = await engine.training.trainNow();
      io.stderr.write(`training: ${outcome.status}\n`);
    }
  } catch (e) {
    await engine.close();
    throw e;
  }
  const { app, url } = await startServer(engine);
  io.stdout.write(banner(url, config.dataDir));
  // Stops accepting requests first, then closes the engine (as `kindred serve` does): requests in between would find
  // the store closed, and a listening server would keep the process alive.
  return {
    engine,
    close: async () => {
      await app.close();
      await engine.close();
    },
  };
}

/** Seeds the store unless this directory already holds the demo's data (then says so); refuses foreign data. */
async function seedOnce(engine: Engine, dir: string, io: Io, opts: DemoServeOptions): Promise<void> {
  const marker = readDemoMarker(dir);
  if (marker?.complete) {
    const { items, users, events } = marker.seeded;
    io.stderr.write(
      `reusing the demo data in ${dir} (seeded ${marker.startedAt}: ${items} items, ${users} users, ${events} clicks; ` +
        `${await engine.storage.feedbackCount()} events now); run with --reset to seed it afresh\n`,
    );
    return;
  }
  if (marker)
    throw new UsageError(
      `demo: the seeding of ${dir} started ${marker.startedAt} did not finish; run again with --reset`,
    );
  if ((await engine.storage.lastSeq()) > 0 || (await engine.storage.allItems()).length > 0)
    throw new UsageError(`demo: ${dir} holds data that kindred demo did not seed; use another --data directory`);
  const startedAt = new Date().toISOString();
  const base = { users: opts.users, items: opts.items, seed: opts.seed, startedAt };
  // Written before the first row: a seeding cut short is recognised as the demo's own (and --reset may delete it).
  writeDemoMarker(dir, { ...base, seeded: { items: 0, users: 0, events: 0 }, complete: false });
  const seeded = await seed(engine, opts);
  writeDemoMarker(dir, { ...base, seeded, complete: true });
  io.stderr.write(`seeded ${seeded.items} items, ${seeded.users} users, ${seeded.events} clicks\n`);
}

async function seed(engine: Engine, opts: DemoServeOptions): Promise<{ items: number; users: number; events: number }> {
  const data = synthetic({
    users: opts.users,
    items: opts.items,
    interactions: Math.min(opts.users * 30, opts.users * opts.items),
    kind: 'implicit',
    seed: opts.seed,
  });
  const rng = new Rng(opts.seed + 1);
  const now = Date.now();
  const items: ItemRecord[] = data.itemIds.ids().map((id, i) => {
    const genre = GENRES[rng.int(GENRES.length)];
    const second = rng.next() < 0.3 ? [GENRES[rng.int(GENRES.length)]] : [];
    return {
      id: String(id),
      categories: [...new Set([genre, ...second])],
      labels: { title: `${genre} story #${i}` },
      // Spread publication over the last 90 days so "latest" and freshness have something to show.
      timestamp: now - Math.floor(rng.next() * 90 * 86_400_000),
      hidden: false,
      updatedAt: now,
    };
  });
  await engine.storage.upsertItems(items);
  const rows: FeedbackRecord[] = [];
  for (let k = 0; k < data.length; k++) {
    rows.push({
      userId: String(data.userIds.id(data.users[k])),
      itemId: String(data.itemIds.id(data.items[k])),
      type: 'click',
      value: 1,
      timestamp: now - (data.length - k) * 1000,
    });
  }
  for (let k = 0; k < rows.length; k += 5000)
    await engine.storage.insertFeedback(rows.slice(k, k + 5000), { createUsers: true, createItems: false });
  await engine.serving.reload();
  return { items: items.length, users: data.nUsers, events: rows.length };
}

/** Quotes one shell word (POSIX sh): URLs with `&` or `?` stay one argument when the line is pasted. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The commands to try, each ready to paste into a shell. */
function banner(url: string, dataDir: string): string {
  const curl = (...args: string[]) => `  ${['curl', ...args].map(shellQuote).join(' ')}`;
  return [
    `Kindred engine demo on ${url} (data in ${dataDir})`,
    curl(`${url}/api/recommend/u1?n=5`),
    curl(`${url}/api/items/i3/similar?n=5`),
    curl(`${url}/api/popular?n=5&category=Comedy`),
    curl(
      '-X',
      'POST',
      `${url}/api/feedback`,
      '-H',
      'content-type: application/json',
      '-d',
      '[{"userId":"u1","itemId":"i7","type":"like"}]',
    ),
    `  API docs: ${url}/docs`,
    '',
  ].join('\n');
}
