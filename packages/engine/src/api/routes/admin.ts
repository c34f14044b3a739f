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

/**
 * The run in progress as `GET /api/models` lists it (first, before the versions): which algorithm, since when, and
 * the worker's latest epoch report (null until the first epoch ends, and for models without epochs).
 */
export const TrainingRunSchema = Type.Object(
  {
    status: Type.Literal('training'),
    algorithm: Type.String(),
    startedAt: Type.Integer({ description: 'epoch ms' }),
    progress: Type.Union([
      Type.Object(
        {
          phase: Type.Union([Type.Literal('holdout'), Type.Literal('final')], {
            description: 'holdout: the fit measured on the holdout; final: the served model fitted on all data',
          }),
          epoch: Type.Integer({ minimum: 1 }),
          epochs: Type.Integer({ minimum: 1, description: 'planned; early stopping may end the fit sooner' }),
          loss: Type.Optional(Type.Number()),
          validation: Type.Optional(
            Type.Object({ metric: Type.String(), value: Type.Number() }, { additionalProperties: false }),
          ),
          bestEpoch: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
  },
  { additionalProperties: false },
);
export type TrainingRun = Static<typeof TrainingRunSchema>;

const TrainOutcomeSchema = Type.Object(
  {
    status: Type.Union([Type.Literal('activated'), Type.Literal('rejected'), Type.Literal('skipped')]),
    model: Type.Optional(ModelVersionSchema),
    reason: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/**
 * The 202 answer of `POST /api/train` (no `wait`): `started` when this request started a run, `running` when a run
 * was already in progress (this request joined it; no second run starts). `startedAt` is when that run started.
 */
const TrainStartedSchema = Type.Object(
  {
    status: Type.Union([Type.Literal('started'), Type.Literal('running')], {
      description: 'started: this request started a run; running: a run was in progress and no new one started',
    }),
    alreadyRunning: Type.Boolean({ description: 'true exactly when status is running' }),
    startedAt: Type.Integer({ description: 'when the run started, epoch ms' }),
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
 * // POST /api/train            → 202 {"status":"started","alreadyRunning":false,"startedAt":...} (worker thread)
 * //                              ({"status":"running","alreadyRunning":true,...} while a run is in progress)
 * // POST /api/train?wait=true  → 200 {"status":"activated","model":{...}}; a failed run → 500 TRAINING_FAILED
 * // GET  /api/models           → 200 [{"version":2,"active":true,"metrics":{"ndcg@10":0.31},...}]
 * //                              (during a run, first: {"status":"training","algorithm","startedAt","progress"})
 * // POST /api/models/1/activate → 200 {"version":1,"active":true,...}
 */
export function adminRoutes(app: App, engine: Engine): void {
  const admin = engine.keys.require('admin');
  // Checked on request (before the body and query are parsed); the OpenAPI security is derived from this hook.

  app.post(
    '/api/train',
    {
      onRequest: admin,
      schema: {
        tags: ['admin'],
        summary: 'Start a training run now (in a worker thread); ?wait=true answers with its outcome',
        querystring: TrainQuery,
        response: {
          200: { ...TrainOutcomeSchema, description: 'the run ended: activated, rejected (kept inactive) or skipped' },
          202: TrainStartedSchema,
          401: ErrorSchema,
          403: ErrorSchema,
          500: {
            ...ErrorSchema,
            description: 'with wait: the run failed (TRAINING_FAILED); the active model keeps serving',
          },
        },
      },
    },
    async (req, reply) => {
      const alreadyRunning = engine.training.running;
      const run = engine.training.trainNow();
      if (req.query.wait === 'true' || req.query.wait === '1') {
        const outcome = await run;
        // A failed run is an error answer (the envelope), not a 200 that a client must inspect to notice.
        if (outcome.status === 'failed') throw new ApiError('TRAINING_FAILED', `training failed: ${outcome.error}`);
        return reply.status(200).send(outcomeBody(outcome));
      }
      const startedAt = engine.training.runStartedAt ?? Date.now();
      return reply
        .status(202)
        .send({ status: alreadyRunning ? ('running' as const) : ('started' as const), alreadyRunning, startedAt });
    },
  );

  app.get(
    '/api/models',
    {
      onRequest: admin,
      schema: {
        tags: ['admin'],
        summary: 'Model versions, newest first, with holdout metrics; a run in progress first, with its progress',
        response: {
          200: Type.Array(Type.Union([TrainingRunSchema, ModelVersionSchema])),
          401: ErrorSchema,
          403: ErrorSchema,
        },
      },
    },
    async () => {
      const models = await engine.storage.listModels();
      const versions: (ModelVersion | TrainingRun)[] = models.sort((a, b) => b.version - a.version).map(versionBody);
      const run = engine.training.runStatus;
      if (run) versions.unshift(runBody(run));
      return versions;
    },
  );

  app.post(
    '/api/models/:version/activate',
    {
      onRequest: admin,
      schema: {
        tags: ['admin'],
        summary: 'Make a stored version the serving one (roll back or forward)',
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

function runBody(run: NonNullable<Engine['training']['runStatus']>): TrainingRun {
  const p = run.progress;
  return {
    status: 'training',
    algorithm: run.algorithm,
    startedAt: run.startedAt,
    progress: p && {
      phase: p.phase,
      epoch: p.epoch,
      epochs: p.epochs,
      ...(p.loss !== undefined ? { loss: p.loss } : {}),
      ...(p.validation ? { validation: p.validation } : {}),
      ...(p.bestEpoch !== undefined ? { bestEpoch: p.bestEpoch } : {}),
    },
  };
}

function outcomeBody(o: Exclude<TrainOutcome, { status: 'failed' }>): Static<typeof TrainOutcomeSchema> {
  switch (o.status) {
    case 'activated':
      return { status: o.status, model: versionBody(o.model) };
    case 'rejected':
      return { status: o.status, model: versionBody(o.model), reason: o.reason };
    case 'skipped':
      return { status: o.status, reason: o.reason };
  }
}
