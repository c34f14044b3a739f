import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from 'kindred';
import { API_ERROR_CODES, START_ERROR_CODES } from '@kindred/engine';

describe('docs/errors.md', () => {
  const doc = readFileSync(resolve(import.meta.dirname, '../docs/errors.md'), 'utf8');
  const [library, rest] = doc.split('## Engine API codes');
  const [engine, start] = (rest ?? '').split('## Start-up errors');
  const rows = (text: string) => [...text.matchAll(/^\| `([A-Z_]+)` \| (\d+) \|/gm)].map((m) => [m[1], Number(m[2])]);

  it('lists exactly the codes of the library error catalogue, with their statuses', () => {
    expect(rows(library)).toEqual(Object.entries(ERROR_CODES).map(([code, e]) => [code, e.status]));
  });

  it('lists exactly the engine API codes, with their statuses', () => {
    expect(rows(engine ?? '')).toEqual(Object.entries(API_ERROR_CODES).map(([code, e]) => [code, e.status]));
  });

  it('lists exactly the engine start-up codes, with their exit statuses', () => {
    expect(rows(start ?? '')).toEqual(Object.entries(START_ERROR_CODES).map(([code, e]) => [code, e.exit]));
  });
});
