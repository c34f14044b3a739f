import type { App } from '../../server.js';
import type { Engine } from '../../engine.js';

/** Liveness, readiness and Prometheus metrics. */
export function healthRoutes(app: App, engine: Engine): void {
  app.get('/health/live', { schema: { tags: ['health'] } }, async () => ({ status: 'ok' }));
  app.get('/health/ready', { schema: { tags: ['health'] } }, async (_req, reply) => {
    const ready = engine.serving.ready();
    return reply.status(ready.ready ? 200 : 503).send(ready);
  });
  // Open like the health checks (a Prometheus scraper sends no X-API-Key): it shows request counts and latencies by
  // route pattern, never ids; keep the port off the public network if that is too much.
  const metricsDoc = {
    tags: ['health'],
    summary: 'Prometheus metrics (text exposition format); needs no API key',
  };
  app.get('/metrics', { schema: metricsDoc }, async (_req, reply) => {
    reply.header('content-type', engine.metrics.registry.contentType);
    return engine.metrics.registry.metrics();
  });
}
