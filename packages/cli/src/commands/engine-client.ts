import { setTimeout as sleep } from 'node:timers/promises';
import { RunError } from '../run-error.js';
import { UsageError } from '../usage-error.js';

/** An error answer of the engine: its status and the `{"error": {code, message, path?}}` envelope. */
export class EngineAnswerError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Where in the request the engine found the problem, e.g. `body.37.value`. */
    readonly path?: string,
  ) {
    super(message);
    this.name = 'EngineAnswerError';
  }
}

export interface EngineClientOptions {
  /** Retries of a request that failed for a reason worth retrying (network, 429, 5xx); default 5. */
  retries?: number;
  /** Delay before the first retry, doubled for each further one (default 500 ms, at most 30 s). */
  retryDelayMs?: number;
  /** Called before each retry (progress output). */
  onRetry?: (attempt: number, reason: string) => void;
}

/**
 * A small client of a running engine's REST API for the `export` and `import` commands: the API key header, the
 * error envelope turned into {@link EngineAnswerError}, and retries with exponential backoff for failures that a
 * retry can cure (the connection, 408, 429, 5xx). A 4xx answer is the request's own fault and is never retried.
 *
 * Retried writes are safe for items and users (upserts) and for feedback rows that carry an `eventId` (the engine
 * stores an eventId once); a feedback row without one is stored twice if an attempt was stored but its answer lost.
 *
 * @example
 * const client = new EngineClient('http://127.0.0.1:8080', process.env.KINDRED_WRITE_KEY);
 * await client.post('/api/items', [{ id: 'i1' }]); // {accepted: 1}
 */
export class EngineClient {
  private readonly base: string;
  private readonly retries: number;
  private readonly retryDelayMs: number;

  constructor(
    url: string,
    private readonly key: string | undefined,
    private readonly opts: EngineClientOptions = {},
  ) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(`--url "${url}" is not a URL (e.g. http://127.0.0.1:8080)`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new UsageError(`--url "${url}" must be an http:// or https:// URL`);
    this.base = parsed.href.replace(/\/+$/, '');
    this.retries = Math.max(0, Math.floor(opts.retries ?? 5));
    this.retryDelayMs = Math.max(0, opts.retryDelayMs ?? 500);
  }

  private headers(json: boolean): Record<string, string> {
    const h: Record<string, string> = {};
    if (json) h['content-type'] = 'application/json';
    if (this.key) h['x-api-key'] = this.key;
    return h;
  }

  /** POSTs a JSON body and returns the parsed answer, retrying what is worth retrying. */
  async post(path: string, body: unknown): Promise<unknown> {
    const payload = JSON.stringify(body);
    return this.withRetries(path, async () => {
      const res = await fetch(this.base + path, { method: 'POST', headers: this.headers(true), body: payload });
      if (!res.ok) throw await answerError(res);
      return res.json();
    });
  }

  /** GETs a streamed answer (the caller reads its body); retried only until the answer starts. */
  async stream(path: string): Promise<Response> {
    return this.withRetries(path, async () => {
      const res = await fetch(this.base + path, { headers: this.headers(false) });
      if (!res.ok) throw await answerError(res);
      return res;
    });
  }

  private async withRetries<T>(path: string, attempt: () => Promise<T>): Promise<T> {
    for (let k = 0; ; k++) {
      try {
        return await attempt();
      } catch (e) {
        const reason = retryable(e);
        if (reason === null) throw this.explain(e);
        if (k >= this.retries)
          throw new RunError(`${this.base}${path}: ${reason} (gave up after ${this.retries + 1} attempts)`);
        this.opts.onRetry?.(k + 1, reason);
        await sleep(Math.min(30_000, this.retryDelayMs * 2 ** k));
      }
    }
  }

  /** Auth failures say which key is needed; other answers go to the caller as they are. */
  private explain(e: unknown): unknown {
    if (e instanceof EngineAnswerError && (e.status === 401 || e.status === 403))
      return new UsageError(`${this.base}: ${e.message} (pass --key or set the key's KINDRED_*_KEY variable)`);
    return e;
  }
}

/** Why a failed attempt is worth retrying, or null when it is not. */
function retryable(e: unknown): string | null {
  if (e instanceof EngineAnswerError)
    return e.status === 408 || e.status === 429 || e.status >= 500 ? `HTTP ${e.status}: ${e.message}` : null;
  // fetch rejects with a TypeError for network failures (refused, reset, DNS), its cause says which.
  if (e instanceof TypeError) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return `cannot reach the engine: ${cause?.code ?? cause?.message ?? e.message}`;
  }
  return null;
}

async function answerError(res: Response): Promise<EngineAnswerError> {
  const text = await res.text().catch(() => '');
  try {
    const { error } = JSON.parse(text) as { error: { code: string; message: string; path?: string } };
    return new EngineAnswerError(res.status, error.code, error.message, error.path);
  } catch {
    return new EngineAnswerError(res.status, 'HTTP', text.slice(0, 200) || res.statusText);
  }
}
