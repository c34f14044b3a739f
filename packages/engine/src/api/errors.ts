import type { FastifyError, FastifyInstance } from 'fastify';
import { KindredError } from 'kindred';

/**
 * Engine-level error codes (beyond the library's catalogue in kindred's errors.ts). docs/errors.md lists both;
 * a test keeps it in sync.
 */
export const API_ERROR_CODES = {
  VALIDATION: { status: 400, summary: 'The request body, query or path does not match the route schema.' },
  INVALID_JSON: { status: 400, summary: 'The request body is not valid JSON.' },
  BODY_TOO_DEEP: { status: 400, summary: "The request body nests arrays/objects deeper than the route's limit." },
  FORBIDDEN_KEY: { status: 400, summary: 'The request body has a `__proto__` key or `constructor.prototype`.' },
  BODY_TOO_LARGE: { status: 413, summary: 'The request body exceeds server.bodyLimit.' },
  UNAUTHORIZED: { status: 401, summary: 'No or wrong X-API-Key for this route.' },
  FORBIDDEN: { status: 403, summary: 'The key is valid but its role may not use this route.' },
  NOT_FOUND: { status: 404, summary: 'No such user, item, model version or route.' },
  METHOD_NOT_ALLOWED: { status: 405, summary: 'The route exists but not for this method (see the Allow header).' },
  BAD_REQUEST: {
    status: 400,
    summary:
      'A malformed HTTP request: bad percent-encoding in the URL, a bad content-length, an invalid request line.',
  },
  REQUEST_TIMEOUT: { status: 408, summary: 'The request was not received within the server timeout.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, summary: 'A request body with a Content-Type other than application/json.' },
  HEADERS_TOO_LARGE: { status: 431, summary: 'The request headers exceed the server limit (16 KiB).' },
  RATE_LIMITED: { status: 429, summary: 'Too many requests for this key in the current window.' },
  NOT_READY: { status: 503, summary: 'No model is loaded and no fallback can answer yet.' },
  TRAINING_FAILED: {
    status: 500,
    summary: 'A training run asked for with ?wait=true failed; the active model keeps serving.',
  },
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
export function installErrorHandler(
  app: FastifyInstance,
  opts: { allowedMethods?: (url: string) => string[] } = {},
): void {
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0];
    const allowed = opts.allowedMethods?.(path) ?? [];
    if (allowed.length > 0)
      return reply
        .status(405)
        .header('allow', allowed.join(', '))
        .send(body('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`));
    return reply.status(404).send(body('NOT_FOUND', `no route ${req.method} ${path}`));
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
      return reply
        .status(415)
        .send(body('UNSUPPORTED_MEDIA_TYPE', 'a request body needs Content-Type: application/json'));
    if (fe.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH')
      return reply.status(400).send(body('BAD_REQUEST', 'the body length differs from the content-length header'));
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
