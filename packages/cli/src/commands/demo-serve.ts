import { Engine, startServer, type EngineConfig, type FeedbackRecord, type ItemRecord } from '@kindred/engine';
import { Rng, synthetic } from 'kindred';
import type { Io } from '../output.js';

const GENRES = ['Action', 'Comedy', 'Drama', 'Documentary', 'Horror', 'Romance', 'Sci-Fi', 'Animation'];

/**
 * `kindred demo --serve`: seeds the engine's store with a synthetic catalogue (items with genres and titles) and
 * click feedback from the seeded taste model, trains the configured algorithm, and serves the API.
 */
export async function demoServe(config: EngineConfig, io: Io, opts: { users: number; items: number; seed: number }) {
  const engine = await Engine.open(config);
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
  io.stderr.write(`seeded ${items.length} items, ${data.nUsers} users, ${rows.length} clicks; training...\n`);
  const outcome = await engine.training.trainNow();
  io.stderr.write(`training: ${outcome.status}\n`);
  const { app, url } = await startServer(engine);
  io.stdout.write(
    [
      `Kindred engine demo on ${url} (data in ${config.dataDir})`,
      `  curl ${url}/api/recommend/u1?n=5`,
      `  curl ${url}/api/items/i3/similar?n=5`,
      `  curl ${url}/api/popular?n=5&category=Comedy`,
      `  curl -X POST ${url}/api/feedback -H 'content-type: application/json' -d '[{"userId":"u1","itemId":"i7","type":"like"}]'`,
      `  API docs: ${url}/docs`,
      '',
    ].join('\n'),
  );
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
