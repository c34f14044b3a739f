import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one engine (its own registry, so tests can run several engines in a process). */
export class EngineMetrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'kindred_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly eventsIngested = new Counter({
    name: 'kindred_events_ingested_total',
    help: 'Feedback events accepted',
    registers: [this.registry],
  });
  readonly modelVersion = new Gauge({
    name: 'kindred_model_version',
    help: 'Active model version (0 = none)',
    registers: [this.registry],
  });
  readonly trainingDuration = new Histogram({
    name: 'kindred_training_duration_seconds',
    help: 'Duration of training runs',
    labelNames: ['outcome'] as const,
    buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900],
    registers: [this.registry],
  });

  /** httpDuration's children by "method route status": labels() hashes its arguments on every call. */
  private readonly httpChildren = new Map<string, { observe(seconds: number): void }>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Records one HTTP request's duration (`ms`) under its method, route pattern and status.
   *
   * @example
   * metrics.observeRequest('GET', '/api/recommend/:userId', 200, 0.8);
   */
  observeRequest(method: string, route: string, status: number, ms: number): void {
    const key = `${method} ${route} ${status}`;
    let child = this.httpChildren.get(key);
    if (child === undefined) {
      child = this.httpDuration.labels(method, route, String(status));
      this.httpChildren.set(key, child);
    }
    child.observe(ms / 1000);
  }
}
