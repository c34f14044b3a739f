import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { body } from './errors.js';
import type { RouteEntry } from './openapi-security.js';

/**
 * Failures that happen before a request reaches a route, answered in the same `{"error": {code, message}}` envelope
 * as everything else: Node's HTTP parser (headers too large, a malformed request line or `content-length`), and
 * Fastify's router (a URL with bad percent-encoding).
 */

/**
 * Fastify's `clientErrorHandler`: Node's parser rejected the bytes on the socket, so there is no request object; the
 * answer is written raw and the connection closed (what follows the bad bytes cannot be trusted).
 *
 * @example
 * Fastify({ clientErrorHandler });
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) return void socket.destroy();
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'HEADERS_TOO_LARGE', 'request headers exceed the server limit (16 KiB in all)']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_HEADERS_TIMEOUT'
        ? [408, 'REQUEST_TIMEOUT', 'the request was not received in time']
        : [400, 'BAD_REQUEST', `malformed HTTP request${clientErrorReason(err.code)}`];
  const json = JSON.stringify(body(code, message));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
  );
}

function clientErrorReason(code: string | undefined): string {
  switch (code) {
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return ': the content-length header is not one non-negative integer (or comes with transfer-encoding)';
    case 'HPE_INVALID_METHOD':
      return ': unknown method';
    case 'HPE_INVALID_URL':
      return ': invalid request target';
    case 'HPE_INVALID_HEADER_TOKEN':
      return ': invalid header';
    default:
      return '';
  }
}

/**
 * Fastify's `frameworkErrors`: a URL that is not valid percent-encoding (`/api/items/%zz`) fails before routing.
 *
 * @example
 * Fastify({ frameworkErrors });
 */
export function frameworkErrors(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  if (err.code === 'FST_ERR_BAD_URL') {
    reply.status(400).send(body('BAD_REQUEST', 'the URL is not valid percent-encoding (UTF-8 bytes as %XX)'));
    return;
  }
  reply.status(err.statusCode ?? 400).send(body('BAD_REQUEST', err.message));
}

/**
 * The methods other routes accept at this URL, for a 405 instead of a 404 (path parameters match any segment).
 *
 * @example
 * allowedMethods(routeTable(app), '/api/items'); // ['POST', 'GET', 'HEAD']
 */
export function allowedMethods(routes: readonly RouteEntry[], url: string): string[] {
  const path = url.split('?')[0];
  const methods = new Set<string>();
  for (const r of routes) if (patternOf(r.url).test(path)) methods.add(r.method);
  return [...methods];
}

const PATTERNS = new Map<string, RegExp>();
function patternOf(url: string): RegExp {
  let re = PATTERNS.get(url);
  if (re === undefined) {
    const source = url
      .split('/')
      .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg === '*' ? '.*' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    re = new RegExp(`^${source}/?$`);
    PATTERNS.set(url, re);
  }
  return re;
}
