import { Type } from '@sinclair/typebox';
import type { App } from '../../server.js';
import type { Engine } from '../../engine.js';
import { valueRange } from '../../config.js';
import type { FeedbackRecord } from '../../storage/port.js';
import { UnknownReferenceError } from '../../storage/errors.js';
import { ApiError } from '../errors.js';
import { checkedValue } from '../feedback-value.js';
import {
  ERROR_RESPONSES,
  EventId,
  FeedbackAccepted,
  FeedbackBody,
  parseTimestamp,
  schemaErrorFormatter,
  toIso,
} from '../schemas.js';
import { afterWrite } from './after-write.js';

// Path parameters arrive as strings and the server does not coerce types: a decimal seq, no sign, no leading zero.
const SeqParams = Type.Object(
  {
    seq: Type.String({
      pattern: '^[1-9][0-9]{0,14}$',
      description: "The event's seq (as GET /api/users/:id/feedback shows it)",
    }),
  },
  { additionalProperties: false },
);
const EventIdQuery = Type.Object({ eventId: EventId }, { additionalProperties: false });
const Deleted = Type.Object({ deleted: Type.Literal(1) }, { additionalProperties: false });

/**
 * Feedback ingestion: `POST /api/feedback` with a batch of `{userId, itemId, type, value?, timestamp?, eventId?}`
 * answers `{"accepted": n, "duplicates": d}`. The whole batch is checked first (types from `feedback.types`, each
 * value within its type's range, timestamps) and then written in one transaction; an unknown user or item (when its
 * auto-creation is off) rejects the batch with a 404 naming the id and its row, and nothing of it is stored. A row
 * whose `eventId` is already stored (or repeated earlier in the batch) is skipped and counted in `duplicates`, so a
 * client may resend a batch whose answer it lost. `DELETE /api/feedback/:seq` and `DELETE /api/feedback?eventId=`
 * delete one event.
 *
 * @example
 * await app.register(async (scope) => feedbackRoutes(scope as App, engine));
 * // POST /api/feedback [{"userId": "u1", "itemId": "i1", "type": "rating", "value": 4.5}] → {"accepted": 1, "duplicates": 0}
 * // DELETE /api/feedback/1 → {"deleted": 1}
 */
export function feedbackRoutes(app: App, engine: Engine): void {
  app.setSchemaErrorFormatter(schemaErrorFormatter);
  const write = engine.keys.require('write');
  const { types, autoCreateUsers, autoCreateItems } = engine.config.feedback;
  const typeNames = Object.keys(types).join(', ');
  const rangeText = Object.entries(types)
    .map(([name, t]) => `${name} (${valueRange(t).min}..${valueRange(t).max})`)
    .join(', ');

  app.post(
    '/api/feedback',
    {
      onRequest: write,
      schema: {
        tags: ['feedback'],
        summary: 'Record feedback events (batch)',
        description:
          `Valid types (value range): ${rangeText}. Unknown users are ${autoCreateUsers ? 'created' : 'rejected'}, ` +
          `unknown items ${autoCreateItems ? 'created' : 'rejected'}. Rows whose eventId is already stored are ` +
          'skipped and counted in duplicates.',
        body: FeedbackBody,
        response: { 200: FeedbackAccepted, ...ERROR_RESPONSES },
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
        // The range bounds what training multiplies into a model (an accepted 1e308 used to stop every later run).
        const value = checkedValue(f.type, types[f.type], f.value, `body.${i}.value`);
        rows[i] = {
          userId: f.userId,
          itemId: f.itemId,
          type: f.type,
          value,
          timestamp: f.timestamp === undefined ? now : parseTimestamp(f.timestamp, `body.${i}.timestamp`),
        };
        if (f.eventId !== undefined) rows[i].eventId = f.eventId;
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
      // Rows skipped as duplicates have no seq: serving already counted them when they were first stored.
      const stored = n === rows.length ? rows : rows.filter((r) => r.seq !== undefined);
      afterWrite(req, 'serving.onFeedback', () => engine.serving.onFeedback(stored));
      afterWrite(req, 'training.noteEvents', () => engine.training.noteEvents(n));
      return { accepted: n, duplicates: rows.length - n };
    },
  );

  const deleted = (req: Parameters<typeof afterWrite>[0], row: FeedbackRecord) => {
    afterWrite(req, 'serving.onFeedbackRemoved', () => engine.serving.onFeedbackRemoved([row]));
    return { deleted: 1 as const };
  };

  app.delete(
    '/api/feedback/:seq',
    {
      onRequest: write,
      schema: {
        tags: ['feedback'],
        summary: 'Delete one feedback event by its seq',
        description:
          "Serving forgets it at once (popularity, the user's history); the next training run no longer sees it.",
        params: SeqParams,
        response: { 200: Deleted, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const seq = Number(req.params.seq);
      const row = await engine.storage.deleteFeedback({ seq });
      if (!row) throw new ApiError('NOT_FOUND', `no feedback event with seq ${seq}`, 'params.seq');
      return deleted(req, row);
    },
  );

  app.delete(
    '/api/feedback',
    {
      onRequest: write,
      schema: {
        tags: ['feedback'],
        summary: 'Delete one feedback event by the eventId it was posted with',
        querystring: EventIdQuery,
        response: { 200: Deleted, ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const { eventId } = req.query;
      const row = await engine.storage.deleteFeedback({ eventId });
      if (!row)
        throw new ApiError(
          'NOT_FOUND',
          `no feedback event with eventId ${JSON.stringify(eventId)}`,
          'querystring.eventId',
        );
      return deleted(req, row);
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
    ...(r.eventId !== undefined ? { eventId: r.eventId } : {}),
  };
}
