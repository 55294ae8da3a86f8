import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { at, kafkaAuth, SECOND } from '../support/events.js';
import { startFakeWebhookReceiver } from '../support/fake-sinks.js';
import { groundTruth } from '../support/ground-truth.js';
import { OwnRedis } from '../support/redis-server.js';
import { recordReliability } from '../support/reliability-report.js';
import { freePort, ServiceProcess, until } from '../support/service-process.js';
import { requireServices, services } from '../support/services.js';

const T = '2026-03-02T10:00:00.000Z';
const burst = (credential: string, offsetMs: number) => [0, 1, 2, 3, 4].map((n) => kafkaAuth({ time: at(T, offsetMs + n * SECOND), credential, ip: '203.0.113.5', ok: false }));
const BEFORE = burst('BEFOREKEY0000001', 0);
const DURING = burst('DURINGKEY0000001', 60_000);

describe.skipIf(services() === null)('Redis outage (real Kafka, own Redis)', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('pauses, reports not ready and commits nothing while Redis is down, then resumes by itself', async () => {
    const s = requireServices();
    const redis = new OwnRedis(await freePort());
    await redis.start();
    cleanup.push(() => redis.kill());
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const hook = await startFakeWebhookReceiver({ secret });
    cleanup.push(() => hook.close());
    const topic = `aw-outage-${randomUUID()}`;
    const group = `aw-outage-${randomUUID()}`;
    const kafka = new Kafka({ clientId: 'aw-outage', brokers: s.kafkaBrokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    cleanup.push(() => producer.disconnect());

    const service = new ServiceProcess(await freePort(), {
      AUDITWATCH_KAFKA_BROKERS: s.kafkaBrokers.join(','),
      AUDITWATCH_KAFKA_TOPIC: topic,
      AUDITWATCH_KAFKA_GROUP_ID: group,
      AUDITWATCH_KAFKA_FROM_BEGINNING: 'true',
      AUDITWATCH_REDIS_URL: redis.url,
      AUDITWATCH_WEBHOOK_URL: hook.url,
      AUDITWATCH_WEBHOOK_SECRET: secret,
    });
    cleanup.push(() => service.stop('SIGKILL'));
    await service.waitReady();

    await producer.send({ topic, messages: BEFORE.map((e) => ({ value: JSON.stringify(e) })) });
    await until(() => hook.deliveries.length === 1, 30_000, 'the first alert');
    const committedBefore = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    expect(committedBefore[0]!.partitions[0]!.offset).toBe('5');

    await redis.kill();
    await until(async () => (await service.get('/readyz')).status === 503, 15_000, 'readiness to fail');
    expect((await service.get('/readyz')).text).toContain('redis');
    await producer.send({ topic, messages: DURING.map((e) => ({ value: JSON.stringify(e) })) });
    await new Promise((r) => setTimeout(r, 10_000));
    const committedDuring = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    expect(committedDuring[0]!.partitions[0]!.offset).toBe('5');
    expect(hook.deliveries).toHaveLength(1);

    await redis.start();
    await until(async () => (await service.get('/readyz')).status === 200, 30_000, 'readiness to return');
    await until(() => hook.deliveries.length === 2, 30_000, 'the alert of the outage window').catch((error: Error) => {
      throw new Error(`${error.message}; service logs:\n${service.logs.slice(-15).join('\n')}`);
    });
    await until(async () => (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]!.partitions[0]!.offset === '10', 15_000, 'the commit after recovery');
    const ids = hook.deliveries.map((d) => d.id);
    recordReliability({
      test: 'Redis outage',
      load: '10 events in 2 bursts (one before, one during the outage)',
      faults: 'Redis killed for > 10 s and restarted empty (no persistence)',
      expected: (await groundTruth([...BEFORE, ...DURING])).length,
      delivered: new Set(ids).size,
      duplicated: ids.length - new Set(ids).size,
    });
    expect(await service.metric('auditwatch_redis_errors_total')).toBeGreaterThan(0);
    expect(service.logs.some((l) => l.includes('Redis outage start'))).toBe(true);
    expect(service.logs.some((l) => l.includes('Redis outage end'))).toBe(true);
    expect(await service.stop('SIGTERM')).toBe(0);
  }, 120_000);
});
