import { afterEach, describe, expect, it } from 'vitest';
import { ingestTestApp } from './ingest-test-app.js';
import { MAX_FEEDBACK_PAGE } from '../schemas.js';

type T = Awaited<ReturnType<typeof ingestTestApp>>;
const open: T[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});
async function setup(): Promise<T> {
  const t = await ingestTestApp({ feedback: { autoCreateItems: true } }, { memory: true });
  open.push(t);
  return t;
}

interface FeedbackPage {
  feedback: { seq: number; timestamp: string }[];
  next: string | null;
}

async function get(t: T, url: string) {
  const res = await t.app.inject({ url });
  return { status: res.statusCode, body: res.json() as FeedbackPage & { error?: { code: string; path?: string } } };
}

describe('list routes: keyset cursors, validated', () => {
  it('GET /api/users/:id/feedback reads a history longer than its largest page in full, page by page', async () => {
    const t = await setup();
    const total = MAX_FEEDBACK_PAGE + 2_000;
    const rows = Array.from({ length: total }, (_, k) => ({
      userId: 'alice',
      itemId: `i${k % 50}`,
      type: 'click',
      value: 1,
      timestamp: 1_700_000_000_000 + Math.floor(k / 3),
    }));
    await t.engine.storage.insertFeedback(rows, { createUsers: true, createItems: true });
    const first = await get(t, `/api/users/alice/feedback?n=${MAX_FEEDBACK_PAGE}`);
    expect(first.status).toBe(200);
    expect(first.body.feedback).toHaveLength(MAX_FEEDBACK_PAGE);
    expect(first.body.next).toEqual(expect.any(String));
    const second = await get(t, `/api/users/alice/feedback?n=${MAX_FEEDBACK_PAGE}&cursor=${first.body.next}`);
    expect(second.body.feedback).toHaveLength(2_000);
    expect(second.body.next).toBeNull();
    const all = [...first.body.feedback, ...second.body.feedback];
    expect(new Set(all.map((f) => f.seq)).size).toBe(total);
    // Newest first throughout, seq breaking ties.
    for (let k = 1; k < all.length; k++) {
      const a = all[k - 1],
        b = all[k];
      expect(a.timestamp > b.timestamp || (a.timestamp === b.timestamp && a.seq > b.seq)).toBe(true);
    }
    // Small pages follow the same order.
    const small = await get(t, '/api/users/alice/feedback?n=3');
    expect(small.body.feedback).toEqual(all.slice(0, 3));
  });

  it('a cursor that is not one of the list’s own is a 400 naming querystring.cursor, on every list route', async () => {
    const t = await setup();
    await t.engine.storage.insertFeedback(
      [0, 1, 2].map((k) => ({ userId: `u${k}`, itemId: `i${k}`, type: 'click', value: 1, timestamp: k })),
      { createUsers: true, createItems: true },
    );
    const items = await t.app.inject({ url: '/api/items?n=1' });
    const itemCursor = (items.json() as { next: string }).next;
    const feedbackCursor = (await get(t, '/api/users/u0/feedback?n=1')).body.next;
    expect(feedbackCursor).toBeNull(); // one row: no next page
    const cases = [
      '/api/items?cursor=garbage',
      '/api/users?cursor=garbage',
      '/api/users/u0/feedback?cursor=garbage',
      // Another list's cursor is refused too (an item id is not a feedback position).
      `/api/users/u0/feedback?cursor=${itemCursor}`,
    ];
    for (const url of cases) {
      const res = await get(t, url);
      expect(res.status, url).toBe(400);
      expect(res.body.error, url).toMatchObject({ code: 'VALIDATION', path: 'querystring.cursor' });
    }
  });

  it('GET /api/items and /api/users page by id and stay stable while records are inserted', async () => {
    const t = await setup();
    const ids = Array.from({ length: 30 }, (_, k) => `i${String(k).padStart(2, '0')}`);
    await t.engine.storage.upsertItems(
      ids.map((id) => ({ id, categories: [], labels: {}, timestamp: 0, hidden: false, updatedAt: 0 })),
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    let k = 0;
    do {
      const res = await t.app.inject({ url: `/api/items?n=7${cursor ? `&cursor=${cursor}` : ''}` });
      const page = res.json() as { items: { id: string }[]; next: string | null };
      seen.push(...page.items.map((i) => i.id));
      cursor = page.next;
      // Inserted between pages, before and after the cursor.
      await t.engine.storage.upsertItems(
        [`a${k}`, `z${k}`].map((id) => ({ id, categories: [], labels: {}, timestamp: 0, hidden: false, updatedAt: 0 })),
      );
      k++;
    } while (cursor !== null);
    expect(seen.filter((id) => id.startsWith('i'))).toEqual(ids);
    expect(new Set(seen).size).toBe(seen.length);
  });
});
