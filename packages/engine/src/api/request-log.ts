import { createHmac, randomBytes } from 'node:crypto';
import { LogController, type FastifyRequest } from 'fastify';

/** Query parameters whose values are secrets: logged as `[redacted]`. */
const SECRET_QUERY = /^(api[_-]?key|key|token|access[_-]?token|x-api-key)$/i;
/** Path parameters that are counters, not ids: logged as they are. */
const PLAIN_PARAMS = new Set(['version', 'seq']);

// Per process: the same id gets the same tag within one server's logs (requests can be correlated), but the tags
// cannot be precomputed from a list of likely ids (emails, account numbers) since the key is never stored.
const TAG_KEY = randomBytes(32);

/**
 * A short keyed hash of an id for logs (`~` and 10 hex digits).
 *
 * @example
 * idTag('alice@example.com'); // '~3f9a2c1b7d' (the same within this process)
 */
export function idTag(id: string): string {
  return '~' + createHmac('sha256', TAG_KEY).update(id, 'utf8').digest('hex').slice(0, 10);
}

/**
 * The URL of a request as logs show it: the route pattern with each id parameter replaced by its {@link idTag}
 * (`/api/recommend/~3f9a2c1b7d?n=5`), secret query values redacted; a URL that matched no route shows its first two
 * segments only (whatever follows may be an id).
 *
 * @example
 * redactedUrl(req); // '/api/users/~1c04e5a9b2/feedback?api_key=[redacted]'
 */
export function redactedUrl(req: Pick<FastifyRequest, 'url' | 'params' | 'routeOptions'>): string {
  const [path, query] = splitOnce(req.url, '?');
  const pattern = req.routeOptions?.url;
  let shown: string;
  if (pattern === undefined || pattern === null) {
    const segments = path.split('/');
    shown = segments.length > 3 ? `${segments.slice(0, 3).join('/')}/…` : path;
  } else {
    const params = (req.params ?? {}) as Record<string, string>;
    shown = pattern.replace(/:([A-Za-z0-9_]+)/g, (m, name: string) => {
      const v = params[name];
      if (v === undefined) return m;
      return PLAIN_PARAMS.has(name) ? v : idTag(v);
    });
  }
  if (query === undefined) return shown;
  const parts = query.split('&').map((kv) => {
    const [k] = splitOnce(kv, '=');
    let name = k;
    try {
      name = decodeURIComponent(k);
    } catch {
      // a malformed name is shown as sent
    }
    return SECRET_QUERY.test(name) ? `${k}=[redacted]` : kv;
  });
  return `${shown}?${parts.join('&')}`;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/** Whether a request is a health check (not logged unless `server.logHealthChecks`). */
export function isHealthCheck(url: string): boolean {
  return url.startsWith('/health/');
}

/**
 * Fastify logger settings for request logs without raw ids or keys: the `req` serializer logs the route pattern and
 * a redacted URL ({@link redactedUrl}) instead of the raw one, and health checks (probes every few seconds) are not
 * logged unless asked for.
 *
 * @example
 * Fastify({ logger: { level: 'info', serializers: requestLogSerializers() }, logController: requestLogController(false) });
 */
export function requestLogSerializers() {
  return {
    req(req: FastifyRequest) {
      return {
        method: req.method,
        route: req.routeOptions?.url ?? null,
        url: redactedUrl(req),
        remoteAddress: req.ip,
      };
    },
  };
}

/** The log controller: per-request lines for everything but health checks (unless `logHealthChecks`). */
export function requestLogController(logHealthChecks: boolean): LogController {
  return new LogController({
    disableRequestLogging: logHealthChecks ? false : (req: FastifyRequest) => isHealthCheck(req.url),
  });
}
