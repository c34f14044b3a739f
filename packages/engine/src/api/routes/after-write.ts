import type { FastifyRequest } from 'fastify';

/**
 * Runs a post-commit notification (serving cache invalidation, training event count). The write is already
 * committed when these run, so a failing hook must not turn the answer into a 5xx: a client would retry and store the
 * rows twice. The failure is logged instead; the next reload or retrain catches up from the store.
 *
 * @example
 * afterWrite(req, 'serving.onFeedback', () => engine.serving.onFeedback(rows));
 */
export function afterWrite(req: FastifyRequest, what: string, fn: () => unknown): void {
  try {
    const r = fn();
    if (r && typeof (r as Promise<unknown>).then === 'function')
      (r as Promise<unknown>).catch((err: unknown) => req.log.error({ err }, `${what} failed after a committed write`));
  } catch (err) {
    req.log.error({ err }, `${what} failed after a committed write`);
  }
}
