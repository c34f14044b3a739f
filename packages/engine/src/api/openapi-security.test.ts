import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../config.js';
import { Engine } from '../engine.js';
import { buildServer, type App } from '../server.js';
import { routeTable } from './openapi-security.js';

const KEYS = { readKey: 'read-key-123', writeKey: 'write-key-123', adminKey: 'admin-key-123' };

interface Operation {
  security?: unknown[];
  description?: string;
}
type Doc = { paths: Record<string, Record<string, Operation>> };

async function open(auth: Record<string, string>): Promise<{ app: App; engine: Engine; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'kindred-openapi-'));
  const engine = await Engine.open(validateConfig({ dataDir: dir, auth, server: { logLevel: 'silent' } }));
  const app = await buildServer(engine, { logger: false });
  await app.ready();
  return { app, engine, dir };
}

/** A concrete URL for a route pattern (`:id` → a value), and the OpenAPI path for it (`{id}`). */
const concrete = (url: string) => url.replace(/:version/g, '1').replace(/:[A-Za-z]+/g, 'x');
const openapiPath = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}');
/** Swagger UI's own assets and the document itself are not API routes. */
const documented = (url: string) => url !== '/openapi.json' && url !== '/docs' && !url.startsWith('/docs/');

describe('OpenAPI security matches the route table (keys configured)', () => {
  let c: Awaited<ReturnType<typeof open>>;
  let doc: Doc;
  beforeAll(async () => {
    c = await open(KEYS);
    doc = (await c.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  });
  afterAll(async () => {
    await c.app.close();
    await c.engine.close();
    rmSync(c.dir, { recursive: true, force: true });
  });

  const routes = () => routeTable(c.app).filter((r) => r.method !== 'HEAD' && documented(r.url));

  it('sees every route of the server', () => {
    const urls = routes().map((r) => `${r.method} ${r.url}`);
    expect(urls.length).toBeGreaterThanOrEqual(23);
    expect(urls).toContain('GET /metrics');
    expect(urls).toContain('POST /api/train');
  });

  it('documents every route', () => {
    const missing = routes().filter((r) => doc.paths[openapiPath(r.url)]?.[r.method.toLowerCase()] === undefined);
    expect(missing.map((r) => `${r.method} ${r.url}`)).toEqual([]);
  });

  it('declares security exactly on the routes that answer 401 without a key', async () => {
    const wrong: string[] = [];
    for (const r of routes()) {
      const res = await c.app.inject({ method: r.method as 'GET', url: concrete(r.url) });
      const op = doc.paths[openapiPath(r.url)]?.[r.method.toLowerCase()];
      const declared = (op?.security ?? []).length > 0;
      if (declared !== (res.statusCode === 401))
        wrong.push(`${r.method} ${r.url}: ${res.statusCode}, declared ${declared}`);
    }
    expect(wrong).toEqual([]);
    // The health checks and /metrics stay open (scrapers and load balancers send no key), and say so.
    expect(doc.paths['/metrics']?.get?.security).toBeUndefined();
  });

  it('names the role, which is the one the server enforces', async () => {
    const wrong: string[] = [];
    for (const r of routes()) {
      if (r.role === null) continue;
      const op = doc.paths[openapiPath(r.url)]?.[r.method.toLowerCase()];
      if (!op?.description?.includes(`role ${r.role}`)) wrong.push(`${r.method} ${r.url}: no "role ${r.role}"`);
      if (r.role === 'read') continue;
      // One role lower is refused with 403, before the handler runs.
      const lower = r.role === 'admin' ? KEYS.writeKey : KEYS.readKey;
      const res = await c.app.inject({
        method: r.method as 'GET',
        url: concrete(r.url),
        headers: { 'x-api-key': lower },
      });
      if (res.statusCode !== 403) wrong.push(`${r.method} ${r.url}: ${res.statusCode} with a lower key`);
    }
    expect(wrong).toEqual([]);
    const roles = new Set(routes().map((r) => r.role));
    expect(roles).toEqual(new Set([null, 'read', 'write', 'admin']));
  });
});

describe('OpenAPI security without keys', () => {
  it('declares none (every route is open on loopback)', async () => {
    const c = await open({});
    try {
      const doc: Doc = (await c.app.inject({ method: 'GET', url: '/openapi.json' })).json();
      const secured = Object.entries(doc.paths).flatMap(([p, ops]) =>
        Object.entries(ops)
          .filter(([, op]) => (op.security ?? []).length > 0)
          .map(([m]) => `${m} ${p}`),
      );
      expect(secured).toEqual([]);
    } finally {
      await c.app.close();
      await c.engine.close();
      rmSync(c.dir, { recursive: true, force: true });
    }
  });
});
