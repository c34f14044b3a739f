// Child process of data-dir-lock.test.ts (bundled from sources by workerScriptUrl): takes the data directory's lock
// with the real DataDirLock, prints "locked <pid>", then waits to be killed (the test sends SIGKILL, so release()
// never runs: only the OS can drop the lock).
import { DataDirLock } from './data-dir-lock.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: data-dir-lock-holder <dir>');
DataDirLock.acquire(dir);
process.stdout.write(`locked ${process.pid}\n`);
setInterval(() => undefined, 60_000);
