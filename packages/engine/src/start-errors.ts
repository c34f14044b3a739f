/**
 * Codes of the errors that stop an engine from starting (no HTTP status: nothing listens yet). `kindred serve` prints
 * the message on one line and exits with `exit`. docs/errors.md lists them; a test keeps it in sync.
 *
 * @example
 * START_ERROR_CODES.DATA_DIR_LOCKED.exit; // 1
 */
export const START_ERROR_CODES = {
  INVALID_CONFIG: {
    exit: 2,
    summary: 'A configuration value is invalid (the message names the field and, for training, the valid names).',
  },
  DATA_DIR_LOCKED: {
    exit: 1,
    summary: "Another engine holds the data directory's lock (the message names the directory and the holder's pid).",
  },
} as const;

export type StartErrorCode = keyof typeof START_ERROR_CODES;
