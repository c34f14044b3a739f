import type { App } from '../../server.js';
import type { Engine } from '../../engine.js';
import type { FeedbackRecord } from '../../storage/port.js';
import { UnknownReferenceError } from '../../storage/errors.js';
import { ApiError } from '../errors.js';
import { Accepted, ERROR_RESPONSES, FeedbackBody, parseTimestamp, schemaErrorFormatter, toIso } from '../schemas.js';
import { afterWrite } from './after-write.js';

/**
 * Feedback ingestion: `POST /api/feedback` with a batch of `{userId, itemId, type, value?, timestamp?}` answers
 * `{"accepted": n}`. The whole batch is checked first (types from `feedback.types`, values, timestamps) and then
 * written in one transaction; an unknown user or item (when its auto-creation is off) rejects the batch with a 404
 * naming the id and its row, and nothing of it is stored.
 *
 * @example
 * await app.register(async (scope) => feedbackRoutes(scope as App, engine));
 * // POST /api/feedback [{"userId": "u1", "itemId": "i1", "type": "rating", "value": 4.5}] → {"accepted": 1}
 */
export function feedbackRoutes(app: App, engine: Engine): void {
  app.setSchemaErrorFormatter(schemaErrorFormatter);
  const write = engine.keys.require('write');
  const { types, autoCreateUsers, autoCreateItems } = engine.config.feedback;
  const typeNames = Object.keys(types).join(', ');

  app.post(
    '/api/feedback',
    {
      onRequest: write,
      schema: {
        tags: ['feedback'],
        summary: 'Record feedback events (batch)',
        description: `Valid types: ${typeNames}. Unknown users are ${autoCreateUsers ? 'created' : 'rejected'}, unknown items ${autoCreateItems ? 'created' : 'rejected'}.`,
        body: FeedbackBody,
        response: { 200: Accepted, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const now = Date.now();
      const body = req.body;
      const rows: FeedbackRecord[] = new Array(body.length);
      for (let i = 0; i < body.length; i++) {
        const f = body[i];
        // Own keys only: "constructor" or "toString" are not feedback types even though every object has them.
        if (!Object.hasOwn(types, f.type))
          throw new ApiError(
            'VALIDATION',
            `body.${i}.type "${f.type}" is not a configured feedback type; valid types: ${typeNames}`,
            `body.${i}.type`,
          );
        if (types[f.type].useValue && f.value === undefined)
          throw new ApiError(
            'VALIDATION',
            `body.${i}.value is required for feedback type "${f.type}"`,
            `body.${i}.value`,
          );
        rows[i] = {
          userId: f.userId,
          itemId: f.itemId,
          type: f.type,
          value: f.value ?? 1,
          timestamp: f.timestamp === undefined ? now : parseTimestamp(f.timestamp, `body.${i}.timestamp`),
        };
      }
      let n: number;
      try {
        n = await engine.storage.insertFeedback(rows, { createUsers: autoCreateUsers, createItems: autoCreateItems });
      } catch (e) {
        if (e instanceof UnknownReferenceError) {
          const field = e.kind === 'user' ? 'userId' : 'itemId';
          const flag = e.kind === 'user' ? 'feedback.autoCreateUsers' : 'feedback.autoCreateItems';
          const path = `body.${e.index}.${field}`;
          throw new ApiError(
            'NOT_FOUND',
            `${path}: unknown ${e.kind} "${e.id}" (${flag} is off); nothing of this batch was written`,
            path,
          );
        }
        throw e;
      }
      engine.metrics.eventsIngested.inc(n);
      afterWrite(req, 'serving.onFeedback', () => engine.serving.onFeedback(rows));
      afterWrite(req, 'training.noteEvents', () => engine.training.noteEvents(n));
      return { accepted: n };
    },
  );
}

/**
 * A stored feedback row as the API shows it (ISO-8601 timestamp).
 *
 * @example
 * feedbackOut({ seq: 1, userId: 'u', itemId: 'i', type: 'click', value: 1, timestamp: 0 }).timestamp;
 * // '1970-01-01T00:00:00.000Z'
 */
export function feedbackOut(r: FeedbackRecord) {
  return {
    seq: r.seq ?? 0,
    userId: r.userId,
    itemId: r.itemId,
    type: r.type,
    value: r.value,
    timestamp: toIso(r.timestamp),
  };
}
