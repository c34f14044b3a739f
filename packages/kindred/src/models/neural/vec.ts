/**
 * The array type every neural op works on. Training runs on Float32Array (half the memory traffic of float64, the
 * precision PyTorch trains in); the ops also accept Float64Array so their gradient tests can compare against central
 * finite differences in double precision, where the check is tight (see grad-check.case.ts). Production code passes
 * only Float32Array, so each op's call sites stay monomorphic there.
 *
 * @example
 * const x: Vec = new Float32Array(4);
 */
export type Vec = Float32Array | Float64Array;

/** A constructor for a {@link Vec}: Float32Array in training, Float64Array in gradient checks. */
export type VecConstructor = new (length: number) => Vec;
