import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/alert.js';
import { startFakeWebhookReceiver } from '../support/fake-sinks.js';
import { drained, groundTruth, plainKafka } from '../support/ground-truth.js';
import { random, scenario } from '../support/scenario.js';
import { freePort, ServiceProcess, until } from '../support/service-process.js';
import { requireServices, services } from '../support/services.js';

const START = '2026-04-08T18:00:00.000Z';
const episode = (a: Pick<Alert, 'rule' | 'key'>) => `${a.rule} ${JSON.stringify(a.key)}`;

describe.skipIf(services() === null)('events of one burst spread over partitions in no particular order', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('still raise one alert per burst, as replay does', async () => {
    const s = requireServices();
    const events = scenario({ start: START, episodes: 4, noise: 30, seed: 51 });
    const expected = (await groundTruth(events)).map(episode).sort();
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const hook = await startFakeWebhookReceiver({ secret });
    cleanup.push(() => hook.close());
    const kafka = plainKafka(s, 'aw-partition-order');
    const admin = kafka.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const topic = `aw-order-${randomUUID()}`;
    const group = `aw-order-${randomUUID()}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    cleanup.push(() => admin.deleteTopics({ topics: [topic] }));
    const producer = kafka.producer();
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    // Every event to a random partition, the partitions filled in turn: later events of a burst are often read first.
    const rnd = random(8);
    const byPartition: string[][] = [[], [], []];
    for (const e of events) byPartition[Math.floor(rnd() * 3)]!.push(JSON.stringify(e));
    for (const [partition, values] of [...byPartition.entries()].reverse()) {
      await producer.send({ topic, messages: values.map((value) => ({ value, partition })) });
    }

    const service = new ServiceProcess(await freePort(), {
      AUDITWATCH_KAFKA_BROKERS: s.kafkaBrokers.join(','),
      AUDITWATCH_KAFKA_TOPIC: topic,
      AUDITWATCH_KAFKA_GROUP_ID: group,
      AUDITWATCH_KAFKA_FROM_BEGINNING: 'true',
      AUDITWATCH_REDIS_URL: s.redisUrl,
      AUDITWATCH_REDIS_PREFIX: `aw-order-${group}`,
      AUDITWATCH_WEBHOOK_URL: hook.url,
      AUDITWATCH_WEBHOOK_SECRET: secret,
      AUDITWATCH_LOG_LEVEL: 'warn',
    });
    cleanup.push(() => service.stop('SIGKILL'));
    await service.waitReady();
    await until(() => drained(admin, topic, group), 60_000, 'the topic to drain');
    await until(() => hook.deliveries.length >= expected.length, 30_000, 'deliveries');
    await new Promise((r) => setTimeout(r, 1_000));
    const got = hook.deliveries.map((d) => episode((d.body as { data: Alert }).data)).sort();
    expect(got).toEqual(expected);
  }, 120_000);
});
