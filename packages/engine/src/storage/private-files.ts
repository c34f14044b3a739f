// Modes of the data directory and its files: the store holds user histories and API-visible data, so only the
// owner may read it, whatever the process's umask.
import { chmodSync, closeSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';

/** Mode of the data directory the engine creates. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of every file the engine creates in it (SQLite gives -wal and -shm the database file's mode). */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `dir` (and missing parents) with mode 0700. `mkdir`'s mode is filtered by the umask, so the directory
 * is chmod-ed after creation; an existing directory keeps the mode its owner gave it.
 *
 * @example
 * ensurePrivateDir('./kindred-data'); // drwx------
 */
export function ensurePrivateDir(dir: string): void {
  const created = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (created !== undefined) chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Creates an empty file with mode 0600 if `path` does not exist (O_EXCL: an existing file is never opened, so no
 * file descriptor of it is opened and closed here — closing one would drop this process's POSIX locks on it, which
 * SQLite relies on). An existing file is left as it is.
 *
 * @example
 * ensurePrivateFile('./kindred-data/kindred.db'); // before SQLite opens it: -rw-------
 */
export function ensurePrivateFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', PRIVATE_FILE_MODE);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw e;
  }
  closeSync(fd);
  chmodSync(path, PRIVATE_FILE_MODE);
}

/**
 * Writes `text` to `path` atomically (a temporary file renamed over it) with mode 0600: a reader sees the old file
 * or the new one, never half of one.
 *
 * @example
 * writePrivateFile('./kindred-data/kindred.lock.json', '{"pid":1}');
 */
export function writePrivateFile(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: PRIVATE_FILE_MODE });
  chmodSync(tmp, PRIVATE_FILE_MODE);
  renameSync(tmp, path);
}
