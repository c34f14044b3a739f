// Crafted bad model files, one per loader check. Each file carries a valid CRC-32 (recomputed after the edit), so the
// checksum passes and the check under test is the one that must fail, with its own ModelFormatError message.
// Built from the committed golden files (golden.test.ts) so they stay in step with the real format.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../errors.js';
import { crc32 } from '../../math/crc32.js';
import { readModelFile, writeModelFile, type TypedArray } from '../model-file.js';
import { checkerboard } from '../../testing/fixtures.js';
import { createModel, listModels, loadModel, saveModel } from '../registry.js';

const DIR = import.meta.dirname;
const golden = (kind: string) => new Uint8Array(readFileSync(join(DIR, `${kind}.v1.kndr`)));

/** Rewrites the trailing CRC-32 so an edited file passes the checksum. */
function resign(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out, 0, out.length - 4), true);
  return out;
}

/** A container written by hand: `"KNDR" | u32 version | u32 header length | header | pad 8 | payload | CRC`. */
function container(header: string, opts: { payload?: Uint8Array; version?: number; magic?: string } = {}): Uint8Array {
  const h = new TextEncoder().encode(header);
  const start = (12 + h.length + 7) & ~7;
  const payload = opts.payload ?? new Uint8Array(0);
  const out = new Uint8Array(start + payload.length + 4);
  out.set(new TextEncoder().encode(opts.magic ?? 'KNDR'), 0);
  new DataView(out.buffer).setUint32(4, opts.version ?? 1, true);
  new DataView(out.buffer).setUint32(8, h.length, true);
  out.set(h, 12);
  out.set(payload, start);
  return resign(out);
}

/** Decodes a golden file, lets `edit` change its header or arrays, and writes it back (valid CRC). */
function edited(
  kind: string,
  edit: (header: Record<string, unknown>, arrays: Record<string, TypedArray>) => void,
): Uint8Array {
  const { header, arrays } = readModelFile(golden(kind));
  edit(header, arrays);
  return writeModelFile(header, arrays);
}

function expectFormatError(bytes: Uint8Array, message: string | RegExp): void {
  let error: unknown;
  try {
    loadModel(bytes);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ModelFormatError);
  if (typeof message === 'string') expect((error as Error).message).toBe(message);
  else expect((error as Error).message).toMatch(message);
}

describe('readModelFile rejects each malformed container with its own message', () => {
  it('control: an edit without a new CRC fails the checksum', () => {
    const bytes = golden('svd');
    bytes[40] ^= 0xff;
    expectFormatError(bytes, 'model file is corrupt or truncated (checksum mismatch)');
    expectFormatError(golden('svd').subarray(0, 100), 'model file is corrupt or truncated (checksum mismatch)');
  });

  it('bad magic bytes, or a file too short to hold a header', () => {
    expectFormatError(container('{"arrays":[]}', { magic: 'KNDX' }), 'not a Kindred model file (bad magic bytes)');
    const png = golden('svd');
    png.set([0x89, 0x50, 0x4e, 0x47], 0);
    expectFormatError(resign(png), 'not a Kindred model file (bad magic bytes)');
    expectFormatError(Uint8Array.of(0x4b, 0x4e, 0x44, 0x52, 1, 0, 0, 0), 'not a Kindred model file (bad magic bytes)');
  });

  it('an unsupported version', () => {
    const v2 = golden('svd');
    new DataView(v2.buffer).setUint32(4, 2, true);
    expectFormatError(resign(v2), 'model file version 2 is not supported (this build reads 1)');
    expectFormatError(container('{"arrays":[]}', { version: 0 }), /version 0 is not supported/);
  });

  it('a header length that runs past the file', () => {
    const bytes = golden('svd');
    new DataView(bytes.buffer).setUint32(8, bytes.length, true);
    expectFormatError(resign(bytes), 'model file header overruns the file');
  });

  it('a header that is not JSON', () => {
    expectFormatError(container('{"arrays": ['), /^model file header is not valid JSON: /);
    const bytes = golden('svd');
    bytes[12] = 0x7e; // '{' → '~'
    expectFormatError(resign(bytes), /^model file header is not valid JSON: /);
  });

  it('a header without an array table', () => {
    for (const h of ['{"kind":"kindred-model","model":"svd"}', 'null', '[1,2]', '"text"', '{"arrays":{}}'])
      expectFormatError(container(h), 'model file header has no array table');
  });

  it('a malformed array table entry', () => {
    for (const entry of [
      { name: 'x', dtype: 'f16', offset: 0, length: 1 },
      { name: 'x', dtype: 'toString', offset: 0, length: 1 },
      { name: 3, dtype: 'f32', offset: 0, length: 1 },
      { name: 'x', dtype: 'f32', offset: 0.5, length: 1 },
      { name: 'x', dtype: 'f32', offset: 0, length: '1' },
      null,
    ])
      expectFormatError(
        container(JSON.stringify({ arrays: [entry] }), { payload: new Uint8Array(8) }),
        'model file array table entry is malformed',
      );
  });

  it('an array that runs past the payload, or starts before it', () => {
    const payload = new Uint8Array(8);
    const table = (offset: number, length: number) =>
      JSON.stringify({ arrays: [{ name: 'w', dtype: 'f32', offset, length }] });
    expectFormatError(container(table(0, 3), { payload }), 'model file array "w" overruns the file');
    expectFormatError(container(table(8, 1), { payload }), 'model file array "w" overruns the file');
    expectFormatError(container(table(-8, 1), { payload }), 'model file array "w" overruns the file');
    expectFormatError(container(table(0, -1), { payload }), 'model file array "w" overruns the file');
    // The boundary case is accepted: two f32 fill the 8 payload bytes exactly.
    expect(readModelFile(container(table(0, 2), { payload })).arrays.w.length).toBe(2);
  });

  it('the writer refuses an array type the reader cannot name', () => {
    expect(() => writeModelFile({}, { x: new Int16Array(2) as unknown as Int32Array })).toThrow(
      'unsupported array type in model state',
    );
  });
});

describe('loadModel rejects a valid container that does not hold a valid model', () => {
  it('a header that does not describe a Kindred model', () => {
    const msg = 'model file does not describe a Kindred model';
    expectFormatError(container('{"arrays":[]}'), msg);
    expectFormatError(
      edited('svd', (h) => (h.kind = 'other-model')),
      msg,
    );
    expectFormatError(
      edited('svd', (h) => (h.model = 7)),
      msg,
    );
  });

  it('an unknown model kind', () => {
    expectFormatError(
      edited('svd', (h) => (h.model = 'svd-2000')),
      'model file holds unknown model kind "svd-2000"',
    );
  });

  it('a renamed or unknown parameter, or an invalid value', () => {
    const renamed = edited('svd', (h) => {
      const p = h.params as Record<string, unknown>;
      p.nFactors = p.factors;
      delete p.factors;
    });
    expectFormatError(renamed, /^model file parameters are invalid: .*nFactors/);
    expectFormatError(
      edited('als', (h) => ((h.params as Record<string, unknown>).factors = -3)),
      /^model file parameters are invalid: .*factors/,
    );
  });

  it('a missing base array or training summary', () => {
    for (const name of ['base.seenIndptr', 'base.seenIndices', 'base.itemCounts'])
      expectFormatError(
        edited('popular', (_, a) => delete a[name]),
        `model file lacks array "${name}"`,
      );
    expectFormatError(
      edited('popular', (h) => delete h.summary),
      'model file lacks its training summary',
    );
    expectFormatError(
      edited('popular', (h) => ((h.summary as Record<string, unknown>).userIds = 'u0')),
      'model file lacks its training summary',
    );
  });

  it('a training summary whose seen-items index does not fit its sizes', () => {
    const msg = 'model file training summary is inconsistent';
    const sm = (h: Record<string, unknown>) => h.summary as Record<string, unknown>;
    expectFormatError(
      edited('bpr', (h) => (sm(h).nUsers = 23)),
      msg,
    );
    expectFormatError(
      edited('bpr', (h) => (sm(h).nItems = 25)),
      msg,
    );
    expectFormatError(
      edited('bpr', (h) => (sm(h).userIds as unknown[]).pop()),
      msg,
    );
    // A duplicate raw id: the map built from the list has one id fewer than there are items.
    expectFormatError(
      edited('bpr', (h) => ((sm(h).itemIds as unknown[])[1] = 'i0')),
      msg,
    );
    expectFormatError(
      edited('bpr', (_, a) => (a['base.seenIndices'] = a['base.seenIndices'].subarray(1))),
      msg,
    );
    expectFormatError(
      edited('bpr', (_, a) => (a['base.seenIndices'][0] = 24)),
      msg,
    );
    expectFormatError(
      edited('bpr', (_, a) => (a['base.seenIndices'][0] = -1)),
      msg,
    );
    expectFormatError(
      edited('bpr', (_, a) => (a['base.seenIndptr'] = new Float32Array(a['base.seenIndptr']))),
      msg,
    );
    expectFormatError(
      edited('bpr', (_, a) => {
        const p = a['base.seenIndptr'];
        [p[1], p[2]] = [p[2], p[1]]; // not monotone
      }),
      msg,
    );
  });

  it("a model's state that its loadState rejects", () => {
    expectFormatError(
      edited('co-clustering', (_, a) => (a['model.cltrU'][0] = 2)),
      'model file state is invalid: cluster index out of range',
    );
    expectFormatError(
      edited('svd', (h) => ((h.meta as Record<string, unknown>).factors = 5)),
      'svd: factor arrays do not match 24 users × 24 items × 5',
    );
    expectFormatError(
      edited('als', (_, a) => (a['model.idf'] = new Float32Array(3))),
      'als: saved state lacks consistent confidences',
    );
    // …while valid files of every confidence scheme (bm25 keeps one idf per item, the others none) still load.
    const { data } = checkerboard({ implicit: true });
    for (const confidence of ['linear', 'log', 'binary', 'bm25']) {
      const m = createModel('als', { factors: 2, iterations: 1, confidence, seed: 1 }).fit(data);
      expect(loadModel(saveModel(m)).recommend('u1', { k: 3 }).ids).toEqual(m.recommend('u1', { k: 3 }).ids);
    }
    for (const sigma of [undefined, -1, 'wide'])
      expectFormatError(
        edited('normal', (h) => ((h.meta as Record<string, unknown>).sigma = sigma)),
        'normal: model file lacks a valid sigma',
      );
    expectFormatError(
      edited('weighted', (_, a) => delete a['model.member1']),
      'weighted: model file lacks member 1',
    );
  });

  // Every model kind, every array of its own state: a file that lost one, or whose array lost an element, must fail
  // with ModelFormatError, never load into a model that reads out of bounds later.
  for (const { name: kind } of listModels())
    it(`${kind}: each state array missing or one element short fails with ModelFormatError`, () => {
      const { arrays } = readModelFile(golden(kind));
      for (const name of Object.keys(arrays).filter((n) => n.startsWith('model.'))) {
        expect(() => loadModel(edited(kind, (_, a) => delete a[name])), `${name} missing`).toThrow(ModelFormatError);
        if (arrays[name].length === 0) continue;
        expect(
          () => loadModel(edited(kind, (_, a) => (a[name] = a[name].subarray(0, a[name].length - 1)))),
          `${name} short`,
        ).toThrow(ModelFormatError);
      }
    });
});
