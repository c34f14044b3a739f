import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { validateConfig } from '../../config.js';
import { Engine } from '../../engine.js';
import { SqliteStorage } from '../../storage/sqlite.js';
import type { App } from '../../server.js';
import { installErrorHandler } from '../errors.js';
import { installJsonParser } from '../json-parser.js';
import { catalogRoutes } from './catalog.js';
import { feedbackRoutes } from './feedback.js';

/**
 * A test server with only the ingestion routes, built with the same Fastify options as server.ts's buildServer
 * (body limit, no coercion, unknown fields rejected, one error handler, the JSON parser with its nesting limits) over a fresh engine in a temp dir, so the
 * ingestion tests do not depend on the recommend/admin routes. Test-only; not exported from the package.
 *
 * @example
 * const t = await ingestTestApp({ feedback: { autoCreateItems: true } });
 * await t.app.inject({ method: 'POST', url: '/api/items', payload: [{ id: 'i1' }] });
 * await t.close();
 */
export async function ingestTestApp(
  config: Record<string, unknown> = {},
  opts: { memory?: boolean } = {},
): Promise<{
  app: App;
  engine: Engine;
  close: () => Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'kindred-ingest-'));
  const cfg = validateConfig({ ...config, dataDir: dir, server: { logLevel: 'silent', ...(config.server ?? {}) } });
  // In-memory stores skip the per-commit fsync, for tests that send thousands of requests.
  const engine = await Engine.open(cfg, opts.memory ? SqliteStorage.open(':memory:') : undefined);
  const app = Fastify({
    logger: false,
    bodyLimit: cfg.server.bodyLimit,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;
  installErrorHandler(app);
  installJsonParser(app);
  await app.register(async (scope) => catalogRoutes(scope as App, engine));
  await app.register(async (scope) => feedbackRoutes(scope as App, engine));
  await app.ready();
  return {
    app,
    engine,
    close: async () => {
      await app.close();
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
