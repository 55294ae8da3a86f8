import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeWebhookReceiver } from '../support/fake-sinks.js';
import { drained, duplicates, groundTruth, plainKafka, produceEvents } from '../support/ground-truth.js';
import { recordReliability } from '../support/reliability-report.js';
import { scenario } from '../support/scenario.js';
import { freePort, ServiceProcess, until } from '../support/service-process.js';
import { requireServices, services } from '../support/services.js';

const START = '2026-04-06T18:00:00.000Z';

describe.skipIf(services() === null)('rebalance: two replicas in one group', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('one joins late, the other stops mid-stream: the replay’s alerts, once each', async () => {
    const s = requireServices();
    const events = scenario({ start: START, episodes: 20, noise: 300, seed: 31 });
    const expected = await groundTruth(events);
    const ids = expected.map((a) => a.id).sort();

    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const hook = await startFakeWebhookReceiver({ secret });
    cleanup.push(() => hook.close());
    const kafka = plainKafka(s, 'aw-rebalance');
    const admin = kafka.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const topic = `aw-rebalance-${randomUUID()}`;
    const group = `aw-rebalance-${randomUUID()}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
    cleanup.push(() => admin.deleteTopics({ topics: [topic] }));
    const producer = kafka.producer();
    await producer.connect();
    cleanup.push(() => producer.disconnect());

    const env = (instance: string) => ({
      AUDITWATCH_KAFKA_BROKERS: s.kafkaBrokers.join(','),
      AUDITWATCH_KAFKA_TOPIC: topic,
      AUDITWATCH_KAFKA_GROUP_ID: group,
      AUDITWATCH_KAFKA_FROM_BEGINNING: 'true',
      AUDITWATCH_KAFKA_SESSION_TIMEOUT: '6s',
      AUDITWATCH_REDIS_URL: s.redisUrl,
      AUDITWATCH_REDIS_PREFIX: `aw-rebalance-${group}`,
      AUDITWATCH_INSTANCE_ID: instance,
      AUDITWATCH_WEBHOOK_URL: hook.url,
      AUDITWATCH_WEBHOOK_SECRET: secret,
      AUDITWATCH_LOG_LEVEL: 'warn',
    });

    const producing = (async () => {
      const chunk = Math.ceil(events.length / 30);
      for (let i = 0; i < events.length; i += chunk) {
        await produceEvents(producer, topic, events.slice(i, i + chunk), START);
        await new Promise((r) => setTimeout(r, 1_000));
      }
    })();

    const first = new ServiceProcess(await freePort(), env('replica-a'));
    cleanup.push(() => first.stop('SIGKILL'));
    await first.waitReady();
    await until(async () => (await first.metric('auditwatch_events_consumed_total')) > events.length / 5, 60_000, 'the first replica to make progress');

    const second = new ServiceProcess(await freePort(), env('replica-b'));
    cleanup.push(() => second.stop('SIGKILL'));
    await second.waitReady();
    await until(async () => (await second.metric('auditwatch_events_consumed_total')) > 0, 60_000, 'the late replica to get partitions');
    expect(await first.metric('auditwatch_rebalances_total')).toBeGreaterThan(0);

    expect(await first.stop('SIGTERM')).toBe(0);
    await producing;
    await until(() => drained(admin, topic, group), 120_000, 'the topic to drain');
    await until(() => new Set(hook.deliveries.map((d) => d.id)).size >= ids.length, 60_000, 'deliveries');
    await new Promise((r) => setTimeout(r, 2_000));

    const delivered = hook.deliveries.map((d) => d.id);
    const twice = duplicates(delivered);
    recordReliability({
      test: 'Rebalance',
      load: `${events.length} events, 4 partitions, produced over ~30 s`,
      faults: 'second replica joins late; first replica stopped (SIGTERM) mid-stream',
      expected: ids.length,
      delivered: new Set(delivered).size,
      duplicated: twice.length,
      result: twice.length === 0 && [...new Set(delivered)].sort().join() === ids.join() ? 'pass' : 'fail',
    });
    expect([...new Set(delivered)].sort()).toEqual(ids);
    expect(twice).toEqual([]);
    expect(await second.stop('SIGTERM')).toBe(0);
  }, 600_000);
});
