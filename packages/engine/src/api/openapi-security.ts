import type { FastifyInstance, RouteOptions } from 'fastify';
import { requiredRole, strongerRole, type KeyRing, type Role } from './auth.js';

/** One route as added to the server, with the role its auth hook demands (null: open to anyone). */
export interface RouteEntry {
  method: string;
  url: string;
  role: Role | null;
  /** Left out of the OpenAPI document (`schema.hide`). */
  hidden: boolean;
}

const TABLES = new WeakMap<object, RouteEntry[]>();

/** The hooks that run before the handler and can hold an auth check. */
const AUTH_PHASES = ['onRequest', 'preParsing', 'preValidation', 'preHandler'] as const;

/** The strongest role any auth hook of the route demands. */
export function routeRole(route: Pick<RouteOptions, (typeof AUTH_PHASES)[number]>): Role | undefined {
  let role: Role | undefined;
  for (const phase of AUTH_PHASES) {
    const hooks = route[phase] as unknown;
    for (const h of Array.isArray(hooks) ? hooks : [hooks]) role = strongerRole(role, requiredRole(h));
  }
  return role;
}

/**
 * Derives every route's OpenAPI `security` from the auth hook it actually runs (`engine.keys.require(role)`), so the
 * document and the server cannot drift: a route with such a hook declares the API key (and says which role) when keys
 * are configured; every other route declares none. An onRoute hook, installed before the routes; it also records the
 * route table ({@link routeTable}).
 *
 * @example
 * installRouteSecurity(app, engine.keys); // then register routes
 */
export function installRouteSecurity(app: FastifyInstance, keys: KeyRing): void {
  const table: RouteEntry[] = [];
  TABLES.set(app, table);
  app.addHook('onRoute', (route) => {
    const role = routeRole(route) ?? null;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const schema = { ...(route.schema ?? {}) } as Record<string, unknown>;
    for (const method of methods) table.push({ method, url: route.url, role, hidden: schema.hide === true });
    if (route.schema === undefined && role === null) return;
    if (role !== null && keys.enabled) {
      schema.security = [{ apiKey: [] }];
      const needs = `Needs an X-API-Key of role ${role}${role === 'admin' ? '' : ' or higher'}.`;
      schema.description = schema.description ? `${String(schema.description)}\n\n${needs}` : needs;
    } else {
      delete schema.security;
    }
    route.schema = schema;
  });
}

/**
 * Every route added after {@link installRouteSecurity} (HEAD twins included), with its role.
 *
 * @example
 * routeTable(app).filter((r) => r.role === 'admin').map((r) => r.url); // ['/api/train', ...]
 */
export function routeTable(app: FastifyInstance): readonly RouteEntry[] {
  return TABLES.get(app) ?? [];
}
