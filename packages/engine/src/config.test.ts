import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, validateConfig } from './config.js';

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
    const c = validateConfig({ training: { params: { epochs: 3 } }, feedback: { types: { view: { weight: 1 } } } });
    expect(c.training.params).toEqual({ epochs: 3 });
    expect(Object.keys(c.feedback.types)).toEqual(['view']);
  });

  it('a bad value fails naming the field', () => {
    expect(() => validateConfig({ training: { holdoutRatio: 2 } })).toThrow(ConfigError);
    expect(() => validateConfig({ training: { holdoutRatio: 2 } })).toThrow(/training\.holdoutRatio/);
    expect(() => validateConfig({ server: { prot: 1 } })).toThrow(/server/);
    expect(() => validateConfig({ auth: { readKey: 'short' } })).toThrow(/auth\.readKey/);
  });
});
