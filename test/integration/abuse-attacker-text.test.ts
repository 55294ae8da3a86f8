import { randomBytes, randomUUID } from 'node:crypto';
import type { Admin } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/alert.js';
import { EVENT_FIELD_NAMES } from '../../src/decode/audit-event.js';
import { MAX_FIELD_LENGTH } from '../../src/decode/read.js';
import { AlertmanagerServer, alertmanagerBinary } from '../support/alertmanager-server.js';
import { at, controlPlane, kafkaAuth, kafkaAuthz, SECOND, type RawEvent } from '../support/events.js';
import { startFakePagerDuty, startFakeSlack, startFakeWebhookReceiver } from '../support/fake-sinks.js';
import { duplicates, groundTruth, plainKafka } from '../support/ground-truth.js';
import { ATTACKER_TEXT, CONTROL_OR_BIDI } from '../support/hostile-text.js';
import { recordReliability } from '../support/reliability-report.js';
import { freePort, ServiceProcess, until } from '../support/service-process.js';
import { deleteKeys, requireServices, services } from '../support/services.js';

const NASTY = ATTACKER_TEXT;
/** 100 KB after the payload: the decoder keeps 1,024 characters. */
const LONG = `${NASTY}${'W'.repeat(100 * 1024)}`;
/** A Tuesday noon in UTC: business hours, so only the attack rules fire. */
const T0 = '2026-03-10T12:00:00.000Z';
const CONTROL = CONTROL_OR_BIDI;
/** Label names an Alertmanager alert may carry: the sink's own four and event field names. */
const LABEL_NAMES = new Set(['alertname', 'severity', 'rule', 'auditwatch_alert_id', ...EVENT_FIELD_NAMES]);

if (alertmanagerBinary === undefined && process.env.CI === 'true') {
  throw new Error(
    'prometheus-alertmanager not found: run scripts/local-services.sh install (CI=true: failing instead of skipping)',
  );
}

/** Failed authentications with attacker-chosen credentials and messages; a grant and probing by attacker-named principals. */
function attack(): RawEvent[] {
  const events: RawEvent[] = [];
  const credentials = [NASTY, LONG, `${NASTY}#3`, `${NASTY}#4`, `${NASTY}#5`];
  credentials.forEach((credential, c) => {
    for (let n = 0; n < 5; n++) {
      const event = kafkaAuth({
        id: `evil-auth-${c}-${n}`,
        time: at(T0, (c * 5 + n) * SECOND),
        credential,
        ip: '203.0.113.66',
        ok: false,
        mechanism: NASTY,
      });
      (event.data as { result: { message: string } }).result.message = LONG;
      events.push(event);
    }
  });
  events.push(
    controlPlane({
      id: 'evil-grant',
      time: at(T0, 60 * SECOND),
      method: 'BindRoleForPrincipal',
      user: LONG,
      email: `${LONG}@evil.example`,
      ip: '203.0.113.66',
      resource: { type: 'ROLE_BINDING', resourceId: NASTY },
      requestData: { principal: `User:${LONG}`, role_name: 'OrganizationAdmin' },
    }),
  );
  for (let n = 0; n < 5; n++) {
    events.push(
      kafkaAuthz({
        id: `evil-probe-${n}`,
        time: at(T0, (70 + n) * SECOND),
        principal: `User:${NASTY}`,
        method: 'kafka.Metadata',
        operation: 'Describe',
        resourceType: 'Topic',
        resourceName: `${n}-${LONG}`,
        granted: false,
        clientId: LONG,
        ip: '203.0.113.66',
      }),
    );
  }
  return events;
}

/** Every string in a parsed JSON value, keys included. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
}

describe.skipIf(services() === null || alertmanagerBinary === undefined)(
  'attacker-controlled text through the running service to Slack, PagerDuty, a webhook and Alertmanager',
  () => {
    const cleanup: Array<() => Promise<unknown>> = [];
    afterAll(async () => {
      for (const step of cleanup.reverse()) await step().catch(() => undefined);
    });

    it('arrives as inert, bounded text in every sink, and the signed webhook carries the data', async () => {
      const s = requireServices();
      const events = attack();
      const expected: Alert[] = await groundTruth(events);
      const rules = expected.map((a) => a.rule);
      expect(rules.filter((r) => r === 'failed-auth-burst')).toHaveLength(5);
      expect(rules).toEqual(
        expect.arrayContaining(['credential-stuffing', 'privileged-role-granted', 'permission-probing']),
      );
      const paging = expected.filter((a) => a.severity === 'high' || a.severity === 'critical');

      const admin: Admin = plainKafka(s, 'aw-abuse-text').admin();
      await admin.connect();
      cleanup.push(() => admin.disconnect());
      const topic = `aw-abuse-text-${randomUUID()}`;
      const group = `aw-abuse-text-${randomUUID()}`;
      const prefix = `aw-abuse-text-${randomUUID()}`;
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      cleanup.push(() => admin.deleteTopics({ topics: [topic] }));
      const producer = plainKafka(s, 'aw-abuse-text').producer();
      await producer.connect();
      // One event per request: each is a few hundred KB and the broker takes 1 MB per batch.
      for (const e of events) await producer.send({ topic, messages: [{ value: JSON.stringify(e) }] });
      await producer.disconnect();

      const secret = `whsec_${randomBytes(24).toString('base64')}`;
      const [slack, pd, hook] = await Promise.all([
        startFakeSlack(),
        startFakePagerDuty(),
        startFakeWebhookReceiver({ secret }),
      ]);
      cleanup.push(
        () => slack.close(),
        () => pd.close(),
        () => hook.close(),
      );
      const alertmanager = await AlertmanagerServer.start();
      cleanup.push(() => alertmanager.stop());
      cleanup.push(() => admin.deleteGroups([group]));
      cleanup.push(() => deleteKeys(s.redisUrl, prefix));

      const service = new ServiceProcess(await freePort(), {
        AUDITWATCH_KAFKA_BROKERS: s.kafkaBrokers.join(','),
        AUDITWATCH_KAFKA_SASL_USERNAME: undefined,
        AUDITWATCH_KAFKA_SASL_PASSWORD: undefined,
        AUDITWATCH_KAFKA_TOPIC: topic,
        AUDITWATCH_KAFKA_GROUP_ID: group,
        AUDITWATCH_KAFKA_FROM_BEGINNING: 'true',
        AUDITWATCH_REDIS_URL: s.redisUrl,
        AUDITWATCH_REDIS_PREFIX: prefix,
        AUDITWATCH_SLACK_WEBHOOK_URL: slack.url,
        AUDITWATCH_PAGERDUTY_ROUTING_KEY: `R${randomBytes(15).toString('hex')}`,
        AUDITWATCH_PAGERDUTY_URL: pd.url,
        AUDITWATCH_WEBHOOK_URL: hook.url,
        AUDITWATCH_WEBHOOK_SECRET: secret,
        AUDITWATCH_ALERTMANAGER_URL: alertmanager.url,
        AUDITWATCH_SHUTDOWN_GRACE: '10s',
      });
      cleanup.push(() => service.stopGracefully());
      await service.waitReady();
      await until(
        () =>
          slack.requests.length >= expected.length &&
          pd.requests.length >= paging.length &&
          hook.requests.length >= expected.length,
        40_000,
        'deliveries',
      );
      // Every alert (the default route gives Alertmanager all of them), each once: the events are old, the alerts still active.
      const amAlerts = await alertmanager.waitForAlerts(expected.length);
      await new Promise((r) => setTimeout(r, 1_500)); // time for a duplicate to show up

      const webhookIds = hook.deliveries.map((d) => d.id);
      recordReliability({
        test: 'Attacker-controlled text',
        load: `${events.length} events whose credentials, principals, e-mails, resource names, client ids and messages carry Slack mentions and links, Markdown, HTML, control and bidi characters, 100 KB each`,
        faults: 'hostile text to Slack, PagerDuty and a signed webhook',
        expected: expected.length,
        delivered: new Set(webhookIds.filter((id) => expected.some((a) => a.id === id))).size,
        duplicated: duplicates(webhookIds).length,
      });

      // Slack: every message accepted (the fake checks Block Kit limits), no live mention, link, tag or formatting.
      expect(slack.requests.map((r) => r.status)).toEqual(expected.map(() => 200));
      for (const { raw } of slack.requests) {
        for (const live of [
          '<!',
          '<http',
          '<@',
          '<#',
          '<script',
          '<img',
          '\\u0000',
          '\\u202e',
          '\u202e',
          '\\u2028',
          '\u2028',
        ])
          expect(raw.includes(live), `${live} in Slack payload`).toBe(false);
        expect(raw.length).toBeLessThan(40_000);
      }
      const slackTexts = slack.messages.flatMap(strings);
      for (const text of slackTexts) {
        expect(CONTROL.test(text), JSON.stringify(text.slice(0, 120))).toBe(false);
        const outsideCode = text.replace(/`[^`]*`/g, '');
        for (const live of ['*bold*', '_it_', '~strike~', '@here', '@channel', '@everyone', '<', '>'])
          expect(
            outsideCode.includes(live),
            `${live} outside code in ${JSON.stringify(outsideCode.slice(0, 120))}`,
          ).toBe(false);
      }
      expect(
        slackTexts.some((t) => t.includes('&lt;!channel&gt;')),
        'the attacker text is still there, as text',
      ).toBe(true);

      // PagerDuty: every event accepted, summary within 1,024 characters, every string flat and bounded.
      expect(pd.requests.map((r) => r.status)).toEqual(paging.map(() => 202));
      expect(pd.events.map((e) => e.dedup_key).sort()).toEqual(paging.map((a) => a.id).sort());
      for (const { payload } of pd.events) {
        expect((payload.summary as string).length).toBeLessThanOrEqual(1024);
        for (const text of strings(payload)) {
          expect(CONTROL.test(text), JSON.stringify(text.slice(0, 120))).toBe(false);
          expect(text.length).toBeLessThanOrEqual(1024);
        }
      }

      // Webhook: valid JSON, signature verified, the alert as data (exact attacker text, cut by the decoder), every string bounded.
      expect(hook.verifications.every((v) => v.ok)).toBe(true);
      expect(webhookIds.slice().sort()).toEqual(expected.map((a) => a.id).sort());
      for (const { raw } of hook.requests) expect(() => JSON.parse(raw) as unknown).not.toThrow();
      const alerts = hook.deliveries.map((d) => (d.body as { data: Alert }).data);
      for (const alert of alerts) {
        for (const text of strings(alert)) expect(text.length).toBeLessThanOrEqual(MAX_FIELD_LENGTH);
        expect(CONTROL.test(alert.summary), alert.summary.slice(0, 120)).toBe(false);
      }
      const keys = alerts.filter((a) => a.rule === 'failed-auth-burst').map((a) => a.key.credentialId);
      expect(keys).toContain(NASTY);
      expect(keys).toContain(`${LONG.slice(0, MAX_FIELD_LENGTH - 1)}…`);

      // Alertmanager: one alert per alert id, label names only from the fixed set, every value flat and bounded.
      expect(amAlerts.map((a) => a.labels.auditwatch_alert_id).sort()).toEqual(expected.map((a) => a.id).sort());
      for (const alert of amAlerts) {
        for (const name of Object.keys(alert.labels)) expect(LABEL_NAMES.has(name), name).toBe(true);
        for (const text of [...Object.values(alert.labels), ...Object.values(alert.annotations)]) {
          expect(CONTROL.test(text), JSON.stringify(text.slice(0, 120))).toBe(false);
          expect(text.length).toBeLessThanOrEqual(1024);
        }
        for (const value of Object.values(alert.labels)) expect(value.length).toBeLessThanOrEqual(256);
      }
      const amKeys = amAlerts.filter((a) => a.labels.rule === 'failed-auth-burst').map((a) => a.labels.credentialId);
      expect(
        amKeys.some((k) => k!.startsWith('<!channel> <!here>')),
        'the attacker text is still there, as a label value',
      ).toBe(true);

      // The attacker's text reached no log line.
      expect(service.logs.filter((l) => l.includes('evil.example') || l.includes('<!channel>'))).toEqual([]);
      expect(await service.stop('SIGTERM')).toBe(0);
    }, 90_000);
  },
);
