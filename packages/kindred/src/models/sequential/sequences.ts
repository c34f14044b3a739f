// Users' training sequences and the training examples cut from them, for sequential models. A sequence is the
// user's training interactions ordered by timestamp, ties in the input's row order (an exact stable sort, the rule of
// the leave-last-out split, `rowsByUserInTimeOrder`); without timestamps, row order alone.
import type { Interactions } from '../../data/interactions.js';
import { rowsByUserInTimeOrder } from '../../data/splitters.js';
import type { Rng } from '../../math/rng.js';

/** Every user's items oldest → newest, as CSR (`items[indptr[u]..indptr[u+1])`). */
export interface Sequences {
  indptr: Int32Array;
  items: Int32Array;
}

/**
 * The time-ordered training sequence of every user of `data`.
 *
 * @example
 * const seqs = userSequences(train);
 * seqs.items.subarray(seqs.indptr[u], seqs.indptr[u + 1]); // user u, oldest first
 */
export function userSequences(data: Interactions): Sequences {
  const rows = rowsByUserInTimeOrder(data);
  const indptr = data.byUser().indptr.slice();
  const items = new Int32Array(rows.length);
  for (let q = 0; q < rows.length; q++) items[q] = data.items[rows[q]];
  return { indptr, items };
}

/**
 * The last `maxLength` items of every sequence (what serving reads), as CSR.
 *
 * @example
 * const recent = lastItems(seqs, 50);
 */
export function lastItems(s: Sequences, maxLength: number): Sequences {
  const users = s.indptr.length - 1;
  const indptr = new Int32Array(users + 1);
  for (let u = 0; u < users; u++) indptr[u + 1] = indptr[u] + Math.min(maxLength, s.indptr[u + 1] - s.indptr[u]);
  const items = new Int32Array(indptr[users]);
  for (let u = 0; u < users; u++) {
    const len = indptr[u + 1] - indptr[u];
    items.set(s.items.subarray(s.indptr[u + 1] - len, s.indptr[u + 1]), indptr[u]);
  }
  return { indptr, items };
}

/** Which windows of a long history train: the newest only (Kang's code) or every one. */
export type WindowMode = 'last' | 'all';

/**
 * Training examples as absolute positions into `s.items` of each window's last target: a window ending at target
 * position e reads inputs [max(start, e − L), e) and predicts the item after each input. 'last' gives each user's
 * newest window; 'all' also the windows ending L, 2L, … items earlier, so every item of a long history is a target
 * exactly once (an item before the newest window is never seen with 'last').
 *
 * @example
 * const ends = trainingWindows(seqs, 50, 'all');
 */
export function trainingWindows(s: Sequences, maxLength: number, mode: WindowMode): Int32Array {
  const out: number[] = [];
  for (let u = 0; u + 1 < s.indptr.length; u++) {
    const start = s.indptr[u];
    for (let e = s.indptr[u + 1] - 1; e > start; e -= maxLength) {
      out.push(e);
      if (mode === 'last') break;
    }
  }
  return Int32Array.from(out);
}

/** The user whose sequence holds absolute position `e` (binary search over indptr). */
export function sequenceStart(s: Sequences, e: number): number {
  let lo = 0,
    hi = s.indptr.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (s.indptr[mid] <= e) lo = mid;
    else hi = mid - 1;
  }
  return s.indptr[lo];
}

/**
 * Fills `out` with `k` items drawn uniformly from 0..n−1, avoiding those marked in `exclude` (a sequence's own
 * items, so a negative is never one of its positives); after a bounded number of rejections a draw is kept anyway,
 * so a tiny catalogue cannot loop.
 *
 * @example
 * sampleNegatives(rng, 1682, marks, out.subarray(0, 256));
 */
export function sampleNegatives(rng: Rng, n: number, exclude: Uint8Array, out: Int32Array): void {
  for (let j = 0; j < out.length; j++) {
    let i = rng.int(n);
    for (let tries = 0; exclude[i] && tries < 32; tries++) i = rng.int(n);
    out[j] = i;
  }
}
