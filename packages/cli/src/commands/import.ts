import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { readLineBatches } from 'kindred/node';
import { Progress, type Io } from '../output.js';
import { RunError } from '../run-error.js';
import { UsageError } from '../usage-error.js';
import { EngineAnswerError, EngineClient } from './engine-client.js';
import { rowError, rowReaderFor, type ImportRow, type RecordKind } from './import-rows.js';

/** Most rows one write request may carry (the engine's batch limit). */
export const MAX_IMPORT_BATCH = 10_000;
/** Bytes of JSON per request at most, well under the engine's default body limit of 10 MiB. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
const ROUTES: Record<RecordKind, string> = { item: '/api/items', user: '/api/users', feedback: '/api/feedback' };

export interface ImportOptions {
  url: string;
  key?: string;
  /** Rows per request, 1..10,000 (default 10,000). */
  batch?: number;
  retries?: number;
  retryDelayMs?: number;
  quiet?: boolean;
}

export interface ImportCounts {
  item: number;
  user: number;
  feedback: number;
  /** Feedback rows the engine skipped because their eventId was already stored. */
  duplicates: number;
}

/**
 * Sends the rows of `files` (the export format, CSV or TSV; see {@link rowReaderFor}) to a running engine through
 * its write routes, in file order, in batches of at most `batch` rows of one kind (a change of kind sends the batch
 * so far, so items and users go before the feedback that follows them in an export). Files are read as they are
 * sent, one chunk at a time. A bad row, whether this command or the engine finds it, stops the import with an error
 * naming `file:line`; the batches before it are stored. A batch that fails for a retryable reason is sent again with
 * backoff (see {@link EngineClient}).
 *
 * @example
 * const counts = await importFiles(['kindred.ndjson'], { url: 'http://127.0.0.1:8080', key: 'write-key' }, io);
 * counts.feedback; // rows sent to POST /api/feedback
 */
export async function importFiles(files: string[], opts: ImportOptions, io: Io): Promise<ImportCounts> {
  const batchRows = opts.batch ?? MAX_IMPORT_BATCH;
  if (!Number.isInteger(batchRows) || batchRows < 1 || batchRows > MAX_IMPORT_BATCH)
    throw new UsageError(`--batch must be an integer from 1 to ${MAX_IMPORT_BATCH}, got ${opts.batch}`);
  if (files.length === 0) throw new UsageError('name at least one file to import');
  // Every file is checked before anything is sent: a typo in the last name must not leave half an import behind.
  let totalBytes = 0;
  for (const f of files) {
    rowReaderFor(f);
    try {
      totalBytes += statSync(f).size;
    } catch {
      throw new UsageError(`${f}: no such file`);
    }
  }
  const progress = new Progress(io, opts.quiet ?? false);
  const client = new EngineClient(opts.url, opts.key, {
    retries: opts.retries,
    retryDelayMs: opts.retryDelayMs,
    onRetry: (attempt, reason) => progress.update(bytesDone, `retry ${attempt}: ${reason}`),
  });
  const counts: ImportCounts = { item: 0, user: 0, feedback: 0, duplicates: 0 };
  let bytesDone = 0;
  progress.start(totalBytes, 'importing');
  try {
    for (const file of files) {
      const reader = rowReaderFor(file);
      let pending: ImportRow[] = [];
      let pendingBytes = 0;
      const flush = async () => {
        if (pending.length === 0) return;
        const rows = pending;
        pending = [];
        pendingBytes = 0;
        await sendBatch(client, file, rows, counts);
        progress.update(bytesDone, `${counts.item + counts.user + counts.feedback} rows sent`);
      };
      let lineNo = 0;
      for await (const lines of readLineBatches(file)) {
        for (const line of lines) {
          lineNo++;
          bytesDone += Buffer.byteLength(line) + 1;
          const row = reader.push(line, lineNo);
          if (row === null) continue;
          const size = JSON.stringify(row.body).length + 1;
          const full = pending.length >= batchRows || pendingBytes + size > MAX_BATCH_BYTES;
          if (pending.length > 0 && (pending[0].kind !== row.kind || full)) await flush();
          pending.push(row);
          pendingBytes += size;
        }
      }
      reader.finish();
      await flush();
    }
  } finally {
    progress.stop();
  }
  return counts;
}

/** Sends one batch of one kind; an answer naming a row (`body.37.value`) becomes an error naming its file and line. */
async function sendBatch(client: EngineClient, file: string, rows: ImportRow[], counts: ImportCounts) {
  const kind = rows[0].kind;
  let answer: { accepted?: number; duplicates?: number };
  try {
    answer = (await client.post(
      ROUTES[kind],
      rows.map((r) => r.body),
    )) as typeof answer;
  } catch (e) {
    if (!(e instanceof EngineAnswerError)) throw e;
    const at = /^body\.(\d+)(?:\.|$)/.exec(e.path ?? '');
    const row = at ? rows[Number(at[1])] : undefined;
    if (row)
      throw rowError(file, row.line, e.message.replaceAll(`body.${at![1]}.`, '').replaceAll(`body.${at![1]}`, 'row'));
    const where = `${file}:${rows[0].line}-${rows[rows.length - 1].line}`;
    if (e.status >= 400 && e.status < 500) throw new UsageError(`${where}: the engine refused the batch: ${e.message}`);
    throw new RunError(`${where}: ${e.message}`);
  }
  counts[kind] += rows.length;
  counts.duplicates += answer.duplicates ?? 0;
}

interface ImportFlags {
  url: string;
  key?: string;
  batch: string;
  retries: string;
  quiet?: boolean;
}

export function registerImportCommand(program: Command, io: Io, env: NodeJS.ProcessEnv = process.env): void {
  program
    .command('import')
    .description('send items, users and feedback from files (kindred export NDJSON, CSV, TSV) to a running engine')
    .argument('<files...>', '.ndjson/.jsonl (the export format), or .csv/.tsv feedback with a header row')
    .requiredOption('--url <url>', 'the engine, e.g. http://127.0.0.1:8080')
    .option('--key <key>', 'API key with write access (default: KINDRED_WRITE_KEY, else KINDRED_ADMIN_KEY)')
    .option('--batch <rows>', `rows per request, at most ${MAX_IMPORT_BATCH}`, String(MAX_IMPORT_BATCH))
    .option('--retries <n>', 'retries of a failed batch, with exponential backoff', '5')
    .option('--quiet', 'no progress bar')
    .addHelpText(
      'after',
      '\nCSV/TSV columns (header row, any order): userId,itemId,type[,value][,timestamp][,eventId]; timestamps are\n' +
        'ISO-8601 or epoch milliseconds. Rows with an eventId are stored once even when a batch is retried.',
    )
    .action(async (files: string[], flags: ImportFlags) => {
      const retries = Number(flags.retries);
      if (!Number.isInteger(retries) || retries < 0) throw new UsageError(`--retries must be an integer ≥ 0`);
      const counts = await importFiles(
        files,
        {
          url: flags.url,
          key: flags.key ?? env.KINDRED_WRITE_KEY ?? env.KINDRED_ADMIN_KEY,
          batch: Number(flags.batch),
          retries,
          quiet: flags.quiet,
        },
        io,
      );
      const dup = counts.duplicates > 0 ? ` (${counts.duplicates} already stored, skipped)` : '';
      io.stderr.write(
        `imported ${counts.item} items, ${counts.user} users, ${counts.feedback} feedback rows${dup} into ${flags.url}\n`,
      );
    });
}
