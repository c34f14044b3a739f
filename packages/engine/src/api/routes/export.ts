import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { App } from '../../server.js';
import type { Engine } from '../../engine.js';
import type { Storage } from '../../storage/port.js';
import { itemOut, userOut } from './catalog.js';
import { feedbackOut } from './feedback.js';

/** Feedback rows per keyset read of the export (one read and its JSON take a few ms on the request thread). */
export const EXPORT_FEEDBACK_CHUNK = 5_000;
/**
 * Items or users per read: fewer than feedback rows because a record may carry up to 64 KiB of text and 256 labels,
 * so a chunk's memory and serialising time stay bounded by its count times the largest record.
 */
export const EXPORT_CATALOG_CHUNK = 500;

export interface ExportOptions {
  feedbackChunk?: number;
  catalogChunk?: number;
}

/**
 * The whole store as NDJSON text, one chunk of lines per keyset read: every item (id order), then every user (id
 * order), then every feedback row (seq order), each line the API's own record shape with a `kind` field ("item",
 * "user", "feedback"). Nothing is read before the consumer asks for the next chunk (the stream's backpressure), so
 * memory holds one chunk whatever the store's size; between chunks the generator waits for a turn of the event loop,
 * so requests are answered while an export runs.
 *
 * Writes during the export: feedback is exported up to the highest seq stored when the export starts (later rows
 * are left out); items and users are read page by page, so one created, changed or deleted meanwhile is exported as
 * it was when its page was read, or not at all. Every exported feedback row still names an exported item and user
 * (rows of a user or item deleted before their page was read are left out with it), so the file can be imported
 * into an engine whose auto-creation is off.
 *
 * @example
 * for await (const text of exportLines(engine.storage)) process.stdout.write(text);
 * // {"kind":"item","id":"i1",...}\n ... {"kind":"user","id":"u1",...}\n ... {"kind":"feedback","seq":1,...}\n
 */
export async function* exportLines(store: Storage, opts: ExportOptions = {}): AsyncGenerator<string> {
  const feedbackChunk = Math.max(1, Math.floor(opts.feedbackChunk ?? EXPORT_FEEDBACK_CHUNK));
  const catalogChunk = Math.max(1, Math.floor(opts.catalogChunk ?? EXPORT_CATALOG_CHUNK));
  const through = await store.lastSeq();
  let cursor: string | null = null;
  do {
    const page = await store.listItems(cursor, catalogChunk);
    const text = lines(page.items, (it) => ({ kind: 'item', ...itemOut(it) }));
    if (text) yield text;
    cursor = page.next;
    await nextTurn();
  } while (cursor !== null);
  do {
    const page = await store.listUsers(cursor, catalogChunk);
    const text = lines(page.items, (u) => ({ kind: 'user', ...userOut(u) }));
    if (text) yield text;
    cursor = page.next;
    await nextTurn();
  } while (cursor !== null);
  for (let after = 0; after < through;) {
    const rows = await store.scanFeedback(after, feedbackChunk);
    const kept = rows.filter((r) => (r.seq ?? 0) <= through);
    const text = lines(kept, (r) => ({ kind: 'feedback', ...feedbackOut(r) }));
    if (text) yield text;
    // A short read is the end of the log (rows of deleted items are filtered before the limit); past `through` too.
    if (rows.length < feedbackChunk || kept.length < rows.length) break;
    after = rows[rows.length - 1].seq ?? through;
    await nextTurn();
  }
}

/** One NDJSON line per record; '' for none (the caller skips it: an empty chunk is no data for a byte stream). */
function lines<T>(records: T[], shape: (r: T) => object): string {
  let text = '';
  for (const r of records) text += JSON.stringify(shape(r)) + '\n';
  return text;
}

/**
 * `GET /api/admin/export` (admin key): the whole store as `application/x-ndjson`, streamed (see
 * {@link exportLines}). A failure midway aborts the response before its end (the chunked encoding's last chunk is
 * missing), so a client can tell a truncated export from a whole one.
 *
 * @example
 * await app.register(async (scope) => exportRoutes(scope as App, engine));
 * // curl -H 'X-API-Key: …' http://127.0.0.1:8080/api/admin/export > kindred.ndjson
 */
export function exportRoutes(app: App, engine: Engine, opts: ExportOptions = {}): void {
  app.get(
    '/api/admin/export',
    {
      onRequest: engine.keys.require('admin'),
      schema: {
        tags: ['admin'],
        summary: 'Export every item, user and feedback row as NDJSON (streamed)',
        description:
          'One JSON object per line with a `kind` field ("item", "user", "feedback"): items, then users, then ' +
          'feedback in seq order, each in the shape the other routes answer. Feedback stored after the export ' +
          'starts is left out. `kindred import` reads this format.',
      },
    },
    async (req, reply) => {
      reply
        .type('application/x-ndjson; charset=utf-8')
        .header('content-disposition', 'attachment; filename="kindred-export.ndjson"');
      // Fastify answers HEAD with the GET handler and drains a stream body: that would read the whole store for nothing.
      if (req.method === 'HEAD') return reply.send();
      // Readable.from pulls the next chunk only when the response has room for it (backpressure).
      return reply.send(Readable.from(exportLines(engine.storage, opts), { objectMode: false }));
    },
  );
}
