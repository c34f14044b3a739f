import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import cors from '@fastify/cors';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import { installErrorHandler } from './api/errors.js';
import { installJsonParser } from './api/json-parser.js';
import { installRouteSecurity, routeTable } from './api/openapi-security.js';
import { allowedMethods, clientErrorHandler, frameworkErrors } from './api/http-errors.js';
import { requestLogController, requestLogSerializers } from './api/request-log.js';
import { schemaErrorFormatter } from './api/schemas.js';
import { healthRoutes } from './api/routes/health.js';
import { catalogRoutes } from './api/routes/catalog.js';
import { feedbackRoutes } from './api/routes/feedback.js';
import { recommendRoutes } from './api/routes/recommend.js';
import { adminRoutes } from './api/routes/admin.js';
import { exportRoutes } from './api/routes/export.js';
import type { Engine } from './engine.js';
import { sharedKeyWarnings } from './api/key-sharing.js';

export type App = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  import('fastify').FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/**
 * Builds the HTTP API over an engine: JSON Schema validation on every route (unknown fields rejected), one error
 * handler (errors before routing included), a JSON-only body parser with per-route nesting limits, API-key roles
 * (the OpenAPI security derived from them), optional CORS and per-key rate limits, request logs without raw ids,
 * Prometheus metrics, OpenAPI at /openapi.json and Swagger UI at /docs.
 *
 * @example
 * const app = await buildServer(engine);
 * await app.listen({ port: 8080 });
 */
export async function buildServer(
  engine: Engine,
  opts: { logger?: boolean; /** Where logs go instead of stdout (tests). */ logStream?: NodeJS.WritableStream } = {},
): Promise<App> {
  const { server } = engine.config;
  const app = Fastify({
    // Request lines show route patterns and hashed ids, never raw ids or keys (api/request-log.ts).
    logger:
      opts.logger === false || server.logLevel === 'silent'
        ? false
        : {
            level: server.logLevel,
            serializers: requestLogSerializers(),
            ...(opts.logStream && { stream: opts.logStream }),
          },
    logController: requestLogController(server.logHealthChecks),
    bodyLimit: server.bodyLimit,
    // Ids may be up to 256 characters (URL-encoded, more): answer long ids with a 400 from the schema, not a 414.
    routerOptions: { maxParamLength: 2048 },
    // Errors before routing (Node's parser, bad percent-encoding) answer in the same envelope as the routes.
    clientErrorHandler,
    frameworkErrors,
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  installValidators(app);
  installErrorHandler(app, { allowedMethods: (url) => allowedMethods(routeTable(app), url) });
  // Both are onRoute hooks, so they come before any route: per-route body nesting limits, and OpenAPI security
  // derived from each route's auth hook.
  installJsonParser(app);
  installRouteSecurity(app, engine.keys);
  await app.register(swagger, {
    openapi: {
      info: { title: 'Kindred engine', version: '0.1.0', description: 'Self-hosted recommendation server' },
      components: { securitySchemes: { apiKey: { type: 'apiKey', name: 'X-API-Key', in: 'header' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // CORS is off unless origins are listed: without its headers, browsers refuse cross-origin calls.
  if (server.corsOrigins.length > 0)
    await app.register(cors, {
      origin: server.corsOrigins.includes('*') ? '*' : server.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['content-type', 'x-api-key'],
      maxAge: 600,
    });

  if (server.rateLimit > 0) {
    await app.register(rateLimit, {
      max: server.rateLimit,
      timeWindow: server.rateLimitWindowMs,
      keyGenerator: (req) => (req.headers['x-api-key'] as string | undefined) ?? req.ip,
    });
  }

  // Latency histogram by route pattern (not by raw URL, which would explode label cardinality). Callback-style and
  // with the labelled children cached: it runs on every request.
  app.addHook('onResponse', (req, reply, done) => {
    engine.metrics.observeRequest(req.method, req.routeOptions.url ?? 'unknown', reply.statusCode, reply.elapsedTime);
    done();
  });

  await app.register(async (scope) => healthRoutes(scope as App, engine));
  await app.register(async (scope) => catalogRoutes(scope as App, engine));
  await app.register(async (scope) => feedbackRoutes(scope as App, engine));
  await app.register(async (scope) => recommendRoutes(scope as App, engine));
  await app.register(async (scope) => adminRoutes(scope as App, engine));
  await app.register(async (scope) => exportRoutes(scope as App, engine));
  return app;
}

/**
 * Bodies are validated strictly (unknown fields rejected, no type coercion: "5" is not 5); query strings and path
 * parameters are text by nature, so they are coerced to the schema's types ("?n=5" → 5). One Ajv per part.
 */
export function installValidators(app: App): void {
  const strict = new Ajv({ removeAdditional: false, coerceTypes: false, allErrors: false, useDefaults: true });
  const lenient = new Ajv({ removeAdditional: false, coerceTypes: true, allErrors: false, useDefaults: true });
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? strict.compile(schema) : lenient.compile(schema),
  );
  app.setSchemaErrorFormatter(schemaErrorFormatter);
}

/**
 * Starts an engine and its HTTP server. With no API key configured, the server binds to 127.0.0.1 only, whatever
 * `server.host` says, and logs why. `opts` are buildServer's (tests pass a log stream to read the warning).
 *
 * @example
 * const { url } = await startServer(await Engine.open(loadConfig({ env: process.env })));
 */
export async function startServer(
  engine: Engine,
  opts: Parameters<typeof buildServer>[1] = {},
): Promise<{ app: App; url: string }> {
  const app = await buildServer(engine, opts);
  for (const warning of sharedKeyWarnings(engine.config.auth)) app.log.warn(warning);
  let host = engine.config.server.host;
  if (!engine.keys.enabled && host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    app.log.warn(`no API keys configured: binding to 127.0.0.1 instead of ${host}; set KINDRED_*_KEY to expose it`);
    host = '127.0.0.1';
  }
  const url = await app.listen({ host, port: engine.config.server.port });
  engine.start();
  return { app, url };
}
