import { Type, type Static } from '@sinclair/typebox';
import type { App } from '../../server.js';
import type { Engine } from '../../engine.js';
import type { ModelRecord } from '../../storage/port.js';
import type { TrainOutcome } from '../../jobs/training-manager.js';
import { ApiError } from '../errors.js';

/** A model version as the admin API shows it. */
export const ModelVersionSchema = Type.Object(
  {
    version: Type.Integer({ minimum: 1 }),
    algorithm: Type.String(),
    params: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Boolean()])),
    createdAt: Type.Integer({ description: 'epoch ms' }),
    metrics: Type.Record(Type.String(), Type.Number(), { description: 'holdout metrics, e.g. ndcg@10' }),
    active: Type.Boolean(),
    fitSeconds: Type.Number(),
    sizeBytes: Type.Integer(),
    trainedThroughSeq: Type.Integer({ description: 'last feedback seq the version was trained on' }),
  },
  { additionalProperties: false },
);
export type ModelVersion = Static<typeof ModelVersionSchema>;

const TrainOutcomeSchema = Type.Object(
  {
    status: Type.Union([
      Type.Literal('activated'),
      Type.Literal('rejected'),
      Type.Literal('failed'),
      Type.Literal('skipped'),
    ]),
    model: Type.Optional(ModelVersionSchema),
    reason: Type.Optional(Type.String()),
    error: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const TrainQuery = Type.Object(
  {
    /** Wait for the run and answer with its outcome instead of 202 at once. */
    wait: Type.Optional(
      Type.Union([Type.Literal('true'), Type.Literal('false'), Type.Literal('1'), Type.Literal('0')]),
    ),
  },
  { additionalProperties: false },
);

// Path parameters arrive as strings and the server does not coerce types: a decimal version number, no sign.
const VersionParams = Type.Object(
  { version: Type.String({ pattern: '^[1-9][0-9]{0,14}$', description: 'model version number' }) },
  { additionalProperties: false },
);

const ErrorSchema = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), path: Type.Optional(Type.String()) }),
});

/**
 * Admin routes (admin key): start a training run, list model versions with their offline metrics, and activate a
 * stored version (roll back or forward).
 *
 * @example
 * // POST /api/train            → 202 {"status":"started"}       (training runs in a worker thread)
 * // POST /api/train?wait=true  → 200 {"status":"activated","model":{...}}
 * // GET  /api/models           → 200 [{"version":2,"active":true,"metrics":{"ndcg@10":0.31},...}]
 * // POST /api/models/1/activate → 200 {"version":1,"active":true,...}
 */
export function adminRoutes(app: App, engine: Engine): void {
  const admin = engine.keys.require('admin');
  const security = [{ apiKey: [] }];

  app.post(
    '/api/train',
    {
      preHandler: admin,
      schema: {
        tags: ['admin'],
        summary: 'Start a training run now (in a worker thread); ?wait=true answers with its outcome',
        security,
        querystring: TrainQuery,
        response: {
          200: TrainOutcomeSchema,
          202: Type.Object(
            { status: Type.Literal('started'), alreadyRunning: Type.Boolean() },
            { additionalProperties: false },
          ),
          401: ErrorSchema,
          403: ErrorSchema,
        },
      },
    },
    async (req, reply) => {
      const alreadyRunning = engine.training.running;
      const run = engine.training.trainNow();
      if (req.query.wait === 'true' || req.query.wait === '1') return reply.status(200).send(outcomeBody(await run));
      return reply.status(202).send({ status: 'started' as const, alreadyRunning });
    },
  );

  app.get(
    '/api/models',
    {
      preHandler: admin,
      schema: {
        tags: ['admin'],
        summary: 'Model versions, newest first, with holdout metrics',
        security,
        response: { 200: Type.Array(ModelVersionSchema), 401: ErrorSchema, 403: ErrorSchema },
      },
    },
    async () => {
      const models = await engine.storage.listModels();
      return models.sort((a, b) => b.version - a.version).map(versionBody);
    },
  );

  app.post(
    '/api/models/:version/activate',
    {
      preHandler: admin,
      schema: {
        tags: ['admin'],
        summary: 'Make a stored version the serving one (roll back or forward)',
        security,
        params: VersionParams,
        response: { 200: ModelVersionSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (req) => {
      const version = Number(req.params.version);
      const record = await engine.training.activate(version);
      if (!record) throw new ApiError('NOT_FOUND', `no model version ${version}`, 'params.version');
      return versionBody(record);
    },
  );
}

function versionBody(m: ModelRecord): ModelVersion {
  const params: Record<string, number | string | boolean> = {};
  for (const [k, v] of Object.entries(m.params))
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') params[k] = v;
  return {
    version: m.version,
    algorithm: m.algorithm,
    params,
    createdAt: m.createdAt,
    metrics: m.metrics,
    active: m.active,
    fitSeconds: m.fitSeconds,
    sizeBytes: m.sizeBytes,
    trainedThroughSeq: m.trainedThroughSeq,
  };
}

function outcomeBody(o: TrainOutcome): Static<typeof TrainOutcomeSchema> {
  switch (o.status) {
    case 'activated':
      return { status: o.status, model: versionBody(o.model) };
    case 'rejected':
      return { status: o.status, model: versionBody(o.model), reason: o.reason };
    case 'failed':
      return { status: o.status, error: o.error };
    case 'skipped':
      return { status: o.status, reason: o.reason };
  }
}
