import { encodeCursor } from '../storage/errors.js';
import type { Page } from '../storage/port.js';
import { ApiError } from './errors.js';

/**
 * Most bytes one stored item or user may take, serialized (labels + categories + text as JSON). Each field has its own
 * bound, but together they allow over a megabyte (256 labels of 4 KiB values); the record bound keeps every list page,
 * cache entry and training catalogue proportional to the row count.
 */
export const MAX_RECORD_BYTES = 256 * 1024;

/** Most bytes of records one list page (`GET /api/items`, `GET /api/users`) carries before it stops early. */
export const PAGE_BYTE_BUDGET = 4 * 1024 * 1024;

/** The fields of a record whose size is bounded. */
export interface SizedFields {
  labels?: Record<string, string>;
  categories?: string[];
  text?: string | null;
}

/**
 * The serialized size of a record's free-form fields in UTF-8 bytes.
 *
 * @example
 * recordBytes({ labels: { lang: 'en' }, categories: ['drama'] }); // 57
 */
export function recordBytes(r: SizedFields): number {
  return Buffer.byteLength(
    JSON.stringify({ labels: r.labels ?? {}, categories: r.categories ?? [], text: r.text ?? '' }),
    'utf8',
  );
}

/**
 * The record's size in UTF-16 units of its strings plus a few bytes per entry for JSON punctuation: no allocation,
 * so it runs per row of a 10,000-row batch and per record of a list page. Within a factor of 6 of
 * {@link recordBytes} (a unit is at most 3 UTF-8 bytes, or 6 as a JSON escape).
 *
 * @example
 * recordUnits({ labels: { lang: 'en' } }); // 44
 */
export function recordUnits(r: SizedFields): number {
  let n = 32 + (r.text?.length ?? 0);
  if (r.labels) for (const k in r.labels) n += k.length + r.labels[k].length + 6;
  if (r.categories) for (const c of r.categories) n += c.length + 3;
  return n;
}

/**
 * Throws a 400 naming the record (`body.3`) when its fields exceed {@link MAX_RECORD_BYTES}.
 *
 * @example
 * checkRecordSize({ labels: hugeLabels }, 'body.3', 'item'); // ApiError VALIDATION "body.3 is an item of 300000 bytes…"
 */
export function checkRecordSize(r: SizedFields, path: string, kind: 'item' | 'user'): void {
  // Serializing every row of a batch would cost as much as parsing it again; only rows near the bound need it.
  if (recordUnits(r) * 6 <= MAX_RECORD_BYTES) return;
  const bytes = recordBytes(r);
  if (bytes > MAX_RECORD_BYTES)
    throw new ApiError(
      'VALIDATION',
      `${path} is ${kind === 'item' ? 'an item' : 'a user'} of ${bytes} bytes (labels, categories and text as JSON); ` +
        `the most a record may take is ${MAX_RECORD_BYTES} bytes`,
      path,
    );
}

/**
 * Cuts a page short once its records pass `budget` (always keeping the first), with a cursor after the last record
 * kept, so no response grows with the page size times the largest record. Counted in {@link recordUnits} (UTF-16
 * units, as bytes for ASCII): the budget is a bound on the page's size, not an exact byte count.
 *
 * @example
 * budgetPage(await store.listItems(null, 1000)); // { items: [...the first ~4 MiB], next: 'cursor…' }
 */
export function budgetPage<T extends { id: string } & SizedFields>(page: Page<T>, budget = PAGE_BYTE_BUDGET): Page<T> {
  let used = 0;
  for (let i = 0; i < page.items.length; i++) {
    used += recordUnits(page.items[i]) + page.items[i].id.length;
    if (used > budget && i > 0) {
      const items = page.items.slice(0, i);
      return { items, next: encodeCursor(items[i - 1].id) };
    }
  }
  return page;
}
