import { getModelEntry, KindredError, listModels, type Params } from 'kindred';
import { ConfigError, type EngineConfig } from './config.js';

/**
 * Checks `training.algorithm` and `training.params` against the library's model registry, so that a server never
 * starts "ready" with settings it can never train with. The model's own constructor does the checking
 * (`resolveParams`: unknown keys naming the valid ones, types, documented bounds and choices), so the engine and the
 * library cannot disagree about what is valid.
 *
 * @example
 * validateTrainingConfig({ ...config.training, algorithm: 'nope' });
 * // ConfigError: invalid config: training.algorithm: unknown algorithm "nope"; known: normal, baseline, ...
 */
export function validateTrainingConfig(training: Pick<EngineConfig['training'], 'algorithm' | 'params'>): void {
  const { algorithm, params } = training;
  if (!listModels().some((m) => m.name === algorithm)) {
    const known = listModels()
      .map((m) => m.name)
      .join(', ');
    throw new ConfigError(
      `invalid config: training.algorithm: unknown algorithm "${algorithm}"; known: ${known}`,
      'training.algorithm',
    );
  }
  try {
    getModelEntry(algorithm).create({ ...params } as Params);
  } catch (e) {
    if (!(e instanceof KindredError)) throw e;
    const key = typeof e.details.key === 'string' ? e.details.key : undefined;
    const field = key !== undefined ? `training.params.${key}` : 'training.params';
    throw new ConfigError(`invalid config: ${field}: ${e.message}`, field);
  }
}
