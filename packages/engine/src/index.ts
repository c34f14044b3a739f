/**
 * The Kindred engine: a self-hosted recommendation server.
 *
 * @example
 * import { Engine, loadConfig, startServer } from '@kindred/engine';
 * const engine = await Engine.open(loadConfig({ env: process.env }));
 * const { url } = await startServer(engine); // http://127.0.0.1:8080
 */
export { ConfigError, ConfigSchema, ENV_FIELDS, loadConfig, validateConfig, type EngineConfig } from './config.js';
export { Engine } from './engine.js';
export { START_ERROR_CODES, type StartErrorCode } from './start-errors.js';
export { validateTrainingConfig } from './training-config.js';
export { DataDirLock, DataDirLockedError, type LockHolder } from './storage/data-dir-lock.js';
export { buildServer, startServer, type App } from './server.js';
export { API_ERROR_CODES, ApiError, type ApiErrorCode } from './api/errors.js';
export type { FeedbackRecord, ItemRecord, ModelRecord, Page, Storage, UserRecord } from './storage/port.js';
export { SqliteStorage, type SqliteOpenOptions, type SqliteSynchronous } from './storage/sqlite.js';
export { InvalidCursorError, UnknownReferenceError } from './storage/errors.js';
export { TrainingManager, type TrainOutcome, type TrainingLogger, type TrainingHost } from './jobs/training-manager.js';
