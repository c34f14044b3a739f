import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../config.js';
import { Engine } from '../engine.js';
import { buildServer, type App } from '../server.js';
import { API_ERROR_CODES } from './errors.js';

/** Sends raw bytes (what inject cannot send: a malformed request) and resolves with the whole answer. */
function raw(port: number, text: string): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (out += d));
    socket.on('error', reject);
    socket.on('end', () => {
      const [head, ...rest] = out.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), headers: head, body: rest.join('\r\n\r\n') });
    });
  });
}

const envelope = (text: string): { code: string; message: string } => {
  const parsed = JSON.parse(text) as { error: { code: string; message: string } };
  expect(Object.keys(parsed)).toEqual(['error']);
  expect(Object.keys(API_ERROR_CODES)).toContain(parsed.error.code);
  return parsed.error;
};

describe('every failure answers in the error envelope', () => {
  let app: App;
  let engine: Engine;
  let dir: string;
  let port: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kindred-http-errors-'));
    engine = await Engine.open(validateConfig({ dataDir: dir, server: { logLevel: 'silent' } }));
    app = await buildServer(engine, { logger: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await app.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const request = (head: string, body = '') =>
    raw(
      port,
      `${head}\r\nHost: x\r\nConnection: close\r\n${body ? `Content-Length: ${body.length}\r\n` : ''}\r\n${body}`,
    );

  it('431 for headers too large', async () => {
    const r = await raw(port, `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(r.status).toBe(431);
    expect(envelope(r.body).code).toBe('HEADERS_TOO_LARGE');
  });

  it('400 BAD_REQUEST for a bad content-length and for garbage', async () => {
    for (const cl of ['abc', '-1', '2, 3']) {
      const r = await raw(
        port,
        `POST /api/items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${cl}\r\n\r\n[]`,
      );
      expect(r.status, cl).toBe(400);
      expect(envelope(r.body)).toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringContaining('content-length'),
      });
    }
    const r = await raw(port, 'HELLO\r\n\r\n');
    expect(r.status).toBe(400);
    expect(envelope(r.body).code).toBe('BAD_REQUEST');
  });

  it('400 BAD_REQUEST for a URL with bad percent-encoding', async () => {
    for (const url of ['/api/items/%zz', '/api/items/%E0%A4%A']) {
      const r = await request(`GET ${url} HTTP/1.1`);
      expect(r.status, url).toBe(400);
      expect(envelope(r.body)).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('percent') });
    }
  });

  it('415 for a body that is not JSON (text/plain included)', async () => {
    for (const type of ['text/plain', 'application/xml', ';;;']) {
      const r = await request(`POST /api/items HTTP/1.1\r\nContent-Type: ${type}`, 'hi');
      expect(r.status, type).toBe(415);
      expect(envelope(r.body).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('404 for an unknown route, 405 with Allow for a known route and another method', async () => {
    const missing = await request('GET /api/nope HTTP/1.1');
    expect(missing.status).toBe(404);
    expect(envelope(missing.body).code).toBe('NOT_FOUND');
    const wrong = await request('PUT /api/items/i1 HTTP/1.1', '{}');
    expect(wrong.status).toBe(405);
    expect(envelope(wrong.body).code).toBe('METHOD_NOT_ALLOWED');
    expect(wrong.headers.toLowerCase()).toMatch(/allow: get, head, patch, delete/);
  });
});
