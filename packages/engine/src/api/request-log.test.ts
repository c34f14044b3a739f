import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../config.js';
import { Engine } from '../engine.js';
import { buildServer, type App } from '../server.js';
import { idTag } from './request-log.js';

async function withServer(
  server: Record<string, unknown>,
  fn: (app: App, lines: () => Record<string, unknown>[]) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kindred-log-'));
  const chunks: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const engine = await Engine.open(validateConfig({ dataDir: dir, server: { logLevel: 'info', ...server } }));
  const app = await buildServer(engine, { logStream });
  await app.ready();
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  try {
    await fn(app, lines);
  } finally {
    await app.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('request logs', () => {
  it('show route patterns and hashed ids, never raw user ids or a query-string api_key; no health checks', async () => {
    await withServer({}, async (app, lines) => {
      await app.inject({ method: 'GET', url: '/api/recommend/alice%40example.com?n=5&api_key=SECRET-KEY-1' });
      await app.inject({ method: 'GET', url: '/api/users/bob-the-user/feedback?token=SECRET-KEY-2' });
      await app.inject({ method: 'GET', url: '/api/recommend/' }); // no route: only a prefix is shown
      await app.inject({ method: 'GET', url: '/health/live' });
      await app.inject({ method: 'GET', url: '/health/ready' });
      const log = lines();
      const text = JSON.stringify(log);
      expect(text).not.toContain('alice');
      expect(text).not.toContain('bob-the-user');
      expect(text).not.toContain('SECRET-KEY');
      expect(text).not.toContain('/health/');
      const incoming = log.filter((l) => l.msg === 'incoming request').map((l) => l.req as Record<string, unknown>);
      expect(incoming[0]).toMatchObject({
        method: 'GET',
        route: '/api/recommend/:userId',
        url: `/api/recommend/${idTag('alice@example.com')}?n=5&api_key=[redacted]`,
      });
      expect(incoming[1]?.url).toBe(`/api/users/${idTag('bob-the-user')}/feedback?token=[redacted]`);
      expect(incoming).toHaveLength(3);
    });
  });

  it('log health checks when server.logHealthChecks is set', async () => {
    await withServer({ logHealthChecks: true }, async (app, lines) => {
      await app.inject({ method: 'GET', url: '/health/live' });
      expect(JSON.stringify(lines())).toContain('/health/live');
    });
  });
});

describe('CORS', () => {
  const preflight = (app: App, origin: string) =>
    app.inject({
      method: 'OPTIONS',
      url: '/api/items/i1',
      headers: { origin, 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'x-api-key' },
    });

  it('is off by default: no CORS headers on answers or preflights', async () => {
    await withServer({ logLevel: 'silent' }, async (app) => {
      const r = await app.inject({ method: 'GET', url: '/health/live', headers: { origin: 'https://evil.example' } });
      expect(r.headers['access-control-allow-origin']).toBeUndefined();
      const p = await preflight(app, 'https://evil.example');
      expect(p.headers['access-control-allow-origin']).toBeUndefined();
      expect(p.headers['access-control-allow-methods']).toBeUndefined();
    });
  });

  it('allows exactly the listed origins with server.corsOrigins', async () => {
    await withServer({ logLevel: 'silent', corsOrigins: ['https://shop.example.com'] }, async (app) => {
      const ok = await app.inject({
        method: 'GET',
        url: '/health/live',
        headers: { origin: 'https://shop.example.com' },
      });
      expect(ok.headers['access-control-allow-origin']).toBe('https://shop.example.com');
      const other = await app.inject({
        method: 'GET',
        url: '/health/live',
        headers: { origin: 'https://evil.example' },
      });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      const p = await preflight(app, 'https://shop.example.com');
      expect(p.statusCode).toBe(204);
      expect(p.headers['access-control-allow-methods']).toContain('PATCH');
      expect(String(p.headers['access-control-allow-headers'])).toContain('x-api-key');
    });
  });

  it('rejects a malformed origin in the config', () => {
    expect(() => validateConfig({ server: { corsOrigins: ['shop.example.com/path'] } })).toThrow(/corsOrigins/);
  });
});
