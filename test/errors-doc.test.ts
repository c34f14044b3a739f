import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from 'kindred';

describe('docs/errors.md', () => {
  it('lists exactly the codes of the error catalogue, with their statuses', () => {
    const doc = readFileSync(resolve(import.meta.dirname, '../docs/errors.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d+) \|/gm)].map((m) => [m[1], Number(m[2])]);
    const expected = Object.entries(ERROR_CODES).map(([code, e]) => [code, e.status]);
    expect(rows).toEqual(expected);
  });
});
