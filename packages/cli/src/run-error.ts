/**
 * A failure while running that is not a bug and needs no stack trace (e.g. the data directory is in use by another
 * engine); printed as one line with exit code 1.
 *
 * @example
 * throw new RunError('data directory ./kindred-data is in use by another kindred engine (pid 123 ...)');
 */
export class RunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunError';
  }
}
