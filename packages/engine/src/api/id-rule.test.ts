import { afterEach, describe, expect, it } from 'vitest';
import { ingestTestApp } from './routes/ingest-test-app.js';

// Issue 12 (should fix): ids with leading or trailing whitespace are rejected, naming the field; whitespace inside an
// id is allowed, and ids are never trimmed (they round-trip exactly). The rule lives in schemas.ts's `Id`, so every
// route using it (bodies, path parameters, query strings) applies it.

type T = Awaited<ReturnType<typeof ingestTestApp>>;
const open: T[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});
async function setup(): Promise<T> {
  const t = await ingestTestApp({ feedback: { autoCreateItems: true } });
  open.push(t);
  return t;
}
function post(t: T, url: string, payload: unknown) {
  return t.app.inject({
    method: 'POST',
    url,
    payload: JSON.stringify(payload),
    headers: { 'content-type': 'application/json' },
  });
}
function err(res: { json: () => unknown }) {
  return (res.json() as { error: { code: string; message: string; path?: string } }).error;
}

// Everything JavaScript's \s matches that JSON can carry unescaped or escaped, control characters aside (those fail
// the no-control-characters rule first): space, NBSP, BOM, line/paragraph separators, ideographic space, en quad.
const EDGES = [' ', '\u00a0', '\ufeff', '\u2028', '\u2029', '\u3000', '\u2000', '\u1680', '\u202f'];

describe('ids must not start or end with whitespace', () => {
  it('is a 400 naming the field for every edge whitespace, leading or trailing, in every id field', async () => {
    const t = await setup();
    for (const ws of EDGES) {
      for (const id of [`${ws}a`, `a${ws}`, ws, `${ws}${ws}`]) {
        const item = await post(t, '/api/items', [{ id: 'ok' }, { id }]);
        expect(item.statusCode, JSON.stringify(id)).toBe(400);
        expect(err(item)).toEqual({
          code: 'VALIDATION',
          path: 'body.1.id',
          message: 'body.1.id must not start or end with whitespace',
        });
        const user = await post(t, '/api/users', [{ id }]);
        expect(err(user)).toMatchObject({ code: 'VALIDATION', path: 'body.0.id' });
        for (const field of ['userId', 'itemId', 'eventId']) {
          const res = await post(t, '/api/feedback', [{ userId: 'u', itemId: 'i', type: 'click', [field]: id }]);
          expect(err(res)).toEqual({
            code: 'VALIDATION',
            path: `body.0.${field}`,
            message: `body.0.${field} must not start or end with whitespace`,
          });
        }
      }
    }
    expect(await t.engine.storage.feedbackCount()).toBe(0);
    expect((await t.engine.storage.listItems(null, 10)).items).toEqual([]);
  });

  it('applies to path parameters', async () => {
    const t = await setup();
    for (const url of [
      '/api/items/%20a',
      '/api/items/a%C2%A0',
      '/api/users/%EF%BB%BFu',
      '/api/users/u%E3%80%80/feedback',
    ]) {
      const res = await t.app.inject(url);
      expect(res.statusCode, url).toBe(400);
      expect(err(res)).toMatchObject({ code: 'VALIDATION', path: 'params.id' });
      expect(err(res).message).toBe('params.id must not start or end with whitespace');
    }
  });

  it('allows whitespace inside an id and never trims: ids round-trip exactly', async () => {
    const t = await setup();
    const ids = ['a b', 'a\u00a0b', 'x\u3000y\u2028z'];
    expect(
      (
        await post(
          t,
          '/api/items',
          ids.map((id) => ({ id })),
        )
      ).statusCode,
    ).toBe(200);
    const res = await post(
      t,
      '/api/feedback',
      ids.map((itemId) => ({ userId: 'u 1', itemId, type: 'click', eventId: `e ${itemId}` })),
    );
    expect(res.json()).toEqual({ accepted: 3, duplicates: 0 });
    expect((await t.engine.storage.listItems(null, 10)).items.map((i) => i.id).sort()).toEqual([...ids].sort());
    const feedback = await t.app.inject(`/api/users/${encodeURIComponent('u 1')}/feedback`);
    expect(feedback.statusCode).toBe(200);
    const rows = (feedback.json() as { feedback: { userId: string; itemId: string; eventId: string }[] }).feedback;
    expect(rows.map((r) => r.itemId).sort()).toEqual([...ids].sort());
    expect(rows.every((r) => r.userId === 'u 1' && r.eventId === `e ${r.itemId}`)).toBe(true);
  });
});
