import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultRoutes } from '../../src/config/delivery-config.js';
import { loadServiceConfig } from '../../src/config/service-config.js';
import { ConfigError, ErrorCode } from '../../src/errors.js';

const minimal = { AUDITWATCH_KAFKA_BROKERS: 'b1:9092,b2:9092', AUDITWATCH_REDIS_URL: 'redis://127.0.0.1:6379' };

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadServiceConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe(ErrorCode.config);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('loadServiceConfig', () => {
  it('applies defaults', () => {
    const config = loadServiceConfig(minimal);
    expect(config.kafka).toMatchObject({
      brokers: ['b1:9092', 'b2:9092'],
      topic: 'confluent-audit-log-events',
      groupId: 'auditwatch',
      ssl: false,
      fromBeginning: false,
    });
    expect(config.kafka.sasl).toBeUndefined();
    expect(config).toMatchObject({
      http: { port: 8080 },
      logLevel: 'info',
      shutdownGraceMs: 25_000,
      redis: { prefix: 'aw' },
    });
    expect(config.sinks).toEqual([{ name: 'stdout', type: 'stdout' }]);
  });

  it('bounds the quiet cache: 100,000 facts and 32 MiB by default, 0 facts turns it off, nonsense is refused', () => {
    expect(loadServiceConfig(minimal).stateCache).toEqual({ entries: 100_000, bytes: 32 * 1024 * 1024 });
    expect(
      loadServiceConfig({ ...minimal, AUDITWATCH_STATE_CACHE_ENTRIES: '0', AUDITWATCH_STATE_CACHE_MB: '8' }).stateCache,
    ).toEqual({ entries: 0, bytes: 8 * 1024 * 1024 });
    expect(problemsOf({ ...minimal, AUDITWATCH_STATE_CACHE_ENTRIES: '-1', AUDITWATCH_STATE_CACHE_MB: 'lots' })).toEqual(
      [
        expect.stringMatching(/^AUDITWATCH_STATE_CACHE_ENTRIES: must be a whole number/),
        expect.stringMatching(/^AUDITWATCH_STATE_CACHE_MB: must be a whole number/),
      ],
    );
  });

  it('configures SASL/PLAIN over TLS like Confluent Cloud', () => {
    const config = loadServiceConfig({
      ...minimal,
      AUDITWATCH_KAFKA_SASL_USERNAME: 'KEY',
      AUDITWATCH_KAFKA_SASL_PASSWORD: 'SECRET',
      AUDITWATCH_KAFKA_SSL: 'true',
    });
    expect(config.kafka).toMatchObject({ sasl: { mechanism: 'plain', username: 'KEY', password: 'SECRET' }, ssl: {} });
  });

  it('connects to a Redis Cluster by seed nodes, with credentials and TLS for every node', () => {
    const config = loadServiceConfig({
      AUDITWATCH_KAFKA_BROKERS: 'b1:9092',
      AUDITWATCH_REDIS_CLUSTER_NODES: 'redis-0.example:6379, 10.0.0.7:6380',
      AUDITWATCH_REDIS_USERNAME: 'auditwatch',
      AUDITWATCH_REDIS_PASSWORD: 'pw',
      AUDITWATCH_REDIS_TLS: 'true',
    });
    expect(config.redis).toEqual({
      clusterNodes: [
        { host: 'redis-0.example', port: 6379 },
        { host: '10.0.0.7', port: 6380 },
      ],
      username: 'auditwatch',
      password: 'pw',
      tls: true,
      prefix: 'aw',
    });
    expect(problemsOf({ AUDITWATCH_KAFKA_BROKERS: 'b1:9092' })).toContain('AUDITWATCH_REDIS_URL: required');
    expect(problemsOf({ ...minimal, AUDITWATCH_REDIS_CLUSTER_NODES: 'r:6379' })).toContain(
      'AUDITWATCH_REDIS_URL and AUDITWATCH_REDIS_CLUSTER_NODES: set one of the two',
    );
    expect(problemsOf({ AUDITWATCH_KAFKA_BROKERS: 'b1:9092', AUDITWATCH_REDIS_CLUSTER_NODES: 'r6379' })).toContain(
      'AUDITWATCH_REDIS_CLUSTER_NODES: must be host:port[,host:port…]',
    );
  });

  it('lists every problem at once, naming variables but never values', () => {
    const secret = 'hunter2-very-secret-value';
    const problems = problemsOf({
      AUDITWATCH_KAFKA_SASL_PASSWORD: secret,
      AUDITWATCH_SLACK_WEBHOOK_URL: `not a url ${secret}`,
      AUDITWATCH_HTTP_PORT: 'eighty',
      AUDITWATCH_LOG_LEVEL: 'loud',
      AUDITWATCH_TIMEZONE: 'Mars/Base',
      AUDITWATCH_SHUTDOWN_GRACE: 'soon',
      AUDITWATCH_WEBHOOK_URL: 'https://example.com/hook',
      AUDITWATCH_ADMIN_TOKEN: 'short',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'AUDITWATCH_KAFKA_BROKERS: required',
        'AUDITWATCH_REDIS_URL: required',
        'AUDITWATCH_KAFKA_SASL_USERNAME and AUDITWATCH_KAFKA_SASL_PASSWORD must be set together',
        'AUDITWATCH_SLACK_WEBHOOK_URL: must be an http(s) URL',
        'AUDITWATCH_HTTP_PORT: must be a whole number from 0 to 65535',
        expect.stringMatching(/^AUDITWATCH_LOG_LEVEL: must be one of/),
        'AUDITWATCH_TIMEZONE: unknown IANA time zone "Mars/Base"',
        expect.stringMatching(/^AUDITWATCH_SHUTDOWN_GRACE: /),
        'AUDITWATCH_WEBHOOK_URL and AUDITWATCH_WEBHOOK_SECRET must be set together',
        'AUDITWATCH_ADMIN_TOKEN: must be at least 16 characters',
      ]),
    );
    expect(problems.join('\n')).not.toContain(secret);
  });

  it('builds sinks from the environment shortcuts with the default routes', () => {
    const config = loadServiceConfig({
      ...minimal,
      AUDITWATCH_SLACK_WEBHOOK_URL: 'https://hooks.slack.example/T/B/x',
      AUDITWATCH_PAGERDUTY_ROUTING_KEY: 'R0UT1NG',
      AUDITWATCH_PAGERDUTY_URL: 'http://127.0.0.1:9/v2/enqueue',
      AUDITWATCH_WEBHOOK_URL: 'https://example.com/hook',
      AUDITWATCH_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    });
    expect(config.sinks.map((s) => s.name)).toEqual(['slack', 'pagerduty', 'webhook']);
    expect(config.routes).toEqual([
      { sinks: ['pagerduty'], severity: ['high', 'critical'] },
      { sinks: ['slack', 'webhook'] },
    ]);
  });

  it('watches the rules directories unless AUDITWATCH_RULES_WATCH=false', () => {
    expect(loadServiceConfig(minimal).rulesWatch).toBe(true);
    expect(loadServiceConfig({ ...minimal, AUDITWATCH_RULES_WATCH: 'false' }).rulesWatch).toBe(false);
    expect(problemsOf({ ...minimal, AUDITWATCH_RULES_WATCH: 'sometimes' })).toEqual([
      'AUDITWATCH_RULES_WATCH: must be true or false',
    ]);
  });

  it('AUDITWATCH_ALERTMANAGER_URL (and _BEARER_TOKEN) make sink alertmanager, which gets every alert by default', () => {
    const config = loadServiceConfig({
      ...minimal,
      AUDITWATCH_PAGERDUTY_ROUTING_KEY: 'R0UT1NG',
      AUDITWATCH_ALERTMANAGER_URL: 'https://alertmanager.monitoring:9093',
      AUDITWATCH_ALERTMANAGER_BEARER_TOKEN: 'am-token-0123456789',
    });
    expect(config.sinks.at(-1)).toEqual({
      name: 'alertmanager',
      type: 'alertmanager',
      url: 'https://alertmanager.monitoring:9093',
      bearer_token: 'am-token-0123456789',
    });
    expect(config.routes).toEqual([
      { sinks: ['pagerduty'], severity: ['high', 'critical'] },
      { sinks: ['alertmanager'] },
    ]);
    const problems = problemsOf({
      ...minimal,
      AUDITWATCH_ALERTMANAGER_BEARER_TOKEN: 'am-token-0123456789',
      AUDITWATCH_ALERTMANAGER_URL: 'not a url am-pw',
    });
    expect(problems).toEqual([
      'AUDITWATCH_ALERTMANAGER_URL: must be an http(s) URL',
      'AUDITWATCH_ALERTMANAGER_BEARER_TOKEN needs AUDITWATCH_ALERTMANAGER_URL',
    ]);
    expect(problems.join('\n')).not.toContain('am-token');
  });

  it('reads sinks and routes from the config file with ${ENV} interpolation', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aw-config-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(
      file,
      `sinks:
  - { name: sec-slack, type: slack, webhook_url: "\${SLACK_URL}" }
routes:
  - { sinks: [sec-slack], severity: [critical], tags: [T1110] }
business_hours: { timezone: Europe/Berlin }
`,
    );
    const config = loadServiceConfig({
      ...minimal,
      AUDITWATCH_CONFIG: file,
      SLACK_URL: 'https://hooks.slack.example/x',
    });
    expect(config.sinks).toEqual([{ name: 'sec-slack', type: 'slack', webhook_url: 'https://hooks.slack.example/x' }]);
    expect(config.routes[0]).toMatchObject({ severity: ['critical'] });
    expect(config.businessHours.timezone).toBe('Europe/Berlin');
  });

  it('names the file, the field and the missing variable in config file problems', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aw-config-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      `sinks:\n  - { name: x, type: webhook, url: "\${MISSING_URL}", secret: s }\nroutes:\n  - { sinks: [nowhere] }\n`,
    );
    const problems = problemsOf({ ...minimal, AUDITWATCH_CONFIG: file });
    expect(problems).toEqual([`${file}: environment variable MISSING_URL is not set`]);
    writeFileSync(file, `sinks:\n  - { name: x, type: carrier-pigeon }\nroutes:\n  - { sinks: [nowhere] }\n`);
    expect(problemsOf({ ...minimal, AUDITWATCH_CONFIG: file })[0]).toMatch(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: sinks.0.type: `),
    );
  });

  it('rejects routes to unknown sinks and duplicate sink names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aw-config-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, `sinks:\n  - { name: slack, type: stdout }\nroutes:\n  - { sinks: [nowhere] }\n`);
    const problems = problemsOf({
      ...minimal,
      AUDITWATCH_CONFIG: file,
      AUDITWATCH_SLACK_WEBHOOK_URL: 'https://hooks.slack.example/x',
    });
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringContaining('"slack" is defined twice'), 'routes: unknown sink "nowhere"']),
    );
  });

  it('default routes: PagerDuty pages for high and critical only', () => {
    expect(defaultRoutes([{ name: 'pd', type: 'pagerduty', routing_key: 'k' }])).toEqual([
      { sinks: ['pd'], severity: ['high', 'critical'] },
    ]);
  });
});
