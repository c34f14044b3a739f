import { createServer, type IncomingMessage } from 'node:http';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildServer,
  Engine,
  SqliteStorage,
  validateConfig,
  type FeedbackRecord,
  type ItemRecord,
  type Storage,
} from '@kindred/engine';
import { main } from '../main.js';
import { importFiles } from './import.js';

const ADMIN = 'admin-key-0001';
const WRITE = 'write-key-0001';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kindred-import-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An engine over an in-memory store, listening on a free loopback port. */
async function engineAt(): Promise<{ url: string; store: Storage }> {
  const store = SqliteStorage.open(':memory:');
  const config = validateConfig({
    dataDir: tempDir(),
    server: { logLevel: 'silent' },
    auth: { adminKey: ADMIN, writeKey: WRITE },
  });
  const engine = await Engine.open(config, store);
  const app = await buildServer(engine, { logger: false });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  cleanups.push(async () => {
    await app.close();
    await engine.close();
  });
  return { url, store };
}

async function run(argv: string[], env: Record<string, string> = {}) {
  const stdout = new PassThrough(),
    stderr = new PassThrough();
  let out = '',
    err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const code = await main(argv, { stdout, stderr });
    return { code, out, err };
  } finally {
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
  }
}

async function everything(store: Storage) {
  const items: ItemRecord[] = [];
  for (let c: string | null = null, first = true; first || c !== null; first = false) {
    const page = await store.listItems(c, 1000);
    items.push(...page.items);
    c = page.next;
  }
  const users = [];
  for (let c: string | null = null, first = true; first || c !== null; first = false) {
    const page = await store.listUsers(c, 1000);
    users.push(...page.items);
    c = page.next;
  }
  const feedback = await store.scanFeedback(0, 1_000_000);
  return {
    items: items.map(({ updatedAt: _u, ...rest }) => rest),
    users: users.map(({ updatedAt: _u, ...rest }) => rest),
    feedback: feedback.map(({ seq: _s, ...rest }) => rest),
  };
}

describe('kindred export / kindred import', () => {
  it('round trip: export from one engine, import into a fresh one, same items, users and feedback', async () => {
    const a = await engineAt();
    const b = await engineAt();
    const items: ItemRecord[] = Array.from({ length: 1_200 }, (_, k) => ({
      id: `item ${k}`,
      categories: k % 2 ? ['comedy'] : ['drama', 'new'],
      labels: { title: `Title "${k}"\n2nd line`, lang: k % 3 ? 'en' : 'fr' },
      timestamp: 1_600_000_000_000 + k,
      hidden: k % 17 === 0,
      updatedAt: 0,
      ...(k % 5 === 0 ? { text: `text of ${k}, with a comma` } : {}),
    }));
    await a.store.upsertItems(items);
    await a.store.upsertUsers([{ id: 'labelled', labels: { country: 'NZ' }, updatedAt: 0 }]);
    const rows: FeedbackRecord[] = Array.from({ length: 12_000 }, (_, k) => ({
      userId: k % 400 === 0 ? 'labelled' : `u${k % 397}`,
      itemId: `item ${(k * 7) % items.length}`,
      type: k % 3 === 0 ? 'rating' : 'click',
      value: k % 3 === 0 ? (k % 11) / 2 : 1,
      timestamp: 1_700_000_000_000 + k * 1000,
      ...(k % 4 === 0 ? { eventId: `e${k}` } : {}),
    }));
    await a.store.insertFeedback(rows, { createUsers: true, createItems: false });
    const out = join(tempDir(), 'store.ndjson');
    const exp = await run(['export', '--url', a.url, '--out', out], { KINDRED_ADMIN_KEY: ADMIN });
    expect(exp.err).toMatch(/exported 13598 records/);
    expect(exp.code).toBe(0);
    expect(existsSync(`${out}.partial`)).toBe(false);
    const imp = await run(['import', '--url', b.url, '--key', WRITE, '--quiet', out]);
    expect(imp.err).toMatch(/imported 1200 items, 398 users, 12000 feedback rows/);
    expect(imp.code).toBe(0);
    const want = await everything(a.store);
    expect(want.feedback.filter((f) => f.eventId !== undefined)).toHaveLength(3000);
    expect(await everything(b.store)).toEqual(want);
    // Importing the same file again stores no feedback row with an eventId twice.
    expect((await run(['import', '--url', b.url, '--key', WRITE, '--quiet', out])).code).toBe(0);
    expect(await b.store.feedbackCount()).toBe(12_000 + 9_000);
  });

  it('export to stdout; a bad key is a one-line error', async () => {
    const a = await engineAt();
    await a.store.insertFeedback([{ userId: 'u', itemId: 'i', type: 'click', value: 1, timestamp: 5 }], {
      createUsers: true,
      createItems: true,
    });
    const ok = await run(['export', '--url', a.url, '--key', ADMIN]);
    expect(
      ok.out
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { kind: string }).kind),
    ).toEqual(['item', 'user', 'feedback']);
    const bad = await run(['export', '--url', a.url, '--key', WRITE]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^kindred: .*admin key.*--key/);
  });

  it('CSV import: rows go to the engine; a bad line stops it with file:line, whoever finds it', async () => {
    const b = await engineAt();
    const dir = tempDir();
    const good = join(dir, 'events.csv');
    writeFileSync(
      good,
      '\uFEFFuserId,itemId,type,value,timestamp,eventId\r\n' +
        'u1,i1,click,,2024-05-01T00:00:00Z,\r\n' +
        '"u,2","i,2",rating,4.5,1714521600000,e-1\r\n' +
        'u3,i1,like,,,\r\n',
    );
    await b.store.upsertItems(
      ['i1', 'i,2'].map((id) => ({ id, categories: [], labels: {}, timestamp: 0, hidden: false, updatedAt: 0 })),
    );
    const ok = await run(['import', '--url', b.url, '--quiet', good], { KINDRED_WRITE_KEY: WRITE });
    expect(ok.err).toMatch(/imported 0 items, 0 users, 3 feedback rows/);
    expect((await b.store.scanFeedback(0, 10)).map((f) => [f.userId, f.itemId, f.type, f.value, f.timestamp])).toEqual([
      ['u1', 'i1', 'click', 1, 1714521600000],
      ['u,2', 'i,2', 'rating', 4.5, 1714521600000],
      ['u3', 'i1', 'like', 1, expect.any(Number)],
    ]);

    // Found here: the value on line 4 (line 3 is a record that spans two lines).
    const local = join(dir, 'local.csv');
    writeFileSync(local, 'userId,itemId,type,value\nu1,i1,click,1\n"u\n2",i1,click,1\nu3,i1,rating,abc\n');
    const r1 = await run(['import', '--url', b.url, '--key', WRITE, '--quiet', local]);
    expect(r1.code).toBe(2);
    expect(r1.err).toBe(`kindred: ${local}:5: value "abc" is not a finite number\n`);

    // Found by the engine: an unknown feedback type on line 3 of a TSV.
    const remote = join(dir, 'remote.tsv');
    writeFileSync(remote, 'userId\titemId\ttype\nu1\ti1\tclick\nu1\ti1\tnope\n');
    const r2 = await run(['import', '--url', b.url, '--key', WRITE, '--quiet', remote]);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(new RegExp(`^kindred: ${remote}:3: type "nope" is not a configured feedback type`));

    // A header naming an unknown column.
    const header = join(dir, 'header.csv');
    writeFileSync(header, 'user,itemId,type\n');
    expect((await run(['import', '--url', b.url, '--key', WRITE, header])).err).toMatch(
      /header\.csv:1: unknown column "user"/,
    );
  });

  it('an export cut short fails and leaves no file behind', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write('{"kind":"item","id":"i1"}\n');
      // The engine dies midway: the chunked answer never gets its last chunk.
      setImmediate(() => res.socket?.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    const out = join(tempDir(), 'cut.ndjson');
    const r = await run(['export', '--url', `http://127.0.0.1:${port}`, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^kindred: the export from .* was cut short after 1 lines/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it('sends at most 10,000 rows per request and retries a failed batch with backoff', async () => {
    // A stand-in engine that fails the first attempt at each batch with a 503.
    const bodies: unknown[][] = [];
    let attempts = 0;
    const server = createServer(async (req: IncomingMessage, res) => {
      let text = '';
      for await (const chunk of req) text += chunk;
      attempts++;
      res.setHeader('content-type', 'application/json');
      if (attempts % 2 === 1) {
        res.statusCode = 503;
        res.end(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'busy' } }));
        return;
      }
      const body = JSON.parse(text) as unknown[];
      bodies.push(body);
      res.end(JSON.stringify({ accepted: body.length, duplicates: 0 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const file = join(tempDir(), 'big.tsv');
    const lines = ['userId\titemId\ttype\teventId'];
    for (let k = 0; k < 25_000; k++) lines.push(`u${k % 100}\ti${k % 70}\tclick\tev${k}`);
    writeFileSync(file, lines.join('\n'));
    const { port } = server.address() as AddressInfo;
    const stderr = new PassThrough();
    const counts = await importFiles(
      [file],
      { url: `http://127.0.0.1:${port}`, retryDelayMs: 1, quiet: true },
      { stdout: new PassThrough(), stderr },
    );
    expect(counts.feedback).toBe(25_000);
    expect(bodies.map((b) => b.length)).toEqual([10_000, 10_000, 5_000]);
    expect(attempts).toBe(6);
    expect(bodies[2][4999]).toEqual({ userId: 'u99', itemId: 'i9', type: 'click', eventId: 'ev24999' });
  });
});
