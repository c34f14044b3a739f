// The HTTP shell's own promises (docs/engine.md): loopback only without keys, per-key rate limits answered with 429
// in the error envelope, Prometheus metrics that count requests, and a valid OpenAPI 3 document.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from './config.js';
import { Engine } from './engine.js';
import { buildServer, startServer, type App } from './server.js';

const KEYS = { readKey: 'read-key-123', writeKey: 'write-key-123', adminKey: 'admin-key-123' };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function openEngine(raw: Record<string, unknown>): Promise<Engine> {
  const dir = mkdtempSync(join(tmpdir(), 'kindred-server-'));
  const engine = await Engine.open(validateConfig({ dataDir: dir, ...raw }));
  cleanups.push(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return engine;
}

/** A log stream that keeps the JSON lines it was given. */
function logCollector() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const messages = () =>
    chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { msg?: string }).msg ?? '');
  return { stream, messages };
}

async function started(raw: Record<string, unknown>) {
  const engine = await openEngine({ ...raw, server: { logLevel: 'info', port: 0, ...(raw.server as object) } });
  const log = logCollector();
  const { app, url } = await startServer(engine, { logStream: log.stream });
  cleanups.push(() => app.close());
  return { app, url, address: app.server.address() as AddressInfo, log };
}

describe('startServer: loopback only without keys', () => {
  it('binds 127.0.0.1 instead of 0.0.0.0 when no API key is configured, and logs why', async () => {
    const { address, url, log } = await started({ server: { host: '0.0.0.0' } });
    expect(address.address).toBe('127.0.0.1');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(log.messages()).toContainEqual(expect.stringMatching(/no API keys configured: binding to 127\.0\.0\.1/));
    // The engine answers there.
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
  });

  it('binds the configured host when a key is configured, without the warning', async () => {
    const { address, log } = await started({ server: { host: '0.0.0.0' }, auth: KEYS });
    expect(address.address).toBe('0.0.0.0');
    expect(log.messages().filter((m) => m.includes('no API keys configured'))).toEqual([]);
  });
});

async function built(raw: Record<string, unknown>): Promise<App> {
  const engine = await openEngine({ ...raw, server: { logLevel: 'silent', ...(raw.server as object) } });
  const app = await buildServer(engine, { logger: false });
  await app.ready();
  cleanups.push(() => app.close());
  return app;
}

describe('rate limiting', () => {
  it('answers 429 in the error envelope after server.rateLimit requests, counted per API key', async () => {
    const app = await built({ auth: KEYS, server: { rateLimit: 3, rateLimitWindowMs: 3_600_000 } });
    const get = (key: string) => app.inject({ method: 'GET', url: '/api/items', headers: { 'x-api-key': key } });
    for (let k = 0; k < 3; k++) expect((await get(KEYS.readKey)).statusCode).toBe(200);
    const limited = await get(KEYS.readKey);
    expect(limited.statusCode).toBe(429);
    expect(Object.keys(limited.json())).toEqual(['error']);
    expect(limited.json().error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    expect(limited.headers['retry-after']).toBeDefined();
    // Another key has its own budget.
    expect((await get(KEYS.writeKey)).statusCode).toBe(200);
  });

  it('is off by default (rateLimit 0)', async () => {
    const app = await built({});
    for (let k = 0; k < 30; k++) expect((await app.inject({ method: 'GET', url: '/api/items' })).statusCode).toBe(200);
  });
});

describe('/metrics', () => {
  it('serves Prometheus text with the engine metrics, counting requests by route pattern', async () => {
    const app = await built({ feedback: { autoCreateItems: true } });
    await app.inject({ method: 'GET', url: '/api/items' });
    await app.inject({ method: 'GET', url: '/api/items' });
    await app.inject({ method: 'GET', url: '/api/items/nope' });
    const post = await app.inject({
      method: 'POST',
      url: '/api/feedback',
      payload: [
        { userId: 'u1', itemId: 'i1', type: 'click' },
        { userId: 'u2', itemId: 'i1', type: 'click' },
      ],
    });
    expect(post.statusCode).toBe(200);
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    for (const name of [
      'kindred_http_request_duration_seconds',
      'kindred_events_ingested_total',
      'kindred_model_version',
      'kindred_training_duration_seconds',
    ])
      expect(text).toContain(`# TYPE ${name} `);
    const count = (labels: string) =>
      Number(new RegExp(`^kindred_http_request_duration_seconds_count\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1]);
    expect(count('method="GET",route="/api/items",status="200"')).toBe(2);
    // By route pattern, never by raw URL (bounded label cardinality).
    expect(count('method="GET",route="/api/items/:id",status="404"')).toBe(1);
    expect(text).not.toContain('/api/items/nope');
    expect(text).toMatch(/^kindred_events_ingested_total 2$/m);
    expect(text).toMatch(/^kindred_model_version 0$/m);
  });
});

describe('/openapi.json', () => {
  it('is an OpenAPI 3 document whose operations all have responses', async () => {
    const app = await built({ auth: KEYS });
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as {
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(doc.components.securitySchemes.apiKey).toEqual({ type: 'apiKey', name: 'X-API-Key', in: 'header' });
    const methods = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
    const bad: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      // OpenAPI paths are templated with {name}, never Fastify's :name.
      if (!path.startsWith('/') || path.includes(':')) bad.push(`path ${path}`);
      for (const [m, op] of Object.entries(ops)) {
        if (!methods.has(m)) continue;
        if (!op.responses || Object.keys(op.responses).length === 0) bad.push(`${m} ${path}: no responses`);
      }
    }
    expect(bad).toEqual([]);
    // The route table's completeness (every route documented) is api/openapi-security.test.ts's job.
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/recommend/{userId}', '/metrics']));
  });
});
