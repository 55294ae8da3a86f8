import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs helpers of the compose demo, without type declarations
import { restamp as untypedRestamp } from '../../deploy/compose/producer.mjs';
// @ts-expect-error plain .mjs helpers of the compose demo, without type declarations
import { signatureStatus as untypedSignatureStatus } from '../../deploy/compose/webhook-receiver.mjs';
import { loadConfigFile } from '../../src/config/config-file.js';

/** The compose demo helpers' signatures, as their JSDoc and code say. */
const restamp = untypedRestamp as <E extends { id: string; time: string }>(
  events: E[],
  now: number,
  round: number,
  maxAgeMs?: number,
) => E[];
const signatureStatus = untypedSignatureStatus as (
  headers: Record<string, string | undefined>,
  body: string,
  secret: string | undefined,
) => 'valid' | 'invalid' | 'not checked';

const dockerfile = readFileSync('Dockerfile', 'utf8');
/** Instructions with continuation lines joined and comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const named = (word: string) => instructions.filter((l) => l.toUpperCase().startsWith(`${word} `));
const stages = () => named('FROM');
const runtimeStage = () => {
  const lines = dockerfile.split('\n');
  const start = lines.findLastIndex((l) => /^FROM\s/i.test(l));
  return lines.slice(start).join('\n');
};

describe('Dockerfile', () => {
  it('pins Node in one ARG NODE_VERSION (a 20.x version) used by every stage, on bookworm-slim', () => {
    const args = named('ARG');
    expect(args.filter((a) => /^ARG NODE_VERSION[= ]/.test(a))).toHaveLength(1);
    expect(args.find((a) => a.startsWith('ARG NODE_VERSION'))).toMatch(/^ARG NODE_VERSION=20\.\d+\.\d+$/);
    expect(stages().length).toBeGreaterThanOrEqual(2);
    for (const from of stages()) expect(from).toMatch(/^FROM node:\$\{NODE_VERSION\}-bookworm-slim AS \w+$/);
  });

  it('uses no latest or untagged base image', () => {
    expect(dockerfile).not.toMatch(/:latest\b/);
    for (const from of stages()) expect(from.split(/\s+/)[1]).toMatch(/:/);
  });

  it('builds from the lockfile and ships only dist, production node_modules, package.json and rules', () => {
    expect(dockerfile).toMatch(/RUN npm ci\b(?![^\n]*--omit=dev)/);
    expect(dockerfile).toMatch(/RUN npm ci --omit=dev\b/);
    const copies = runtimeStage()
      .split('\n')
      .filter((l) => /^COPY\s/.test(l))
      .map((l) => l.split(/\s+/).at(-2));
    expect(copies.sort()).toEqual(['/src/dist', '/src/node_modules', 'package.json', 'rules/']);
    expect(runtimeStage()).toMatch(/^COPY --from=deps \/src\/node_modules \.\/node_modules$/m);
    expect(runtimeStage()).toMatch(/^COPY package\.json \.\/$/m);
    expect(runtimeStage()).not.toMatch(/COPY (\.|src\/?) /);
  });

  it('runs as a numeric non-root user, under tini, with an exec-form CMD', () => {
    const users = named('USER');
    expect(users).toHaveLength(1);
    expect(users[0]).toMatch(/^USER [1-9]\d{3,}(:\d+)?$/);
    expect(runtimeStage()).toContain('apt-get install -y --no-install-recommends tini');
    expect(named('ENTRYPOINT')).toEqual(['ENTRYPOINT ["/usr/bin/tini", "--"]']);
    const cmd = named('CMD');
    expect(cmd).toHaveLength(1);
    expect(JSON.parse(cmd[0]!.slice(4))).toEqual(['node', 'dist/main.js', 'run']);
  });
});

describe('.dockerignore', () => {
  const lines = readFileSync('.dockerignore', 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

  it('ignores everything first, then lets in only what the build copies', () => {
    expect(lines[0]).toBe('*');
    expect(lines.slice(1).every((l) => l.startsWith('!'))).toBe(true);
    const allowed = lines.slice(1).map((l) => l.slice(1).replace(/\/$/, ''));
    expect(allowed.sort()).toEqual([
      'package-lock.json',
      'package.json',
      'rules',
      'scripts/copy-assets.mjs',
      'src',
      'tsconfig.build.json',
      'tsconfig.json',
    ]);
    // Everything the Dockerfile COPYs from the context is let in.
    for (const copy of named('COPY').filter((c) => !c.includes('--from='))) {
      for (const source of copy.split(/\s+/).slice(1, -1)) expect(allowed, source).toContain(source.replace(/\/$/, ''));
    }
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
    services: Record<
      string,
      {
        image?: string;
        build?: unknown;
        depends_on?: Record<string, { condition: string }>;
        healthcheck?: unknown;
        read_only?: boolean;
        user?: string;
        environment?: Record<string, string>;
        cap_drop?: string[];
      }
    >;
  };
  const services = compose.services;

  it('has Kafka (apache/kafka, KRaft), Redis, auditwatch from the Dockerfile, a producer and a webhook receiver', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['kafka', 'redis', 'auditwatch', 'producer', 'webhook-receiver']),
    );
    expect(services.kafka!.image).toMatch(/^apache\/kafka:\d+\.\d+\.\d+$/);
    expect(services.kafka!.environment!.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(services.auditwatch!.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
  });

  it('starts auditwatch only after Kafka and Redis are healthy, and each of those has a healthcheck', () => {
    const deps = services.auditwatch!.depends_on!;
    expect(deps.kafka!.condition).toBe('service_healthy');
    expect(deps.redis!.condition).toBe('service_healthy');
    for (const [name, dep] of Object.entries(deps))
      if (dep.condition === 'service_healthy') expect(services[name]!.healthcheck, name).toBeDefined();
  });

  it('pins every pulled image to a tag other than latest', () => {
    for (const [name, svc] of Object.entries(services)) {
      if (svc.image && !svc.build) expect(svc.image, name).toMatch(/^[^:]+:(?!latest$)[\w.-]+$/);
    }
  });

  it('runs auditwatch hardened as in the chart: uid 10001, read-only root, no capabilities', () => {
    expect(services.auditwatch!.user).toBe('10001:10001');
    expect(services.auditwatch!.read_only).toBe(true);
    expect(services.auditwatch!.cap_drop).toEqual(['ALL']);
  });

  it('gives auditwatch a config file the real config loader accepts, routing to the webhook receiver', () => {
    const env = services.auditwatch!.environment!;
    expect(env.AUDITWATCH_WEBHOOK_URL).toMatch(/^http:\/\/webhook-receiver:9000\//);
    const config = loadConfigFile('deploy/compose/auditwatch.yaml', {});
    expect(config.routes?.[0]?.sinks).toContain('webhook');
  });
});

describe('compose demo helpers', () => {
  it('producer re-stamps the newest event to now, keeps gaps, clamps years-old samples, and renames ids on repeats', () => {
    const events = [
      { id: 'a', time: '2026-03-07T21:00:00.000Z' },
      { id: 'b', time: '2026-03-07T21:00:30.000Z' },
      { id: 'old', time: '2020-05-12T12:24:37.838Z' },
    ];
    const now = Date.parse('2030-01-01T00:00:00.000Z');
    const out = restamp(events, now, 0, 3_600_000);
    expect(out.map((e) => e.id)).toEqual(['old', 'a', 'b']);
    expect(out.map((e) => e.time)).toEqual([
      '2029-12-31T23:00:00.000Z',
      '2029-12-31T23:59:30.000Z',
      '2030-01-01T00:00:00.000Z',
    ]);
    expect(restamp(events, now, 2, 3_600_000).map((e) => e.id)).toEqual(['old-r2', 'a-r2', 'b-r2']);
  });

  it('receiver checks Standard Webhooks signatures (the specification example)', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const headers = {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    };
    expect(signatureStatus(headers, '{"test": 2432232314}', secret)).toBe('valid');
    expect(signatureStatus(headers, '{"test": 2432232315}', secret)).toBe('invalid');
    expect(signatureStatus({}, '{}', secret)).toBe('not checked');
  });
});
