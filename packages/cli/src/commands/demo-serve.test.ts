import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { demoServe } from './demo-serve.js';
import { serveConfig } from './serve.js';
import { UsageError } from '../usage-error.js';
import { SqliteStorage } from '@kindred/engine';

/** Runs the demo on `data` and returns its stdout and the handle. */
async function runDemo(data: string, reset = false) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const config = serveConfig({ port: '0', data }, { KINDRED_LOG_LEVEL: 'silent' });
  const demo = await demoServe(config, { stdout, stderr }, { users: 60, items: 40, seed: 1, reset });
  return { demo, out, err: () => err };
}

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

  it('a re-run on the same directory reuses the data instead of seeding it twice; --reset seeds afresh', async () => {
    const data = mkdtempSync(join(tmpdir(), 'kindred-demo-serve-'));
    dirs.push(data);
    const first = await runDemo(data);
    const seeded = await first.demo.engine.storage.feedbackCount();
    expect(seeded).toBeGreaterThan(0);
    const versions = (await first.demo.engine.storage.listModels()).length;
    await first.demo.close();

    // Before the fix the second run added every click again (30,002 → 60,002 events).
    const second = await runDemo(data);
    expect(await second.demo.engine.storage.feedbackCount()).toBe(seeded);
    expect(await second.demo.engine.storage.listModels()).toHaveLength(versions); // not retrained either
    expect(second.err()).toMatch(/reusing the demo data in .*--reset/);
    await second.demo.close();

    const third = await runDemo(data, true);
    expect(await third.demo.engine.storage.feedbackCount()).toBe(seeded);
    expect(third.err()).toMatch(/^seeded /m);
    await third.demo.close();
  });

  it('refuses a directory holding data it did not seed, with or without --reset, and deletes nothing', async () => {
    const data = mkdtempSync(join(tmpdir(), 'kindred-demo-serve-'));
    dirs.push(data);
    const store = SqliteStorage.open(join(data, 'kindred.db'));
    await store.insertFeedback([{ userId: 'real', itemId: 'x', type: 'click', value: 1, timestamp: 1 }], {
      createUsers: true,
      createItems: true,
    });
    await store.close();
    await expect(runDemo(data)).rejects.toThrow(UsageError);
    await expect(runDemo(data)).rejects.toThrow(/did not seed; use another --data directory/);
    await expect(runDemo(data, true)).rejects.toThrow(/refusing to delete it/);
    const again = SqliteStorage.open(join(data, 'kindred.db'));
    expect(await again.feedbackCount()).toBe(1);
    await again.close();
  });

  it('every printed command survives a POSIX shell as the same arguments (URLs with & are quoted)', async () => {
    const data = mkdtempSync(join(tmpdir(), 'kindred-demo-serve-'));
    dirs.push(data);
    const { demo, out } = await runDemo(data);
    await demo.close();
    const url = /demo on (\S+)/.exec(out)![1];
    const commands = out.split('\n').filter((l) => l.trim().startsWith('curl '));
    expect(commands).toHaveLength(4);
    // The shell splits each line into words; printf shows them one per line instead of running curl.
    const words = (line: string) =>
      spawnSync('sh', ['-c', line.trim().replace(/^curl /, "printf '%s\\n' ")], { encoding: 'utf8' }).stdout.split(
        '\n',
      );
    expect(words(commands[2])).toEqual([`${url}/api/popular?n=5&category=Comedy`, '']);
    expect(words(commands[3])).toEqual([
      '-X',
      'POST',
      `${url}/api/feedback`,
      '-H',
      'content-type: application/json',
      '-d',
      '[{"userId":"u1","itemId":"i7","type":"like"}]',
      '',
    ]);
    for (const c of commands) expect(words(c)[0].startsWith(url) || words(c)[0] === '-X').toBe(true);
  });
});
