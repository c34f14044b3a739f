import { existsSync } from 'node:fs';
import { IdMap, type Interactions } from 'kindred';
import { readRatingsFile } from 'kindred/node';
import { splitFileFormat } from './ratings-format.js';
import { UsageError } from './usage-error.js';

/** The files of a user-made split (`--train FILE --test FILE [--validation FILE]`). */
export interface SplitFilePaths {
  train: string;
  test: string;
  validation?: string;
}

/** A user-made split read with shared id maps. */
export interface SplitFilesData {
  train: Interactions;
  test: Interactions;
  validation?: Interactions;
}

/**
 * Reads a user-made split: each file in MovieLens `u.data` format or CSV/TSV/JSONL with a header (see
 * `splitFileFormat`). The test and validation files are read through the train file's id maps (read after it, so a
 * user or item the train file has gets the same index; one it lacks gets a new index past the train set's, which a
 * model fitted on train treats as cold, as with MovieLens's own `u1.base`/`u1.test`).
 *
 * @example
 * const { train, test } = await readSplitFiles({ train: 'u1.base', test: 'u1.test' });
 * train.userIds === test.userIds; // true
 */
export async function readSplitFiles(
  paths: SplitFilePaths,
  opts: { columns?: string; skipBad?: boolean } = {},
): Promise<SplitFilesData> {
  for (const [flag, path] of Object.entries(paths))
    if (path !== undefined && !existsSync(path)) throw new UsageError(`--${flag} ${path}: no such file`);
  const userIds = new IdMap(),
    itemIds = new IdMap();
  const read = async (path: string): Promise<Interactions> => {
    const res = await readRatingsFile(path, splitFileFormat(path, opts.columns), {
      skipBad: opts.skipBad,
      userIds,
      itemIds,
    });
    if (res.skipped > 0) process.stderr.write(`kindred: skipped ${res.skipped} malformed lines of ${path}\n`);
    return res.data;
  };
  // Sequential on purpose: the train file must claim the first indices of the shared id maps.
  const train = await read(paths.train);
  const test = await read(paths.test);
  const validation = paths.validation !== undefined ? await read(paths.validation) : undefined;
  return { train, test, validation };
}
