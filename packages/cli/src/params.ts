import { getModelEntry, parseParamAssignment, type Params } from 'kindred';

/** Collects repeated `--param key=value` flags. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Turns `--param` strings into typed params for `algorithm`, failing on unknown keys with the valid ones listed. */
export function parseParams(algorithm: string, assignments: string[] = []): Params {
  const entry = getModelEntry(algorithm);
  const out: Params = {};
  for (const a of assignments) {
    const [k, v] = parseParamAssignment(a, entry.defaults as Params, algorithm);
    out[k] = v;
  }
  return out;
}
