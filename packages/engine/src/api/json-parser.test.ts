import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { validateConfig } from '../config.js';
import { Engine } from '../engine.js';
import { buildServer, type App } from '../server.js';
import { DEFAULT_MAX_BODY_DEPTH, jsonDepth, parseJsonBody, schemaDepth } from './json-parser.js';
import { FeedbackBody, ItemPatch, ItemsBody, UsersBody } from './schemas.js';

describe('jsonDepth', () => {
  it('counts [ and { outside strings, escapes included', () => {
    const depth = (text: string) => jsonDepth(Buffer.from(text), 16);
    expect(depth('[{"a": [1]}]')).toBe(3);
    expect(depth('{"a": "[[[{{{"}')).toBe(1);
    expect(depth('["\\"[[[", "\\\\", [2]]')).toBe(2);
    expect(depth('["é[", {"中": "]]]"}]')).toBe(2);
    expect(depth('1')).toBe(0);
  });

  it('stops as soon as the limit is passed', () => {
    expect(jsonDepth(Buffer.from('['.repeat(1_000_000)), 3)).toBe(4);
  });
});

describe('schemaDepth', () => {
  it('bounds the engine bodies at their real nesting', () => {
    expect(schemaDepth(ItemsBody)).toBe(3); // [ { labels: { } } ]
    expect(schemaDepth(UsersBody)).toBe(3);
    expect(schemaDepth(FeedbackBody)).toBe(2);
    expect(schemaDepth(ItemPatch)).toBe(2);
  });

  it('does not bound free-form schemas', () => {
    expect(schemaDepth({})).toBeNull();
    expect(schemaDepth({ type: 'object' })).toBeNull();
    expect(schemaDepth({ type: 'array', items: {} })).toBeNull();
  });
});

describe('parseJsonBody', () => {
  it('parses a 10 MB flat batch', () => {
    const row = JSON.stringify({ id: 'x'.repeat(200), labels: { k: 'v'.repeat(800) } });
    const text = `[${Array.from({ length: 10_000 }, () => row).join(',')}]`;
    expect(text.length).toBeGreaterThan(10_000_000);
    expect((parseJsonBody(Buffer.from(text), 3, false) as unknown[]).length).toBe(10_000);
  });
});

interface Ctx {
  app: App;
  engine: Engine;
  dir: string;
}

async function open(): Promise<Ctx> {
  const dir = mkdtempSync(join(tmpdir(), 'kindred-json-'));
  const engine = await Engine.open(validateConfig({ dataDir: dir, server: { logLevel: 'silent' } }));
  const app = await buildServer(engine, { logger: false });
  await app.ready();
  return { app, engine, dir };
}

describe('JSON bodies over HTTP', () => {
  let c: Ctx;
  beforeAll(async () => {
    c = await open();
  });
  afterAll(async () => {
    await c.app.close();
    await c.engine.close();
    rmSync(c.dir, { recursive: true, force: true });
  });

  const post = (url: string, payload: string) =>
    c.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload });

  it('refuses a 10 MB body nested 5 M deep with 400 BODY_TOO_DEEP, without JSON.parse and without blocking', async () => {
    const deep = '['.repeat(5_000_000) + ']'.repeat(5_000_000);
    const parse = vi.spyOn(JSON, 'parse');
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    try {
      // A read route: the probe needed only a read key.
      const r = await post('/api/recommend/session', deep);
      delay.disable();
      expect(r.statusCode).toBe(400);
      expect(r.json().error.code).toBe('BODY_TOO_DEEP');
      expect(r.json().error.message).toContain('more than 3 levels');
      // The deep text never reached JSON.parse (V8 spends seconds and gigabytes on it).
      expect(parse.mock.calls.filter(([text]) => typeof text === 'string' && text.length > 1e6)).toEqual([]);
      // Without the pre-scan the loop stalled 2–3 s; the scan stops after 4 characters. Generous bound for a shared CI.
      expect(delay.max / 1e6).toBeLessThan(1000);
    } finally {
      delay.disable();
      parse.mockRestore();
    }
  });

  it('checks depth before syntax, and per route (default limit elsewhere)', async () => {
    const r = await post('/api/items', '[[[[garbage');
    expect(r.json().error.code).toBe('BODY_TOO_DEEP');
    // /api/train takes no body schema: the default limit.
    const ok = '['.repeat(DEFAULT_MAX_BODY_DEPTH) + ']'.repeat(DEFAULT_MAX_BODY_DEPTH);
    const deeper = '[' + ok + ']';
    expect((await post('/api/models/1/activate', ok)).json().error.code).toBe('NOT_FOUND');
    expect((await post('/api/models/1/activate', deeper)).json().error.code).toBe('BODY_TOO_DEEP');
  });

  it('a 10 MB flat valid batch is accepted', async () => {
    const items = Array.from({ length: 10_000 }, (_, k) => ({ id: `i${k}`, text: 'lorem ipsum '.repeat(80) }));
    const text = JSON.stringify(items);
    expect(text.length).toBeGreaterThan(9_500_000);
    const r = await post('/api/items', text);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ accepted: 10_000 });
  });

  it('refuses a __proto__ key (escaped or not) saying so, not "not valid JSON"', async () => {
    for (const key of ['__proto__', '\\u005f_proto__']) {
      const r = await post('/api/users', `[{"id": "u1", "labels": {"${key}": "polluted"}}]`);
      expect(r.statusCode).toBe(400);
      expect(r.json().error).toEqual({
        code: 'FORBIDDEN_KEY',
        message: 'body.0.labels contains a __proto__ key, which is not allowed',
        path: 'body.0.labels',
      });
    }
    const ctor = await c.app.inject({
      method: 'PATCH',
      url: '/api/items/i1',
      headers: { 'content-type': 'application/json' },
      payload: '{"constructor": {"prototype": "x"}}',
    });
    expect(ctor.json().error.code).toBe('FORBIDDEN_KEY');
    // A label that merely mentions the word is fine.
    const fine = await post('/api/users', '[{"id": "u1", "labels": {"note": "\\"__proto__\\": 1"}}]');
    expect(fine.statusCode).toBe(200);
  });

  it('reports bad JSON as INVALID_JSON and an empty body as {} on routes without a body', async () => {
    const bad = await post('/api/items', '[{"id": ');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('INVALID_JSON');
    const empty = await post('/api/items', '');
    expect(empty.json().error).toMatchObject({ code: 'INVALID_JSON', message: 'request body is empty' });
    // No body schema: an empty JSON body is {} (before, 400 "request body is empty").
    const none = await post('/api/models/1/activate', '');
    expect(none.statusCode).toBe(404);
    expect(none.json().error.code).toBe('NOT_FOUND');
  });
});
