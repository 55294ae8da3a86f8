import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/alert.js';
import type { RawEvent } from '../support/events.js';
import {
  startFakePagerDuty,
  startFakeSlack,
  startFakeWebhookReceiver,
  type FakePagerDuty,
  type FakeSlack,
  type FakeWebhookReceiver,
} from '../support/fake-sinks.js';
import { episodeKey, groundTruth } from '../support/ground-truth.js';
import { scenario } from '../support/scenario.js';
import { freePort, ServiceProcess, until } from '../support/service-process.js';
import { saslSslClient, saslSslServiceEnv } from '../support/sasl-ssl.js';
import { requireServices, services } from '../support/services.js';
import { maybeUnset } from '../support/hooks.js';

const START = '2026-03-07T20:00:00.000Z';
const GARBAGE = [
  'not json',
  '[1,2,3]',
  '{"id":"x"}',
  '{"id":"y","type":"t","source":"s","specversion":"1.0","time":"yesterday"}',
  '\u0000\u0001',
];
const ADMIN_TOKEN = `admin-${randomBytes(12).toString('hex')}`;
const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('base64')}`;

const slackAlertIds = (slack: FakeSlack) =>
  slack.messages.map((m) => /alert `([0-9a-f]{32})`/.exec(JSON.stringify(m))?.[1] ?? 'missing');
const pdAlertIds = (pd: FakePagerDuty) => pd.events.map((e) => e.dedup_key ?? 'missing');
const webhookAlertIds = (hook: FakeWebhookReceiver) => hook.deliveries.map((d) => d.id);

/** The same service on both kinds of Redis it supports: one node by URL, and a 3-master cluster by seed nodes. */
const REDIS_KINDS = ['single-node', 'cluster'] as const;
const redisEnv = (kind: (typeof REDIS_KINDS)[number], s: ReturnType<typeof requireServices>): NodeJS.ProcessEnv =>
  kind === 'cluster' ? { AUDITWATCH_REDIS_CLUSTER_NODES: s.redisClusterNodes } : { AUDITWATCH_REDIS_URL: s.redisUrl };

describe.skipIf(services() === null).each(REDIS_KINDS)(
  'auditwatch run, end to end over SASL_SSL (real Kafka, %s Redis and HTTP sinks)',
  (kind) => {
    const topic = `aw-e2e-${randomUUID()}`;
    const group = `aw-e2e-${randomUUID()}`;
    const prefix = `aw-e2e-${randomUUID()}`;
    let admin: Admin;
    let slack: FakeSlack;
    let pd: FakePagerDuty;
    let hook: FakeWebhookReceiver;
    let events: RawEvent[];
    let expected: Alert[];
    let env: NodeJS.ProcessEnv;

    beforeAll(async () => {
      const s = requireServices();
      // TLS + PLAIN with a CA file, as a Confluent Cloud user configures it (there with the public CAs).
      const kafka = new Kafka({ clientId: 'aw-e2e', ...saslSslClient(s), logLevel: logLevel.NOTHING });
      admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
      events = scenario({ start: START, episodes: 4, noise: 60, seed: 3 });
      expected = await groundTruth(events);
      // Each 40-minute episode (its attack and its background) shares a key, so its events stay in order on one partition.
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({
        topic,
        messages: [
          ...events.map((e) => ({ key: episodeKey(e, START), value: JSON.stringify(e) })),
          ...GARBAGE.map((value) => ({ key: 'garbage', value })),
        ],
      });
      await producer.disconnect();

      [slack, pd, hook] = await Promise.all([
        startFakeSlack(),
        startFakePagerDuty(),
        startFakeWebhookReceiver({ secret: WEBHOOK_SECRET }),
      ]);
      slack.failNext(2, 429, { retryAfter: 1 });
      pd.failNext(1, 500);
      env = {
        ...saslSslServiceEnv(s),
        AUDITWATCH_KAFKA_TOPIC: topic,
        AUDITWATCH_KAFKA_GROUP_ID: group,
        AUDITWATCH_KAFKA_FROM_BEGINNING: 'true',
        ...redisEnv(kind, s),
        AUDITWATCH_REDIS_PREFIX: prefix,
        AUDITWATCH_SLACK_WEBHOOK_URL: slack.url,
        AUDITWATCH_PAGERDUTY_ROUTING_KEY: `R${randomBytes(15).toString('hex')}`,
        AUDITWATCH_PAGERDUTY_URL: pd.url,
        AUDITWATCH_WEBHOOK_URL: hook.url,
        AUDITWATCH_WEBHOOK_SECRET: WEBHOOK_SECRET,
        AUDITWATCH_ADMIN_TOKEN: ADMIN_TOKEN,
        AUDITWATCH_SHUTDOWN_GRACE: '10s',
        AUDITWATCH_LOG_LEVEL: 'info',
      };
    }, 120_000);

    afterAll(async () => {
      const kafkaAdmin = maybeUnset(admin);
      await kafkaAdmin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await kafkaAdmin?.disconnect();
      await Promise.all([maybeUnset(slack)?.close(), maybeUnset(pd)?.close(), maybeUnset(hook)?.close()]);
    });

    it('delivers every expected alert to each routed sink exactly once, and a restart delivers nothing twice', async () => {
      const paging = expected.filter((a) => a.severity === 'high' || a.severity === 'critical');
      expect(new Set(expected.map((a) => a.rule)).size).toBeGreaterThanOrEqual(6);
      expect(paging.length).toBeGreaterThan(0);

      const service = new ServiceProcess(await freePort(), env);
      try {
        await service.waitReady();
        await until(
          () =>
            webhookAlertIds(hook).length >= expected.length &&
            slackAlertIds(slack).length >= expected.length &&
            pdAlertIds(pd).length >= paging.length,
          90_000,
          'deliveries',
        );
        await new Promise((r) => setTimeout(r, 2_000)); // time for any duplicate to show up

        const ids = expected.map((a) => a.id).sort();
        expect(webhookAlertIds(hook).sort()).toEqual(ids);
        expect(slackAlertIds(slack).sort()).toEqual(ids);
        expect(pdAlertIds(pd).sort()).toEqual(paging.map((a) => a.id).sort());
        expect(hook.verifications.every((v) => v.ok)).toBe(true);
        expect(slack.requests.filter((r) => r.status === 429)).toHaveLength(2);
        expect(pd.requests.filter((r) => r.status === 500)).toHaveLength(1);

        const valid = events.length;
        expect(await service.metric('auditwatch_events_consumed_total')).toBe(valid);
        expect(await service.metric('auditwatch_decode_failures_total')).toBe(GARBAGE.length);
        expect(await service.metric('auditwatch_alerts_total')).toBe(expected.length);
        expect(await service.metric('auditwatch_batch_processing_seconds_count')).toBeGreaterThan(0);
        expect(await service.metric('auditwatch_deliveries_total', { sink: 'slack', outcome: 'rate_limited' })).toBe(2);
        expect(await service.metric('auditwatch_deliveries_total', { sink: 'pagerduty', outcome: 'retry' })).toBe(1);
        // Measured every 5 s: it reads 0 at the latest one measurement after the last delivery.
        await until(
          async () => (await service.metric('auditwatch_outbox_pending', { sink: 'webhook' })) === 0,
          15_000,
          'the pending gauge to read 0',
        );
        expect(await service.metric('auditwatch_deliveries_total', { sink: 'webhook', outcome: 'success' })).toBe(
          expected.length,
        );

        const rules = JSON.parse((await service.get('/rules')).text) as { rules: Array<{ id: string }> };
        expect(rules.rules.map((r) => r.id)).toContain('failed-auth-burst');
        expect(service.logs.join('\n')).not.toContain(env.AUDITWATCH_KAFKA_SASL_PASSWORD!);

        const stoppedAt = Date.now();
        expect(await service.stop('SIGTERM')).toBe(0);
        expect(Date.now() - stoppedAt).toBeLessThan(12_000);
      } finally {
        await service.stop('SIGKILL');
      }

      const before = { slack: slack.requests.length, pd: pd.requests.length, hook: hook.requests.length };
      const again = new ServiceProcess(await freePort(), env);
      try {
        await again.waitReady();
        await new Promise((r) => setTimeout(r, 5_000));
        expect(await again.metric('auditwatch_events_consumed_total')).toBe(0);
        expect({ slack: slack.requests.length, pd: pd.requests.length, hook: hook.requests.length }).toEqual(before);
        expect(await again.stop('SIGTERM')).toBe(0);
      } finally {
        await again.stop('SIGKILL');
      }
    }, 180_000);
  },
);
