import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_VALUE_LIMIT, loadConfig, validateConfig, valueRange } from './config.js';

describe('engine config', () => {
  it('fills defaults and applies file < env < overrides', () => {
    const c = loadConfig({
      base: { server: { port: 1000 }, training: { algorithm: 'svd' } },
      env: { KINDRED_PORT: '2000', KINDRED_ALGORITHM: 'ease' },
      overrides: { 'server.port': 3000 },
    });
    expect(c.server.port).toBe(3000);
    expect(c.training.algorithm).toBe('ease');
    expect(c.server.host).toBe('127.0.0.1');
    expect(c.serving.defaultN).toBe(10);
  });

  it('a configured record replaces the default one', () => {
    const c = validateConfig({
      training: { algorithm: 'svd', params: { epochs: 3 } },
      feedback: { types: { view: { weight: 1 } } },
    });
    expect(c.training.params).toEqual({ epochs: 3 });
    expect(Object.keys(c.feedback.types)).toEqual(['view']);
  });

  it('a bad value fails naming the field', () => {
    expect(() => validateConfig({ training: { holdoutRatio: 2 } })).toThrow(ConfigError);
    expect(() => validateConfig({ training: { holdoutRatio: 2 } })).toThrow(/training\.holdoutRatio/);
    expect(() => validateConfig({ server: { prot: 1 } })).toThrow(/server/);
    expect(() => validateConfig({ auth: { readKey: 'short' } })).toThrow(/auth\.readKey/);
  });

  it('feedback types: bounded finite weights, an ordered value range, rating 0..5 by default', () => {
    const field = (types: unknown) => {
      try {
        validateConfig({ feedback: { types } });
      } catch (e) {
        if (e instanceof ConfigError) return e.field;
        throw e;
      }
      return null;
    };
    expect(validateConfig({}).feedback.types.rating).toEqual({ weight: 1, useValue: true, min: 0, max: 5 });
    expect(valueRange({ weight: 1 })).toEqual({ min: -DEFAULT_VALUE_LIMIT, max: DEFAULT_VALUE_LIMIT });
    expect(DEFAULT_VALUE_LIMIT).toBe(1e6);
    expect(field({ click: { weight: 1e308 } })).toBe('feedback.types.click.weight');
    expect(field({ click: { weight: -1001 } })).toBe('feedback.types.click.weight');
    expect(field({ click: { weight: Infinity } })).toBe('feedback.types.click.weight');
    expect(field({ click: { weight: NaN } })).toBe('feedback.types.click.weight');
    expect(field({ stars: { weight: 1, useValue: true, min: 5, max: 1 } })).toBe('feedback.types.stars.min');
    expect(field({ stars: { weight: 1, useValue: true, min: 0, max: Infinity } })).toBe('feedback.types.stars.max');
    expect(field({ click: { weight: 1000 }, stars: { weight: -1000, useValue: true, min: 1, max: 1 } })).toBeNull();
    expect(() => validateConfig({ feedback: { types: { s: { weight: 1, min: 2, max: 1 } } } })).toThrow(
      /feedback\.types\.s\.min: must be ≤ max \(2 > 1\)/,
    );
  });

  it('training settings are checked against the model registry at start, naming the field and the valid names', () => {
    const fails = (raw: unknown, env: Record<string, string> = {}) => {
      try {
        loadConfig({ base: raw, env });
      } catch (e) {
        if (e instanceof ConfigError) return { field: e.field, message: e.message };
        throw e;
      }
      return null;
    };
    // Before the check, both started a server reporting ready that could never train.
    const algo = fails({}, { KINDRED_ALGORITHM: 'nope' });
    expect(algo?.field).toBe('training.algorithm');
    expect(algo?.message).toMatch(/unknown algorithm "nope"; known: .*\bease\b.*\bals\b/);
    const param = fails({ training: { params: { factorz: 10 } } });
    expect(param?.field).toBe('training.params.factorz');
    expect(param?.message).toMatch(/unknown parameter "factorz"; valid parameters are .*\bfactors\b/);
    expect(fails({ training: { params: { factors: -1 } } })?.field).toBe('training.params.factors');
    expect(fails({ training: { algorithm: 'svd', params: { epochs: 'many' } } })?.field).toBe('training.params.epochs');
    // The default params are ALS's: another algorithm named alone gets its own defaults, not ALS's keys.
    expect(loadConfig({ env: { KINDRED_ALGORITHM: 'ease' } }).training.params).toEqual({});
    expect(validateConfig({}).training).toMatchObject({ algorithm: 'als', params: { factors: 64 } });
  });
});
