import { ModelFormatError } from '../errors.js';
import { crc32 } from '../math/crc32.js';

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array | Uint32Array | Int8Array;

const DTYPES = {
  f32: Float32Array,
  f64: Float64Array,
  i32: Int32Array,
  u32: Uint32Array,
  u8: Uint8Array,
  i8: Int8Array,
} as const;
type DType = keyof typeof DTYPES;

/** Saved-model container version; bump on any incompatible change and keep reading the old ones. */
export const MODEL_FILE_VERSION = 1;
const MAGIC = [0x4b, 0x4e, 0x44, 0x52]; // "KNDR"

interface ArrayEntry {
  name: string;
  dtype: DType;
  offset: number;
  length: number;
}

/**
 * Writes a header (any JSON) and named typed arrays into one binary blob:
 * `"KNDR" | u32 version | u32 headerBytes | header JSON | pad to 8 | arrays (each 8-aligned) | u32 CRC-32`.
 * Little-endian. Reading it back runs `JSON.parse` and typed-array copies only: a model file cannot run code.
 */
export function writeModelFile(header: Record<string, unknown>, arrays: Record<string, TypedArray>): Uint8Array {
  const entries: ArrayEntry[] = [];
  let offset = 0;
  for (const [name, arr] of Object.entries(arrays)) {
    const dtype = dtypeOf(arr);
    entries.push({ name, dtype, offset, length: arr.length });
    offset = align8(offset + arr.byteLength);
  }
  const headerBytes = new TextEncoder().encode(JSON.stringify({ ...header, arrays: entries }));
  const payloadStart = align8(12 + headerBytes.length);
  const total = payloadStart + offset + 4;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(4, MODEL_FILE_VERSION, true);
  view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  for (const e of entries) {
    const arr = arrays[e.name];
    out.set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), payloadStart + e.offset);
  }
  view.setUint32(total - 4, crc32(out, 0, total - 4), true);
  return out;
}

/** Reads what `writeModelFile` wrote, verifying magic, version, bounds and checksum. */
export function readModelFile(bytes: Uint8Array): {
  header: Record<string, unknown>;
  arrays: Record<string, TypedArray>;
} {
  if (bytes.length < 16 || MAGIC.some((b, k) => bytes[k] !== b))
    throw new ModelFormatError('not a Kindred model file (bad magic bytes)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== MODEL_FILE_VERSION)
    throw new ModelFormatError(
      `model file version ${version} is not supported (this build reads ${MODEL_FILE_VERSION})`,
    );
  const stored = view.getUint32(bytes.length - 4, true);
  const actual = crc32(bytes, 0, bytes.length - 4);
  if (stored !== actual) throw new ModelFormatError('model file is corrupt or truncated (checksum mismatch)');
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > bytes.length - 4) throw new ModelFormatError('model file header overruns the file');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)));
  } catch (e) {
    throw new ModelFormatError(`model file header is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || !Array.isArray(header.arrays))
    throw new ModelFormatError('model file header has no array table');
  const payloadStart = align8(12 + headerLength);
  const payloadEnd = bytes.length - 4;
  const arrays: Record<string, TypedArray> = {};
  for (const raw of header.arrays as unknown[]) {
    const e = raw as ArrayEntry;
    if (
      typeof e?.name !== 'string' ||
      // Own keys only: `in` would accept inherited names such as "toString" and crash on `new`.
      !Object.hasOwn(DTYPES, e.dtype) ||
      !Number.isInteger(e.offset) ||
      !Number.isInteger(e.length)
    )
      throw new ModelFormatError('model file array table entry is malformed');
    const Ctor = DTYPES[e.dtype];
    const start = payloadStart + e.offset;
    const byteLength = e.length * Ctor.BYTES_PER_ELEMENT;
    if (e.offset < 0 || e.length < 0 || start + byteLength > payloadEnd)
      throw new ModelFormatError(`model file array "${e.name}" overruns the file`);
    // Copy into a fresh, aligned buffer so the model owns its memory.
    const copy = new Uint8Array(byteLength);
    copy.set(bytes.subarray(start, start + byteLength));
    arrays[e.name] = new Ctor(copy.buffer);
  }
  delete header.arrays;
  return { header, arrays };
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

function dtypeOf(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Uint32Array) return 'u32';
  if (a instanceof Uint8Array) return 'u8';
  if (a instanceof Int8Array) return 'i8';
  throw new ModelFormatError('unsupported array type in model state');
}
