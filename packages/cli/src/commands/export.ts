import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Command } from 'commander';
import type { Io } from '../output.js';
import { RunError } from '../run-error.js';
import { EngineClient } from './engine-client.js';

export interface ExportOptions {
  url: string;
  key?: string;
  /** File to write; stdout when absent. */
  out?: string;
}

/**
 * Streams a running engine's `GET /api/admin/export` (NDJSON: items, users, feedback) to `opts.out` or stdout, with
 * the destination's backpressure (memory holds one chunk). A file is written as `FILE.partial` and renamed when the
 * whole answer has arrived, so a FILE that exists is complete: an export cut short (the engine stopped, the
 * connection dropped) fails and leaves no FILE.
 *
 * @example
 * const { lines } = await exportStore({ url: 'http://127.0.0.1:8080', key: 'admin-key', out: 'kindred.ndjson' }, io);
 */
export async function exportStore(opts: ExportOptions, io: Io): Promise<{ lines: number; bytes: number }> {
  const client = new EngineClient(opts.url, opts.key, { retries: 2 });
  const res = await client.stream('/api/admin/export');
  if (!res.body) throw new RunError(`${opts.url}/api/admin/export answered without a body`);
  const partial = opts.out === undefined ? null : `${opts.out}.partial`;
  const file = partial === null ? null : createWriteStream(partial);
  // A write error (disk full) is recorded and fails the loop; `once(dest, 'drain')` rejects on it too.
  let writeError: Error | null = null;
  file?.on('error', (e) => (writeError ??= e));
  const dest: NodeJS.WritableStream = file ?? io.stdout;
  let lines = 0;
  let bytes = 0;
  try {
    for await (const chunk of Readable.fromWeb(res.body as WebReadableStream<Uint8Array>)) {
      if (writeError) throw writeError;
      const buf = chunk as Buffer;
      bytes += buf.length;
      for (let k = buf.indexOf(10); k >= 0; k = buf.indexOf(10, k + 1)) lines++;
      if (!dest.write(buf)) await once(dest, 'drain');
    }
    if (file && partial !== null && opts.out !== undefined) {
      file.end();
      await once(file, 'finish');
      renameSync(partial, opts.out);
    }
  } catch (e) {
    // Before the clean-up: destroying the file fails its pending writes, which the error handler would record.
    const what = writeError ? `cannot write ${opts.out}` : `the export from ${opts.url} was cut short`;
    if (file && partial !== null) {
      file.destroy();
      await once(file, 'close').catch(() => undefined);
      rmSync(partial, { force: true });
    }
    throw new RunError(`${what} after ${lines} lines: ${(e as Error).message}`);
  }
  return { lines, bytes };
}

interface ExportFlags {
  url: string;
  key?: string;
  out?: string;
}

export function registerExportCommand(program: Command, io: Io, env: NodeJS.ProcessEnv = process.env): void {
  program
    .command('export')
    .description("write a running engine's items, users and feedback as NDJSON (what kindred import reads)")
    .requiredOption('--url <url>', 'the engine, e.g. http://127.0.0.1:8080')
    .option('--key <key>', 'admin API key (default: KINDRED_ADMIN_KEY)')
    .option('--out <file>', 'write to FILE (complete or not at all) instead of stdout')
    .action(async (flags: ExportFlags) => {
      const { lines, bytes } = await exportStore(
        { url: flags.url, key: flags.key ?? env.KINDRED_ADMIN_KEY, out: flags.out },
        io,
      );
      io.stderr.write(`exported ${lines} records (${bytes} bytes) to ${flags.out ?? 'stdout'}\n`);
    });
}
