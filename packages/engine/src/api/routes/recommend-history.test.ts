// The HTTP routes with a HistoryScorer (mult-vae) active: POST /api/feedback then GET /api/recommend/:user serves a
// new user from their history on the next request, and POST /api/recommend/session scores the session's events.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveModel } from 'kindred';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../config.js';
import { Engine } from '../../engine.js';
import { buildServer, type App } from '../../server.js';
import { N_ITEMS, T0, interactionsOf, tinyVae, trainingClicks } from '../../serving/history-serving.case.js';

type List = {
  items: { id: string; reason: { source: string; because: string[] }; explanation: string }[];
  model: { name: string; version: number } | null;
  fallback: string | null;
};

describe('routes with a history-scoring model active', () => {
  let app: App, engine: Engine, dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kindred-history-routes-'));
    engine = await Engine.open(
      validateConfig({ dataDir: dir, server: { logLevel: 'silent' }, serving: { precomputeUsers: 0 } }),
    );
    app = await buildServer(engine, { logger: false });
    await app.ready();
    const { storage } = engine;
    await storage.upsertItems(
      Array.from({ length: N_ITEMS }, (_, k) => ({
        id: `i${k}`,
        categories: ['all'],
        labels: { title: `Item ${k}` },
        timestamp: Date.UTC(2000, 0, 1),
        hidden: false,
        updatedAt: T0,
      })),
    );
    const rows = trainingClicks();
    await storage.insertFeedback(rows, { createUsers: true, createItems: false });
    const model = tinyVae(interactionsOf(rows));
    const saved = await storage.saveModel(
      {
        algorithm: 'mult-vae',
        params: {},
        createdAt: T0,
        metrics: {},
        trainedThroughSeq: await storage.lastSeq(),
        fitSeconds: 0,
      },
      saveModel(model),
    );
    await storage.activateModel(saved.version);
    await engine.serving.reload();
  });
  afterAll(async () => {
    await app.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const modelItems = (l: List) => l.items.filter((x) => x.reason.source === 'mult-vae');

  it('a new user’s feedback gives model candidates on the next request, explained by their recent items', async () => {
    const before = (await app.inject('/api/recommend/newbie?n=10')).json() as List;
    expect(modelItems(before)).toHaveLength(0); // nothing known yet: the fallback
    const fb = await app.inject({
      method: 'POST',
      url: '/api/feedback',
      payload: [
        { userId: 'newbie', itemId: 'i7', type: 'click', timestamp: T0 + 1000 },
        { userId: 'newbie', itemId: 'i9', type: 'click', timestamp: T0 + 2000 },
      ],
    });
    expect(fb.statusCode).toBeLessThan(300);
    const after = (await app.inject('/api/recommend/newbie?n=10')).json() as List;
    expect(after.fallback).toBeNull();
    expect(modelItems(after).length).toBeGreaterThan(0);
    for (const it of modelItems(after)) {
      expect(it.explanation).toMatch(/^Because you recently clicked Item (7|9)$/);
      expect(it.reason.because.every((id) => id === 'i7' || id === 'i9')).toBe(true);
    }
    expect(after.items.every((x) => x.explanation !== '')).toBe(true);
    expect(after.items.map((x) => x.id)).not.toContain('i7');
  });

  it('POST /api/recommend/session scores the session’s events with the model', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/api/recommend/session',
      payload: {
        feedback: [
          { itemId: 'i20', type: 'click' },
          { itemId: 'i23', type: 'click' },
        ],
        n: 6,
      },
    });
    expect(r.statusCode).toBe(200);
    const body = r.json() as List;
    expect(body.model?.name).toBe('mult-vae');
    expect(modelItems(body).length).toBeGreaterThan(0);
    for (const it of modelItems(body)) expect(it.explanation).toMatch(/^Because you recently clicked Item (20|23)$/);
    expect(body.items.map((x) => x.id)).not.toContain('i20');
    // No session item known to the model: served as before (item-to-item and popular), still explained.
    const unknown = (
      await app.inject({ method: 'POST', url: '/api/recommend/session', payload: { feedback: [], n: 3 } })
    ).json() as List;
    expect(modelItems(unknown)).toHaveLength(0);
    expect(unknown.items.every((x) => x.explanation !== '')).toBe(true);
  });
});
