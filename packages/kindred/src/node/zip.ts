import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { DataFormatError } from '../errors.js';
import { crc32 } from '../math/crc32.js';

/*
 * A small ZIP reader (PKWARE APPNOTE 6.3.x, sections 4.3.7 local header, 4.3.12 central directory, 4.3.16 end of
 * central directory): enough for the MovieLens archives (stored or deflated entries, no ZIP64, no encryption). The
 * library has no runtime dependencies, so this replaces an unzip package; node:zlib does the inflating.
 */

/** One file in a ZIP archive, from its central-directory record. */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  /** Offset of the entry's local header. */
  localOffset: number;
}

const EOCD_SIG = 0x06054b50,
  CEN_SIG = 0x02014b50,
  LOC_SIG = 0x04034b50;

function bad(reason: string, file?: string): DataFormatError {
  return new DataFormatError(`not a readable ZIP archive: ${reason}`, { file });
}

/**
 * Lists the entries of a ZIP archive held in memory (directories, whose names end in "/", included).
 *
 * @example
 * const entries = listZip(await readFile('ml-100k.zip'));
 * entries.map((e) => e.name); // ['ml-100k/', 'ml-100k/u.data', …]
 */
export function listZip(zip: Uint8Array, file?: string): ZipEntry[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  // The end record is 22 bytes plus a comment of at most 65535 bytes; scan backwards for its signature.
  let eocd = -1;
  for (let p = zip.length - 22; p >= Math.max(0, zip.length - 22 - 65535); p--) {
    if (view.getUint32(p, true) === EOCD_SIG) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) throw bad('no end-of-central-directory record', file);
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || cdOffset === 0xffffffff) throw bad('ZIP64 archives are not supported', file);
  if (cdOffset + cdSize > eocd) throw bad('central directory outside the file', file);
  const entries: ZipEntry[] = [];
  const decoder = new TextDecoder();
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > zip.length || view.getUint32(p, true) !== CEN_SIG)
      throw bad(`bad central-directory record ${k}`, file);
    const flags = view.getUint16(p + 8, true);
    if (flags & 1) throw bad('encrypted entries are not supported', file);
    const nameLen = view.getUint16(p + 28, true),
      extraLen = view.getUint16(p + 30, true),
      commentLen = view.getUint16(p + 32, true);
    entries.push({
      name: decoder.decode(zip.subarray(p + 46, p + 46 + nameLen)),
      method: view.getUint16(p + 10, true),
      crc32: view.getUint32(p + 16, true),
      compressedSize: view.getUint32(p + 20, true),
      size: view.getUint32(p + 24, true),
      localOffset: view.getUint32(p + 42, true),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/**
 * The uncompressed bytes of one entry, checked against its size and CRC-32.
 *
 * @example
 * const zip = await readFile('ml-100k.zip');
 * const udata = readZipEntry(zip, listZip(zip).find((e) => e.name.endsWith('u.data'))!);
 */
export function readZipEntry(zip: Uint8Array, entry: ZipEntry, file?: string): Uint8Array {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const p = entry.localOffset;
  if (p + 30 > zip.length || view.getUint32(p, true) !== LOC_SIG) throw bad(`bad local header for ${entry.name}`, file);
  // Sizes come from the central directory: a local header may defer them to a data descriptor (flag bit 3).
  const start = p + 30 + view.getUint16(p + 26, true) + view.getUint16(p + 28, true);
  const end = start + entry.compressedSize;
  if (end > zip.length) throw bad(`${entry.name} is truncated`, file);
  const raw = zip.subarray(start, end);
  let out: Uint8Array;
  if (entry.method === 0) out = raw;
  else if (entry.method === 8) {
    try {
      out = inflateRawSync(raw);
    } catch (e) {
      throw bad(`${entry.name}: ${(e as Error).message}`, file);
    }
  } else
    throw bad(`${entry.name} uses compression method ${entry.method} (only stored and deflate are supported)`, file);
  if (out.length !== entry.size)
    throw bad(`${entry.name} inflates to ${out.length} bytes, expected ${entry.size}`, file);
  if (crc32(out) !== entry.crc32) throw bad(`${entry.name} fails its CRC-32 check`, file);
  return out;
}

/**
 * Extracts every file of the archive under `dir`, creating folders. Entry names that would escape `dir` (absolute
 * paths, `..`) are refused. Returns the relative paths written.
 *
 * @example
 * await unzipToDir(await readFile('ml-100k.zip'), '/tmp/data'); // writes /tmp/data/ml-100k/u.data, …
 */
export async function unzipToDir(zip: Uint8Array, dir: string, file?: string): Promise<string[]> {
  const written: string[] = [];
  for (const entry of listZip(zip, file)) {
    if (entry.name.endsWith('/')) continue;
    const rel = normalize(entry.name);
    if (isAbsolute(rel) || rel === '..' || rel.startsWith('..' + sep) || rel.startsWith('../'))
      throw bad(`entry ${JSON.stringify(entry.name)} points outside the target folder`, file);
    const target = join(dir, rel);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, readZipEntry(zip, entry, file));
    written.push(rel);
  }
  return written;
}
