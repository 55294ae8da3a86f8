import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics.js';

/** A loaded rule as `GET /rules` shows it. */
export interface RuleInfo {
  id: string;
  version: string;
  file: string;
  title: string;
  severity: string;
  detector: string;
  enabled: boolean;
}

export type ReloadResult = { ok: true; rules: number } | { ok: false; problems: string[] };

export interface ServerOptions {
  metrics: Metrics;
  /** Why the service is not ready (empty when it is). */
  notReadyReasons(): Promise<string[]>;
  rules(): RuleInfo[];
  /** Re-reads the rule files; without an admin token the route does not exist. */
  reload?: () => ReloadResult | Promise<ReloadResult>;
  adminToken?: string;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Compares a presented bearer token in constant time (hashing first removes the length leak). */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '';
  return timingSafeEqual(digest(presented), digest(token)) && presented.length > 0;
}

/**
 * The one HTTP port: liveness, readiness, Prometheus metrics, the loaded rules,
 * and (with an admin token) rule reload.
 */
export function buildServer(o: ServerOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 });

  app.get('/healthz', () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const reasons = await o.notReadyReasons();
    o.metrics.ready.set(reasons.length === 0 ? 1 : 0);
    if (reasons.length === 0) return { status: 'ready' };
    return reply.code(503).send({ status: 'not ready', reasons });
  });

  app.get('/metrics', (_request, reply) => {
    reply.header('content-type', o.metrics.registry.contentType);
    return o.metrics.registry.metrics();
  });

  app.get('/rules', () => ({ rules: o.rules() }));

  const { reload, adminToken } = o;
  if (reload !== undefined && adminToken !== undefined) {
    app.post('/-/reload', async (request, reply) => {
      if (!tokenMatches(request.headers.authorization, adminToken)) {
        return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized' });
      }
      const result = await reload();
      return result.ok
        ? { reloaded: true, rules: result.rules }
        : reply.code(422).send({ reloaded: false, problems: result.problems });
    });
  }
  return app;
}
