import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { demoServe } from './demo-serve.js';
import { serveConfig } from './serve.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('kindred demo --serve', () => {
  it('serves recommendations, and close() stops listening before it closes the store', async () => {
    const data = mkdtempSync(join(tmpdir(), 'kindred-demo-serve-'));
    dirs.push(data);
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d) => (out += d));
    const config = serveConfig({ port: '0', data }, { KINDRED_LOG_LEVEL: 'silent' });
    const demo = await demoServe(config, { stdout, stderr: new PassThrough() }, { users: 60, items: 40, seed: 1 });
    const url = /demo on (\S+)/.exec(out)?.[1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}/api/recommend/u1?n=3`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { items: unknown[] }).items).toHaveLength(3);
    await demo.close();
    // Nothing answers any more (before the fix, the server kept listening and answered 500 from a closed store).
    await expect(fetch(`${url}/health/live`)).rejects.toThrow();
  });
});
