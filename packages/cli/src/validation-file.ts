import { existsSync } from 'node:fs';
import { Interactions } from 'kindred';
import { readRatingsFile } from 'kindred/node';
import { splitFileFormat } from './ratings-format.js';
import { UsageError } from './usage-error.js';

/**
 * Reads `kindred fit --validation FILE` onto the training data's id maps, for early stopping. Rows whose user or item
 * the training data lacks are left out (a model cannot rank them, and adding their ids to the shared maps would give
 * the saved model users and items it never trained on); `dropped` counts them.
 *
 * @example
 * const { validation, dropped } = await readValidationFile('val.csv', train, {});
 * model.fit(train, { validation });
 */
export async function readValidationFile(
  path: string,
  train: Interactions,
  opts: { columns?: string; skipBad?: boolean },
): Promise<{ validation: Interactions; dropped: number }> {
  if (!existsSync(path)) throw new UsageError(`--validation ${path}: no such file`);
  // Copies of the maps: known ids keep their training index, unknown ones land past it and are dropped below.
  const nUsers = train.nUsers,
    nItems = train.nItems;
  const res = await readRatingsFile(path, splitFileFormat(path, opts.columns), {
    skipBad: opts.skipBad,
    userIds: train.userIds.clone(),
    itemIds: train.itemIds.clone(),
  });
  if (res.skipped > 0) process.stderr.write(`kindred: skipped ${res.skipped} malformed lines of ${path}\n`);
  const read = res.data;
  const rows: number[] = [];
  for (let r = 0; r < read.length; r++) if (read.users[r] < nUsers && read.items[r] < nItems) rows.push(r);
  const pick = <T extends Int32Array | Float32Array | Float64Array>(a: T): T => {
    const out = new (a.constructor as new (n: number) => T)(rows.length);
    for (let k = 0; k < rows.length; k++) out[k] = a[rows[k]];
    return out;
  };
  const validation = new Interactions({
    users: pick(read.users),
    items: pick(read.items),
    values: pick(read.values),
    timestamps: read.timestamps ? pick(read.timestamps) : null,
    userIds: train.userIds,
    itemIds: train.itemIds,
  });
  return { validation, dropped: read.length - rows.length };
}
