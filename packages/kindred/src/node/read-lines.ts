import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { DataNotFoundError } from '../errors.js';

/** Text encodings the readers accept: MovieLens 100K/1M metadata files are latin-1, everything newer UTF-8. */
export type TextEncoding = 'utf8' | 'latin1';

/**
 * Calls `onLine` for every line of a file, in order, without the line break. Reads in 1 MiB chunks and splits them
 * itself: measured faster than `readline` (which emits an event per line), and memory stays at one chunk plus the
 * current line, whatever the file size. A missing file throws `DataNotFoundError`.
 *
 * @example
 * let n = 0;
 * await forEachLine('u.data', () => n++);
 */
export async function forEachLine(
  path: string,
  onLine: (line: string) => void,
  opts: { encoding?: TextEncoding; chunkSize?: number } = {},
): Promise<void> {
  const decoder = new StringDecoder(opts.encoding ?? 'utf8');
  const stream = createReadStream(path, { highWaterMark: opts.chunkSize ?? 1 << 20 });
  let rest = '';
  try {
    for await (const chunk of stream) {
      rest = splitLines(rest + decoder.write(chunk as Buffer), onLine);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR')
      throw new DataNotFoundError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code}`, { path });
    throw e;
  }
  rest += decoder.end();
  if (rest.length > 0) onLine(rest);
}

/**
 * The lines of a file, in order and without their line breaks, as an async iterable of batches (the lines of about
 * one chunk each). Unlike {@link forEachLine} it is pull-based: the next chunk is read only when the consumer asks for
 * the next batch, so a consumer that awaits slow work per batch (sending it over the network) holds one chunk in
 * memory, whatever the file size. A missing file throws `DataNotFoundError`.
 *
 * @example
 * for await (const lines of readLineBatches('events.csv')) await send(lines);
 */
export async function* readLineBatches(
  path: string,
  opts: { encoding?: TextEncoding; chunkSize?: number } = {},
): AsyncGenerator<string[]> {
  const decoder = new StringDecoder(opts.encoding ?? 'utf8');
  const stream = createReadStream(path, { highWaterMark: opts.chunkSize ?? 1 << 20 });
  let rest = '';
  try {
    for await (const chunk of stream) {
      const batch: string[] = [];
      rest = splitLines(rest + decoder.write(chunk as Buffer), (l) => batch.push(l));
      if (batch.length > 0) yield batch;
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR')
      throw new DataNotFoundError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code}`, { path });
    throw e;
  } finally {
    stream.destroy();
  }
  rest += decoder.end();
  if (rest.length > 0) yield [rest];
}

/** Emits the complete lines of `text` and returns the unfinished tail. */
function splitLines(text: string, onLine: (line: string) => void): string {
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return start === 0 ? text : text.slice(start);
    onLine(text.slice(start, nl));
    start = nl + 1;
  }
}
