import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { EngineConfig } from '../config.js';
import { ApiError } from './errors.js';

/** Roles in increasing power; a key of a higher role may use every lower role's routes. */
export type Role = 'read' | 'write' | 'admin';
const RANK: Record<Role, number> = { read: 0, write: 1, admin: 2 };

/**
 * API keys from the config, kept only as SHA-256 digests and compared in constant time. With no key configured,
 * auth is off and the server must bind to loopback only (server.ts enforces it).
 */
export class KeyRing {
  private readonly digests: { role: Role; digest: Buffer }[] = [];
  /**
   * Keys that matched, with their role: SHA-256 per request stood out in the recommend route's CPU profile. Only
   * valid keys are kept (a guess never enters), so a hit tells a caller nothing the answer would not; bounded, since
   * the valid keys are at most three.
   */
  private readonly granted = new Map<string, Role>();

  constructor(auth: EngineConfig['auth']) {
    const add = (role: Role, key: string | undefined) => {
      if (key) this.digests.push({ role, digest: sha256(key) });
    };
    add('read', auth.readKey);
    add('write', auth.writeKey);
    add('admin', auth.adminKey);
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** The role a presented key grants, or null. Every stored digest is compared, so timing does not leak which. */
  roleOf(key: string): Role | null {
    const known = this.granted.get(key);
    if (known !== undefined) return known;
    const d = sha256(key);
    let best: Role | null = null;
    for (const k of this.digests)
      if (timingSafeEqual(k.digest, d) && (!best || RANK[k.role] > RANK[best])) best = k.role;
    if (best !== null && this.granted.size < this.digests.length) this.granted.set(key, best);
    return best;
  }

  /**
   * A Fastify onRequest hook that requires at least `role`. Callback-style, not async: it runs on every request, and
   * an async hook costs a promise and a microtask turn each time.
   */
  require(role: Role) {
    const hook = (req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
      done(this.denial(req.headers['x-api-key'], role));
    };
    // The OpenAPI document's `security` is derived from this hook (api/openapi-security.ts), so it cannot drift.
    HOOK_ROLES.set(hook, role);
    return hook;
  }

  /** Why a request presenting `key` may not use a `role` route, or undefined when it may. */
  private denial(key: string | string[] | undefined, role: Role): ApiError | undefined {
    if (!this.enabled) return undefined;
    if (typeof key !== 'string' || key === '') return new ApiError('UNAUTHORIZED', 'missing X-API-Key header');
    const granted = this.roleOf(key);
    if (!granted) return new ApiError('UNAUTHORIZED', 'invalid API key');
    if (RANK[granted] < RANK[role]) return new ApiError('FORBIDDEN', `this route needs a ${role} key`);
    return undefined;
  }
}

const HOOK_ROLES = new WeakMap<object, Role>();

/**
 * The role an auth hook made by {@link KeyRing.require} demands, or undefined for any other function.
 *
 * @example
 * requiredRole(engine.keys.require('write')); // 'write'
 */
export function requiredRole(hook: unknown): Role | undefined {
  return typeof hook === 'function' ? HOOK_ROLES.get(hook) : undefined;
}

/** The stronger of two roles (undefined is weaker than any). */
export function strongerRole(a: Role | undefined, b: Role | undefined): Role | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return RANK[a] >= RANK[b] ? a : b;
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
