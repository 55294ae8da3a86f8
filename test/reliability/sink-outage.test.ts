import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeSlack, startFakeWebhookReceiver } from '../support/fake-sinks.js';
import { drained, duplicates, groundTruth, plainKafka, produceEvents } from '../support/ground-truth.js';
import { recordReliability } from '../support/reliability-report.js';
import { scenario } from '../support/scenario.js';
import { freePort, ServiceProcess, until } from '../support/service-process.js';
import { requireServices, services } from '../support/services.js';

const START = '2026-04-05T18:00:00.000Z';
const RETRY_AFTER_S = 5;

describe.skipIf(services() === null)('sink outage: 500s, then 429 with Retry-After, for a minute', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('delivers every alert once the sink recovers, honours Retry-After, and does not delay the other sinks', async () => {
    const s = requireServices();
    const events = scenario({ start: START, episodes: 3, noise: 40, seed: 21 });
    const expected = await groundTruth(events);
    const ids = expected.map((a) => a.id).sort();

    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const [hook, slack] = await Promise.all([startFakeWebhookReceiver({ secret }), startFakeSlack()]);
    cleanup.push(() => hook.close(), () => slack.close());
    hook.failFor(20_000, 500);
    const outageEnds = Date.now() + 60_000;
    const switchTo429 = setTimeout(() => hook.failFor(40_000, 429, { retryAfter: RETRY_AFTER_S }), 20_000);
    cleanup.push(async () => clearTimeout(switchTo429));

    const kafka = plainKafka(s, 'aw-sink-outage');
    const admin = kafka.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const topic = `aw-sink-outage-${randomUUID()}`;
    const group = `aw-sink-outage-${randomUUID()}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    cleanup.push(() => admin.deleteTopics({ topics: [topic] }));
    const producer = kafka.producer();
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    await produceEvents(producer, topic, events, START);

    const service = new ServiceProcess(await freePort(), {
      AUDITWATCH_KAFKA_BROKERS: s.kafkaBrokers.join(','),
      AUDITWATCH_KAFKA_TOPIC: topic,
      AUDITWATCH_KAFKA_GROUP_ID: group,
      AUDITWATCH_KAFKA_FROM_BEGINNING: 'true',
      AUDITWATCH_REDIS_URL: s.redisUrl,
      AUDITWATCH_REDIS_PREFIX: `aw-sink-outage-${randomUUID()}`,
      AUDITWATCH_WEBHOOK_URL: hook.url,
      AUDITWATCH_WEBHOOK_SECRET: secret,
      AUDITWATCH_SLACK_WEBHOOK_URL: slack.url,
      AUDITWATCH_LOG_LEVEL: 'warn',
    });
    cleanup.push(() => service.stop('SIGKILL'));
    await service.waitReady();

    // The healthy sink gets everything while the other is still down.
    await until(() => slack.messages.length >= ids.length, 30_000, 'Slack deliveries');
    expect(Date.now()).toBeLessThan(outageEnds);
    expect(hook.deliveries).toHaveLength(0);
    await until(() => drained(admin, topic, group), 30_000, 'the topic to drain');

    await until(() => new Set(hook.deliveries.map((d) => d.id)).size >= ids.length, 240_000, 'webhook deliveries after the outage');
    await new Promise((r) => setTimeout(r, 2_000));
    const delivered = hook.deliveries.map((d) => d.id);
    const twice = duplicates(delivered);

    const refused = hook.requests.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      const next = hook.requests.find((n) => n.receivedAt > r.receivedAt);
      if (next !== undefined) expect(next.receivedAt - r.receivedAt).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000 - 50);
    }
    expect(hook.requests.filter((r) => r.status === 500).length).toBeGreaterThan(0);

    recordReliability({
      test: 'Sink outage',
      load: `${events.length} events`,
      faults: `webhook answers 500 for 20 s, then 429 (Retry-After ${RETRY_AFTER_S} s) for 40 s`,
      expected: ids.length,
      delivered: new Set(delivered).size,
      duplicated: twice.length,
      result: twice.length === 0 && [...new Set(delivered)].sort().join() === ids.join() ? 'pass' : 'fail',
    });
    expect([...new Set(delivered)].sort()).toEqual(ids);
    expect(twice).toEqual([]);
    expect(slack.messages).toHaveLength(ids.length);
    expect(await service.metric('auditwatch_deliveries_total', { sink: 'webhook', outcome: 'retry' })).toBeGreaterThan(0);
    expect(await service.stop('SIGTERM')).toBe(0);
  }, 600_000);
});
