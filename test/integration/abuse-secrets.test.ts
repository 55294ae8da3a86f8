import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, controlPlane, kafkaAuth, SECOND, type RawEvent } from '../support/events.js';
import {
  startFakePagerDuty,
  startFakeSlack,
  startFakeWebhookReceiver,
  type FakePagerDuty,
  type FakeSlack,
  type FakeWebhookReceiver,
} from '../support/fake-sinks.js';
import { duplicates, groundTruth, plainKafka } from '../support/ground-truth.js';
import { recordReliability } from '../support/reliability-report.js';
import { freePort, runToExit, ServiceProcess, until } from '../support/service-process.js';
import { requireServices, services, type Services } from '../support/services.js';

/** A distinctive secret: nothing else in a log line or a response could contain it by chance. */
const secret = (label: string): string => `${label}${randomBytes(12).toString('hex')}`;

const ADMIN_TOKEN = secret('admintoken');
const PD_KEY = secret('pdroutingkey');
const WEBHOOK_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const WEBHOOK_URL_TOKEN = secret('hookurltoken');
const REDIS_PASSWORD = secret('redispassword');
const CONFIG_TIMEOUT_MS = 15_000;

/** The secrets found in `text`, by name. */
function leaks(text: string, secrets: Record<string, string | undefined>): string[] {
  return Object.entries(secrets)
    .filter(([, value]) => value !== undefined && value.length >= 8 && text.includes(value))
    .map(([name]) => name);
}

/** A redis-server of this test's own with `requirepass`, so the Redis URL carries a real password. */
async function startRedisWithPassword(port: number, password: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', password, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const end = Date.now() + 10_000;
  for (;;) {
    const client = new Redis({
      port,
      host: '127.0.0.1',
      password,
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 1,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return child;
    } catch {
      client.disconnect();
      if (Date.now() > end) throw new Error('redis-server with requirepass did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The service run to its exit: these runs stop at their configuration. */
const runUntilExit = (env: NodeJS.ProcessEnv) => runToExit(env, CONFIG_TIMEOUT_MS);

/** Every answer of the HTTP port, as text (status, headers, body), for the requests an operator or an attacker would make. */
async function probeHttp(port: number, token: string): Promise<string[]> {
  const base = `http://127.0.0.1:${port}`;
  const requests: Array<[string, RequestInit]> = [
    ['/healthz', {}],
    ['/readyz', {}],
    ['/metrics', {}],
    ['/rules', {}],
    ['/', {}],
    ['/nope', {}],
    ['/-/reload', {}],
    ['/metrics?format=json', {}],
    ['/.env', {}],
    ['/../../etc/passwd', {}],
    ['/healthz', { method: 'POST' }],
    ['/rules', { method: 'DELETE' }],
    ['/readyz', { method: 'OPTIONS' }],
    ['/-/reload', { method: 'POST' }],
    ['/-/reload', { method: 'POST', headers: { authorization: `Bearer ${token.slice(0, -1)}x` } }],
    ['/-/reload', { method: 'POST', headers: { authorization: `Bearer ${token}x` } }],
    [
      '/-/reload',
      { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`admin:${token}`).toString('base64')}` } },
    ],
    [
      '/-/reload',
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"broken json',
      },
    ],
    [
      '/-/reload',
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ pad: 'x'.repeat(4096) }),
      },
    ],
    [
      '/-/reload',
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml' },
        body: '<x/>',
      },
    ],
    ['/-/reload', { method: 'POST', headers: { authorization: `Bearer ${token}` } }],
  ];
  const answers: string[] = [];
  for (const [path, init] of requests) {
    const res = await fetch(`${base}${path}`, init);
    answers.push(
      `${init.method ?? 'GET'} ${path} → ${res.status} ${JSON.stringify([...res.headers])}\n${await res.text()}`,
    );
  }
  return answers;
}

describe.skipIf(services() === null)('secrets never reach logs, metrics, HTTP answers or errors', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  let s: Services;
  let admin: Admin;
  let slack: FakeSlack;
  let pd: FakePagerDuty;
  let hook: FakeWebhookReceiver;
  let redisPort: number;
  let secrets: Record<string, string | undefined>;
  const topic = `aw-abuse-secrets-${randomUUID()}`;
  const prefix = `aw-abuse-secrets-${randomUUID()}`;
  const groups: string[] = [];

  beforeAll(async () => {
    s = requireServices();
    admin = plainKafka(s, 'aw-abuse-secrets').admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    cleanup.push(() => admin.deleteTopics({ topics: [topic] }));
    cleanup.push(() => admin.deleteGroups(groups));
    redisPort = await freePort();
    const redis = await startRedisWithPassword(redisPort, REDIS_PASSWORD);
    cleanup.push(async () => {
      const exited = new Promise((r) => redis.once('exit', r));
      redis.kill('SIGKILL');
      await exited;
    });
    [slack, pd, hook] = await Promise.all([
      startFakeSlack(),
      startFakePagerDuty({ routingKey: PD_KEY }),
      startFakeWebhookReceiver({ secret: WEBHOOK_SECRET }),
    ]);
    cleanup.push(
      () => slack.close(),
      () => pd.close(),
      () => hook.close(),
    );
    const slackPath = new URL(slack.url).pathname;
    secrets = {
      saslPassword: s.saslPassword,
      redisPassword: REDIS_PASSWORD,
      adminToken: ADMIN_TOKEN,
      slackUrl: slack.url,
      slackPath,
      slackToken: slackPath.split('/').pop(),
      pagerDutyRoutingKey: PD_KEY,
      webhookSecret: WEBHOOK_SECRET,
      webhookKey: WEBHOOK_SECRET.slice('whsec_'.length),
      webhookUrlToken: WEBHOOK_URL_TOKEN,
    };
  }, 60_000);

  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('a running service, its error paths included (failing sinks echoing secrets, wrong admin tokens, odd requests)', async () => {
    const events: RawEvent[] = [
      ...Array.from({ length: 5 }, (_, n) =>
        kafkaAuth({
          id: `secrets-auth-${n}`,
          time: at('2026-03-10T12:00:00.000Z', n * SECOND),
          credential: 'SECRETSTESTKEY01',
          ip: '203.0.113.9',
          ok: false,
        }),
      ),
      controlPlane({
        id: 'secrets-grant',
        time: at('2026-03-10T12:00:00.000Z', 30 * SECOND),
        method: 'BindRoleForPrincipal',
        user: 'u-granter',
        ip: '203.0.113.9',
        resource: { type: 'ROLE_BINDING', resourceId: 'rb-9' },
        requestData: { principal: 'User:sa-new', role_name: 'OrganizationAdmin' },
      }),
    ];
    const expected = await groundTruth(events);
    expect(expected.map((a) => a.rule).sort()).toEqual(['failed-auth-burst', 'privileged-role-granted']);
    const producer = plainKafka(s, 'aw-abuse-secrets').producer();
    await producer.connect();
    await producer.send({ topic, messages: events.map((e) => ({ value: JSON.stringify(e) })) });
    await producer.disconnect();

    // Receivers that fail, echoing what they were sent to: the service must scrub it before logging.
    const slackPath = new URL(slack.url).pathname;
    slack.failNext(2, 500, { body: `rollup_error for ${slack.url} (${slackPath})` });
    pd.failNext(1, 400, {
      body: JSON.stringify({
        status: 'invalid event',
        message: `Invalid routing key ${PD_KEY}`,
        errors: [`routing_key ${PD_KEY} unknown`],
      }),
    });
    hook.failNext(1, 500, {
      body: `cannot verify with ${WEBHOOK_SECRET}; called as ${hook.url}?token=${WEBHOOK_URL_TOKEN}`,
    });

    const group = `aw-abuse-secrets-${randomUUID()}`;
    groups.push(group);
    const service = new ServiceProcess(await freePort(), {
      AUDITWATCH_KAFKA_BROKERS: (s.saslBrokers ?? s.kafkaBrokers).join(','),
      AUDITWATCH_KAFKA_SASL_USERNAME: s.saslBrokers ? s.saslUsername : undefined,
      AUDITWATCH_KAFKA_SASL_PASSWORD: s.saslBrokers ? s.saslPassword : undefined,
      AUDITWATCH_KAFKA_TOPIC: topic,
      AUDITWATCH_KAFKA_GROUP_ID: group,
      AUDITWATCH_KAFKA_FROM_BEGINNING: 'true',
      AUDITWATCH_REDIS_URL: `redis://:${REDIS_PASSWORD}@127.0.0.1:${redisPort}`,
      AUDITWATCH_REDIS_PREFIX: prefix,
      AUDITWATCH_ADMIN_TOKEN: ADMIN_TOKEN,
      AUDITWATCH_SLACK_WEBHOOK_URL: slack.url,
      AUDITWATCH_PAGERDUTY_ROUTING_KEY: PD_KEY,
      AUDITWATCH_PAGERDUTY_URL: pd.url,
      AUDITWATCH_WEBHOOK_URL: `${hook.url}?token=${WEBHOOK_URL_TOKEN}`,
      AUDITWATCH_WEBHOOK_SECRET: WEBHOOK_SECRET,
      AUDITWATCH_LOG_LEVEL: 'trace',
      AUDITWATCH_SHUTDOWN_GRACE: '10s',
    });
    cleanup.push(() => service.stopGracefully());
    await service.waitReady();
    await until(
      () =>
        slack.messages.length >= expected.length &&
        pd.events.length >= expected.length - 1 &&
        hook.deliveries.length >= expected.length,
      40_000,
      'deliveries after the failures',
    );
    const answers = await probeHttp(service.port, ADMIN_TOKEN);
    expect(await service.stop('SIGTERM')).toBe(0);
    const webhookIds = hook.deliveries.map((d) => d.id);
    recordReliability({
      test: 'Secrets under failing sinks',
      load: `${events.length} events over SASL, Redis with a password, Slack, PagerDuty and a signed webhook with a token in its URL`,
      faults:
        'Slack 500 ×2, PagerDuty 400 (dead letter), webhook 500, each echoing the secrets it was sent; wrong and missing admin tokens; malformed requests',
      expected: expected.length,
      delivered: new Set(webhookIds.filter((id) => expected.some((a) => a.id === id))).size,
      duplicated: duplicates(webhookIds).length,
    });

    // The error paths did run: retries, a dead letter, 401s, a reload.
    const logs = service.logs.join('\n');
    expect(logs).toMatch(/"sink":"slack".*"delivery failed"/);
    expect(logs).toMatch(/"sink":"webhook".*"delivery failed"/);
    expect(logs).toMatch(/"sink":"pagerduty".*dead letter/);
    expect(logs).toContain('rules reloaded');
    expect(answers.filter((a) => / → 401 /.test(a))).toHaveLength(4);
    expect(answers.some((a) => a.startsWith('GET /metrics → 200'))).toBe(true);

    expect(leaks(logs, secrets), 'secrets in log lines').toEqual([]);
    expect(leaks(answers.join('\n'), secrets), 'secrets in HTTP answers').toEqual([]);
  }, 90_000);

  it('a service with a wrong Redis password: not ready, the error logged, no password anywhere', async () => {
    const wrong = { redisPassword: secret('wrongredis') };
    const group = `aw-abuse-secrets-${randomUUID()}`;
    groups.push(group);
    const service = new ServiceProcess(await freePort(), {
      AUDITWATCH_KAFKA_BROKERS: (s.saslBrokers ?? s.kafkaBrokers).join(','),
      ...(s.saslBrokers === undefined
        ? {}
        : { AUDITWATCH_KAFKA_SASL_USERNAME: s.saslUsername, AUDITWATCH_KAFKA_SASL_PASSWORD: s.saslPassword }),
      AUDITWATCH_KAFKA_TOPIC: topic,
      AUDITWATCH_KAFKA_GROUP_ID: group,
      AUDITWATCH_REDIS_URL: `redis://:${wrong.redisPassword}@127.0.0.1:${redisPort}`,
      AUDITWATCH_REDIS_PREFIX: prefix,
      AUDITWATCH_ADMIN_TOKEN: ADMIN_TOKEN,
      AUDITWATCH_PAGERDUTY_ROUTING_KEY: PD_KEY,
      AUDITWATCH_PAGERDUTY_URL: pd.url,
      AUDITWATCH_LOG_LEVEL: 'trace',
      AUDITWATCH_SHUTDOWN_GRACE: '5s',
    });
    cleanup.push(() => service.stopGracefully());
    await until(
      async () => (await service.get('/healthz').catch(() => ({ status: 0 }))).status === 200,
      20_000,
      'HTTP up',
    );
    await until(
      () => service.logs.some((l) => /"level":50/.test(l) && /redis/i.test(l)),
      20_000,
      'the Redis error logged',
    );
    const answers = await probeHttp(service.port, ADMIN_TOKEN);
    expect(answers.find((a) => a.startsWith('GET /readyz'))).toMatch(/→ 503/);
    await service.stop('SIGTERM');
    await service.stop('SIGKILL');

    const all = { ...secrets, wrongRedisPassword: wrong.redisPassword };
    expect(leaks(service.logs.join('\n'), all), 'secrets in log lines').toEqual([]);
    expect(leaks(answers.join('\n'), all), 'secrets in HTTP answers').toEqual([]);
  }, 60_000);

  it('a service with wrong Kafka and Redis passwords: the Kafka error logged, exit 3 (Kafka refused it), no password anywhere', async () => {
    const wrong = { saslPassword: secret('wrongsasl'), redisPassword: secret('wrongredis') };
    const result = await runToExit(
      {
        AUDITWATCH_KAFKA_BROKERS: (s.saslBrokers ?? s.kafkaBrokers).join(','),
        AUDITWATCH_KAFKA_SASL_USERNAME: s.saslUsername ?? 'auditwatch',
        AUDITWATCH_KAFKA_SASL_PASSWORD: wrong.saslPassword,
        AUDITWATCH_KAFKA_TOPIC: topic,
        AUDITWATCH_KAFKA_GROUP_ID: `aw-abuse-secrets-${randomUUID()}`,
        AUDITWATCH_REDIS_URL: `redis://:${wrong.redisPassword}@127.0.0.1:${redisPort}`,
        AUDITWATCH_REDIS_PREFIX: prefix,
        AUDITWATCH_ADMIN_TOKEN: ADMIN_TOKEN,
        AUDITWATCH_PAGERDUTY_ROUTING_KEY: PD_KEY,
        AUDITWATCH_PAGERDUTY_URL: pd.url,
        AUDITWATCH_LOG_LEVEL: 'trace',
        AUDITWATCH_SHUTDOWN_GRACE: '5s',
        AUDITWATCH_HTTP_HOST: '127.0.0.1',
        AUDITWATCH_HTTP_PORT: String(await freePort()),
      },
      30_000,
    );
    expect(result.code, result.output.slice(-2000)).toBe(3);
    expect(result.output).toMatch(/"level":50.*kafka authentication failed/);
    const all = { ...secrets, wrongSaslPassword: wrong.saslPassword, wrongRedisPassword: wrong.redisPassword };
    expect(leaks(result.output, all), 'secrets in the output').toEqual([]);
  }, 60_000);

  it('configuration errors in variables list every problem without a value', async () => {
    const values = {
      slack: secret('slackpath'),
      webhookUrl: secret('webhookurl'),
      webhookSecret: secret('webhooksecret'),
      pagerDutyUrl: secret('pdurl'),
      redis: secret('redispw'),
      sasl: secret('saslpw'),
      brokers: secret('brokerhost'),
    };
    const result = await runUntilExit({
      AUDITWATCH_KAFKA_BROKERS: values.brokers,
      AUDITWATCH_KAFKA_SASL_USERNAME: undefined,
      AUDITWATCH_KAFKA_SASL_PASSWORD: values.sasl,
      AUDITWATCH_REDIS_URL: `http://admin:${values.redis}@127.0.0.1:6379`,
      AUDITWATCH_SLACK_WEBHOOK_URL: `ftp://hooks.slack.example/services/${values.slack}`,
      AUDITWATCH_WEBHOOK_URL: `not a url ${values.webhookUrl}`,
      AUDITWATCH_WEBHOOK_SECRET: values.webhookSecret,
      AUDITWATCH_PAGERDUTY_ROUTING_KEY: PD_KEY,
      AUDITWATCH_PAGERDUTY_URL: `javascript:alert('${values.pagerDutyUrl}')`,
      AUDITWATCH_ADMIN_TOKEN: 'short',
    });
    expect(result.signal).toBeNull();
    expect(result.code, result.output).toBe(2);
    expect(result.output).toContain('auditwatch: invalid configuration:');
    for (const name of [
      'AUDITWATCH_REDIS_URL',
      'AUDITWATCH_SLACK_WEBHOOK_URL',
      'AUDITWATCH_WEBHOOK_URL',
      'AUDITWATCH_PAGERDUTY_URL',
      'AUDITWATCH_ADMIN_TOKEN',
      'AUDITWATCH_KAFKA_SASL_PASSWORD',
    ])
      expect(result.output).toContain(name);
    expect(leaks(result.output, { ...values, pagerDutyRoutingKey: PD_KEY }), result.output).toEqual([]);
  });

  // Secrets generated with symbols start with any character; YAML gives some of them meaning (alias, tag, anchor, quote, flow, block, directive, reserved).
  it.each(['*', '!', '&', '"', '{', '[', '|', '%', '@', '`', "'", '? '])(
    'a config file whose ${VAR} secrets start with %j: exit 2, no secret',
    async (lead) => {
      const values = {
        routingKey: `${lead}${secret('cfgroutingkey')}`,
        webhookSecret: `${lead}${secret('cfgwebhooksecret')}`,
        webhookToken: secret('cfgwebhooktoken'),
      };
      const dir = mkdtempSync(join(tmpdir(), 'aw-abuse-secrets-'));
      cleanup.push(() => rm(dir, { recursive: true, force: true }));
      const file = join(dir, 'auditwatch.yaml');
      // A definite problem (a route to an unknown sink) makes every variant a configuration error, whatever the secrets do.
      writeFileSync(
        file,
        [
          'sinks:',
          '  - { name: oncall, type: pagerduty, routing_key: ${CFG_PD_KEY}, url: "http://127.0.0.1:9/v2/enqueue" }',
          '  - name: siem',
          '    type: webhook',
          '    url: "https://siem.example/hooks?token=${CFG_HOOK_TOKEN}"',
          '    secret: "${CFG_HOOK_SECRET}"',
          'routes:',
          '  - { sinks: [nowhere] }',
          '',
        ].join('\n'),
      );
      const result = await runUntilExit({
        AUDITWATCH_KAFKA_BROKERS: s.kafkaBrokers.join(','),
        AUDITWATCH_KAFKA_SASL_USERNAME: undefined,
        AUDITWATCH_KAFKA_SASL_PASSWORD: undefined,
        AUDITWATCH_REDIS_URL: s.redisUrl,
        AUDITWATCH_CONFIG: file,
        CFG_PD_KEY: values.routingKey,
        CFG_HOOK_SECRET: values.webhookSecret,
        CFG_HOOK_TOKEN: values.webhookToken,
      });
      const leaked = leaks(result.output, {
        routingKey: values.routingKey.slice(lead.length),
        webhookSecret: values.webhookSecret.slice(lead.length),
        webhookToken: values.webhookToken,
      });
      expect(leaked, result.output).toEqual([]);
      expect(result.signal).toBeNull();
      expect(result.code, result.output).toBe(2);
      expect(result.output).toContain('auditwatch: invalid configuration:');
    },
  );

  it('a malformed Redis URL carrying a password: no password in the output, and a configuration error naming the variable', async () => {
    const password = secret('malformedredispw');
    const result = await runUntilExit({
      AUDITWATCH_KAFKA_BROKERS: s.kafkaBrokers.join(','),
      AUDITWATCH_KAFKA_SASL_USERNAME: undefined,
      AUDITWATCH_KAFKA_SASL_PASSWORD: undefined,
      AUDITWATCH_REDIS_URL: `redis://:${password}@127.0.0.1:notaport`,
      AUDITWATCH_HTTP_PORT: String(await freePort()),
      AUDITWATCH_HTTP_HOST: '127.0.0.1',
    });
    expect(leaks(result.output, { password }), result.output).toEqual([]);
    expect(result.signal, 'still running').toBeNull();
    expect(result.code, result.output).toBe(2);
    expect(result.output).toContain('AUDITWATCH_REDIS_URL');
  });
});
