/**
 * One error catalogue for the whole library (convention 10). Each error has a stable `code` that the CLI and the
 * engine map to exit codes and HTTP statuses; messages name what was wrong (file, line, field, parameter).
 */

/** Stable error codes. Keep docs/errors.md in sync (a test checks it). */
export const ERROR_CODES = {
  INVALID_PARAMETER: {
    status: 400,
    summary: 'A model or function option is unknown, of the wrong type or out of range.',
  },
  DATA_FORMAT: { status: 400, summary: 'Input data is malformed (reported with file, line and field).' },
  DATA_NOT_FOUND: { status: 404, summary: 'A dataset file or directory does not exist where it was looked for.' },
  DOWNLOAD_FAILED: { status: 502, summary: 'A dataset could not be downloaded or failed its checksum.' },
  SCORE_IMPOSSIBLE: {
    status: 422,
    summary: 'A model cannot score this user/item pair (cold start); a fallback is used.',
  },
  NOT_FITTED: { status: 409, summary: 'The model was used before fit() or load().' },
  MODEL_FIT: { status: 500, summary: 'Training diverged or produced non-finite values.' },
  MODEL_FORMAT: {
    status: 400,
    summary: 'A saved model is corrupt, truncated, of another version or of an unknown kind.',
  },
  UNKNOWN_ID: { status: 404, summary: 'A raw user or item id is not known to the model or dataset.' },
  NOT_SUPPORTED: { status: 400, summary: 'The model does not support this operation.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Base class of every error Kindred throws on purpose. */
export class KindredError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
  /** HTTP status the engine answers with. */
  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

/** An option is unknown, mistyped or out of range. The message lists the valid keys where that helps. */
export class InvalidParameterError extends KindredError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('INVALID_PARAMETER', message, details);
  }
}

/** Malformed input. `file`, `line` (1-based) and `field` are set whenever they are known. */
export class DataFormatError extends KindredError {
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly field: string | undefined;
  constructor(reason: string, where: { file?: string; line?: number; field?: string } = {}) {
    const loc = [where.file, where.line !== undefined ? `line ${where.line}` : undefined].filter(Boolean).join(':');
    const field = where.field !== undefined ? ` (field "${where.field}")` : '';
    super('DATA_FORMAT', `${loc ? loc + ': ' : ''}${reason}${field}`, { ...where, reason });
    this.file = where.file;
    this.line = where.line;
    this.field = where.field;
  }
}

export class DataNotFoundError extends KindredError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('DATA_NOT_FOUND', message, details);
  }
}

export class DownloadError extends KindredError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('DOWNLOAD_FAILED', message, details);
  }
}

/**
 * Thrown by `score` when a model cannot score a pair (unknown user or item, too few neighbours). The base class
 * catches it and answers with the default prediction, recording `{impossible: true, reason}` (Surprise's
 * `PredictionImpossible`).
 */
export class ScoreImpossibleError extends KindredError {
  constructor(reason: string) {
    super('SCORE_IMPOSSIBLE', reason, { reason });
  }
}

export class NotFittedError extends KindredError {
  constructor(model: string) {
    super('NOT_FITTED', `${model}: call fit() or load a saved model first`);
  }
}

/** Training produced NaN/Infinity or otherwise failed; the model's previous state is not trusted. */
export class ModelFitError extends KindredError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('MODEL_FIT', message, details);
  }
}

export class ModelFormatError extends KindredError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('MODEL_FORMAT', message, details);
  }
}

export class UnknownIdError extends KindredError {
  constructor(kind: 'user' | 'item', id: unknown) {
    super('UNKNOWN_ID', `unknown ${kind} id ${JSON.stringify(id)}`, { kind, id });
  }
}

export class NotSupportedError extends KindredError {
  constructor(message: string) {
    super('NOT_SUPPORTED', message);
  }
}
