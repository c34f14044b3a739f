// Shared plumbing of the hand-written WebAssembly kernels: the bytes ship as base64 in generated modules (no build
// tool or file access at run time), and every kernel falls back to JS where WebAssembly or SIMD is missing.

/** The parts of the WebAssembly API the kernels use (typed here: the core compiles without DOM or Node types). */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (desc: { initial: number; maximum: number; shared?: boolean }) => { buffer: ArrayBuffer };
}

/** The WebAssembly API of this runtime, looked up on each call so tests can stub it out; null when absent. */
export function wasmApi(): WasmApi | null {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly ?? null;
}

/**
 * Compiles a kernel from its base64 bytes (after an optional in-place patch), or null when this runtime cannot
 * (no WebAssembly, or the module does not validate, e.g. no SIMD).
 *
 * @example
 * let compiled: object | null | undefined;
 * const module = () => (wasmApi() ? (compiled ??= compileKernel(SGD_EPOCH_WASM)) : null);
 */
export function compileKernel(base64: string, patch?: (bytes: Uint8Array) => Uint8Array): object | null {
  const api = wasmApi();
  if (!api) return null;
  try {
    let bytes = decodeBase64(base64);
    if (patch) bytes = patch(bytes);
    return api.validate(bytes) ? new api.Module(bytes) : null;
  } catch {
    return null;
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Standard base64 to bytes (no `atob`/`Buffer`: the core runs in Node and browsers alike).
 *
 * @example
 * decodeBase64('TWE='); // Uint8Array [77, 97]
 */
export function decodeBase64(text: string): Uint8Array {
  const lookup = new Int16Array(128).fill(-1);
  for (let k = 0; k < B64.length; k++) lookup[B64.charCodeAt(k)] = k;
  let len = text.length;
  while (len > 0 && text[len - 1] === '=') len--;
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let acc = 0,
    bits = 0,
    o = 0;
  for (let k = 0; k < len; k++) {
    const v = lookup[text.charCodeAt(k)];
    if (v < 0) throw new Error(`invalid base64 character at ${k}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}
