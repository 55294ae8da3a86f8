import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer, tokenMatches, type ServerOptions } from '../../src/http/server.js';
import { Metrics } from '../../src/metrics.js';

const TOKEN = 'admin-token-0123456789abcdef';
let app: FastifyInstance | undefined;

function server(o: Partial<ServerOptions> = {}): FastifyInstance {
  app = buildServer({
    metrics: new Metrics(),
    notReadyReasons: () => Promise.resolve([]),
    rules: () => [
      {
        id: 'r1',
        version: '1.0.0',
        file: 'rules/a.yaml',
        title: 'R',
        severity: 'high',
        detector: 'any',
        enabled: true,
      },
    ],
    ...o,
  });
  return app;
}

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('HTTP server', () => {
  it('healthz is 200', async () => {
    const res = await server().inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
  });

  it('readyz is 200 when ready and 503 with reasons otherwise', async () => {
    expect((await server().inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    await app?.close();
    const res = await server({ notReadyReasons: () => Promise.resolve(['redis: unreachable']) }).inject({
      method: 'GET',
      url: '/readyz',
    });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'not ready', reasons: ['redis: unreachable'] });
  });

  it('metrics are Prometheus text with the auditwatch_ prefix', async () => {
    const res = await server().inject({ method: 'GET', url: '/metrics' });
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('# TYPE auditwatch_events_consumed_total counter');
    expect(res.body).toContain('auditwatch_decode_failures_total{reason="invalid_json"} 0');
    expect(res.body).toContain('auditwatch_process_resident_memory_bytes');
  });

  it('rules lists the loaded rules with their versions', async () => {
    const res = await server().inject({ method: 'GET', url: '/rules' });
    expect(res.json()).toEqual({ rules: [expect.objectContaining({ id: 'r1', version: '1.0.0' })] });
  });

  it('reload does not exist without an admin token', async () => {
    const res = await server({ reload: () => Promise.resolve({ ok: true, rules: 1 }) }).inject({
      method: 'POST',
      url: '/-/reload',
    });
    expect(res.statusCode).toBe(404);
  });

  it('reload needs the right bearer token', async () => {
    let reloads = 0;
    const s = server({ adminToken: TOKEN, reload: () => Promise.resolve({ ok: true, rules: ++reloads }) });
    expect((await s.inject({ method: 'POST', url: '/-/reload' })).statusCode).toBe(401);
    expect(
      (await s.inject({ method: 'POST', url: '/-/reload', headers: { authorization: 'Bearer wrong' } })).statusCode,
    ).toBe(401);
    expect(
      (await s.inject({ method: 'POST', url: '/-/reload', headers: { authorization: `Basic ${TOKEN}` } })).statusCode,
    ).toBe(401);
    expect(reloads).toBe(0);
    const ok = await s.inject({ method: 'POST', url: '/-/reload', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ reloaded: true, rules: 1 });
  });

  it('a failed reload answers 422 with the problems', async () => {
    const s = server({
      adminToken: TOKEN,
      reload: () => Promise.resolve({ ok: false, problems: ['rules/x.yaml:3: rule r field severity: bad'] }),
    });
    const res = await s.inject({ method: 'POST', url: '/-/reload', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.statusCode).toBe(422);
    expect(res.json<{ problems: string[] }>().problems).toHaveLength(1);
  });

  it('compares tokens without depending on their length', () => {
    expect(tokenMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(tokenMatches('Bearer ', TOKEN)).toBe(false);
    expect(tokenMatches(undefined, TOKEN)).toBe(false);
    expect(tokenMatches(`Bearer ${TOKEN}x`, TOKEN)).toBe(false);
  });
});
