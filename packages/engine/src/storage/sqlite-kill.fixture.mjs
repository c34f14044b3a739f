// Child process of the kill -9 test in sqlite.test.ts: opens the real SqliteStorage (from the built dist) and inserts
// feedback batches until it is killed, printing "ack <seq>" only after each batch's commit has returned.
// Row number k (0-based, seq k + 1) has value k, user u(k % 97) and item i(k % 89), so the parent can check contents.
import { SqliteStorage } from '../../dist/storage/sqlite.js';

const [, , path, synchronous = 'full'] = process.argv;
const store = SqliteStorage.open(path, { synchronous });
let k = 0;
for (;;) {
  const rows = [];
  for (let j = 0; j < 100; j++, k++)
    rows.push({
      userId: `u${k % 97}`,
      itemId: `i${k % 89}`,
      type: 'click',
      value: k,
      timestamp: 1_700_000_000_000 + k,
    });
  await store.insertFeedback(rows, { createUsers: true, createItems: true });
  // Pipes are synchronous on Linux: the line is in the parent's pipe before the next batch starts.
  process.stdout.write(`ack ${rows[rows.length - 1].seq}\n`);
}
