import { closeSync, openSync, readSync } from 'node:fs';
import { extname } from 'node:path';
import type { RatingsFormatName, TableFormat } from 'kindred';
import { UsageError } from './usage-error.js';

const ROLE_NAMES: Record<string, string[]> = {
  user: ['user', 'userid', 'user_id', 'visitor', 'visitorid', 'customer', 'customer_id'],
  item: ['item', 'itemid', 'item_id', 'movieid', 'movie_id', 'product', 'product_id', 'sku'],
  value: ['rating', 'value', 'score', 'weight', 'count'],
  timestamp: ['timestamp', 'time', 'ts', 'date', 'datetime', 'created_at'],
};

/**
 * Format of a ratings file by its extension (.csv, .tsv, .jsonl/.ndjson); columns from `--columns`, else guessed from
 * the header's names.
 *
 * @example
 * fileFormat('events.csv', 'user=visitor,item=sku'); // {kind: 'csv', header: true, columns: {user: 'visitor', ...}}
 */
export function fileFormat(path: string, columns: string | undefined): TableFormat {
  const ext = extname(path).toLowerCase();
  const kind = ext === '.jsonl' || ext === '.ndjson' ? 'jsonl' : ext === '.tsv' ? 'tsv' : 'csv';
  const mapping: Record<string, string> = {};
  if (columns) {
    for (const part of columns.split(',')) {
      const [k, v] = part.split('=');
      if (!(k in ROLE_NAMES) || !v)
        throw new UsageError(`--columns expects user=COL,item=COL[,value=COL][,timestamp=COL], got "${part}"`);
      mapping[k] = v;
    }
  } else {
    const names = headerNames(path, kind);
    for (const [role, candidates] of Object.entries(ROLE_NAMES)) {
      const found = names.find((n) => candidates.includes(n.toLowerCase()));
      if (found !== undefined) mapping[role] = found;
    }
  }
  if (!mapping.user || !mapping.item)
    throw new UsageError(
      `${path}: cannot tell which columns hold users and items; pass --columns user=COL,item=COL[,value=COL][,timestamp=COL]`,
    );
  return { kind, header: kind !== 'jsonl', columns: mapping as unknown as TableFormat['columns'] };
}

/**
 * Format of one file of a user-made split: MovieLens `u.data` rows (`user<TAB>item<TAB>rating<TAB>timestamp`, no
 * header, as in `u1.base`/`u1.test`) unless the file is a .csv/.jsonl/.ndjson, or a .tsv whose first line is a
 * header; those go through `fileFormat`.
 *
 * @example
 * splitFileFormat('u1.base', undefined);   // 'ml-100k'
 * splitFileFormat('train.csv', undefined); // {kind: 'csv', header: true, columns: {user: 'userId', ...}}
 */
export function splitFileFormat(path: string, columns: string | undefined): RatingsFormatName | TableFormat {
  const ext = extname(path).toLowerCase();
  if (['.csv', '.jsonl', '.ndjson'].includes(ext)) return fileFormat(path, columns);
  if (ext === '.tsv' && (columns || !headerNames(path, 'tsv').every((n) => n === '' || Number.isFinite(Number(n)))))
    return fileFormat(path, columns);
  return 'ml-100k';
}

/** The column names of a file's first line (CSV/TSV header, or the keys of the first JSON object). */
function headerNames(path: string, kind: 'csv' | 'tsv' | 'jsonl'): string[] {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(65536);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const first = buf.toString('utf8', 0, n).split(/\r?\n/)[0] ?? '';
    if (kind === 'jsonl') {
      try {
        return Object.keys(JSON.parse(first));
      } catch {
        return [];
      }
    }
    return first.split(kind === 'tsv' ? '\t' : ',').map((c) => c.trim().replace(/^"|"$/g, ''));
  } finally {
    closeSync(fd);
  }
}
