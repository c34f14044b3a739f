import type { FastifyError, FastifyInstance } from 'fastify';
import { KindredError } from 'kindred';

/**
 * Engine-level error codes (beyond the library's catalogue in kindred's errors.ts). docs/errors.md lists both;
 * a test keeps it in sync.
 */
export const API_ERROR_CODES = {
  VALIDATION: { status: 400, summary: 'The request body, query or path does not match the route schema.' },
  INVALID_JSON: { status: 400, summary: 'The request body is not valid JSON.' },
  BODY_TOO_LARGE: { status: 413, summary: 'The request body exceeds server.bodyLimit.' },
  UNAUTHORIZED: { status: 401, summary: 'No or wrong X-API-Key for this route.' },
  FORBIDDEN: { status: 403, summary: 'The key is valid but its role may not use this route.' },
  NOT_FOUND: { status: 404, summary: 'No such user, item, model version or route.' },
  RATE_LIMITED: { status: 429, summary: 'Too many requests for this key in the current window.' },
  NOT_READY: { status: 503, summary: 'No model is loaded and no fallback can answer yet.' },
  INTERNAL: { status: 500, summary: 'An unexpected failure; the server log has the details.' },
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_CODES;

/** An error with an HTTP status, answered as `{"error": {"code", "message", "path"?}}`. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  get status(): number {
    return API_ERROR_CODES[this.code].status;
  }
}

export interface ErrorBody {
  error: { code: string; message: string; path?: string };
}

/** One handler maps every failure to a JSON error body and a 4xx/5xx status (convention 10). */
export function installErrorHandler(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send(body('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`));
  });
  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    if (err instanceof ApiError) return reply.status(err.status).send(body(err.code, err.message, err.path));
    if (err instanceof KindredError) {
      const status = err.status >= 500 ? 500 : err.status;
      return reply.status(status).send(body(err.code, err.message));
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      const v = fe.validation[0];
      const where = fe.validationContext ?? 'body';
      const path = [where, ...(v?.instancePath ?? '').split('/').filter(Boolean)].join('.');
      const extra =
        v?.keyword === 'additionalProperties'
          ? ` "${(v.params as { additionalProperty?: string }).additionalProperty}"`
          : '';
      return reply.status(400).send(body('VALIDATION', `${path} ${v?.message ?? 'is invalid'}${extra}`, path));
    }
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.status(413).send(body('BODY_TOO_LARGE', fe.message));
    if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (fe.statusCode === 400 && err instanceof SyntaxError))
      return reply.status(400).send(body('INVALID_JSON', `request body is not valid JSON: ${fe.message}`));
    if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY')
      return reply.status(400).send(body('INVALID_JSON', 'request body is empty'));
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      return reply.status(415).send(body('VALIDATION', 'Content-Type must be application/json'));
    if (fe.statusCode === 429) return reply.status(429).send(body('RATE_LIMITED', fe.message));
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500)
      return reply.status(fe.statusCode).send(body('VALIDATION', fe.message));
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send(body('INTERNAL', 'internal error'));
  });
}

export function body(code: string, message: string, path?: string): ErrorBody {
  return { error: path !== undefined ? { code, message, path } : { code, message } };
}
