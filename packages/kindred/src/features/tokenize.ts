import { InvalidParameterError } from '../errors.js';
import { ENGLISH_STOP_WORDS } from './stop-words.js';

/** How `tokenize` cuts text into terms. */
export interface TokenizerOptions {
  /** Lower-case before matching (default true). */
  lowercase?: boolean;
  /** Terms to drop: 'english' (`ENGLISH_STOP_WORDS`, the default), a list of your own, or null for none. */
  stopWords?: 'english' | readonly string[] | ReadonlySet<string> | null;
  /** Shortest term kept, in code points (default 2, as scikit-learn's `\b\w\w+\b` pattern). */
  minLength?: number;
}

// Runs of Unicode letters and digits (marks included so that decomposed accents stay inside their word).
const TERM = /[\p{L}\p{M}\p{N}]+/gu;

/**
 * Splits text into terms: NFKC-normalised, lower-cased (by default), maximal runs of Unicode letters and digits,
 * terms shorter than `minLength` and stop words dropped. Every other character (spaces, punctuation, apostrophes)
 * separates terms. Deterministic and locale-independent.
 *
 * @example
 * tokenize('The Usual Suspects (1995)'); // ['usual', 'suspects', '1995']
 * tokenize('Amélie – Le Fabuleux Destin', { stopWords: null }); // ['amélie', 'le', 'fabuleux', 'destin']
 */
export function tokenize(text: string, opts: TokenizerOptions = {}): string[] {
  const stop = stopSet(opts.stopWords === undefined ? 'english' : opts.stopWords);
  const minLength = opts.minLength ?? 2;
  if (!Number.isInteger(minLength) || minLength < 1)
    throw new InvalidParameterError(`tokenize: minLength must be an integer ≥ 1, got ${minLength}`);
  let s = text.normalize('NFKC');
  if (opts.lowercase ?? true) s = s.toLowerCase();
  const out: string[] = [];
  for (const m of s.matchAll(TERM)) {
    const t = m[0];
    if (t.length < minLength && [...t].length < minLength) continue;
    if (stop !== null && stop.has(t)) continue;
    out.push(t);
  }
  return out;
}

function stopSet(s: TokenizerOptions['stopWords']): ReadonlySet<string> | null {
  if (s === null || s === undefined) return null;
  if (s === 'english') return ENGLISH_STOP_WORDS;
  if (s instanceof Set) return s as ReadonlySet<string>;
  return new Set(s as readonly string[]);
}
