import { afterAll, describe, expect, it } from 'vitest';
import { at, kafkaAuth, SECOND } from '../support/events.js';
import { FaultHarness } from '../support/fault-harness.js';
import { groundTruth } from '../support/ground-truth.js';
import { OwnRedis } from '../support/redis-server.js';
import { freePort, until } from '../support/service-process.js';
import { requireServices, services } from '../support/services.js';

const T = '2026-03-02T10:00:00.000Z';
const burst = (credential: string, offsetMs: number) =>
  [0, 1, 2, 3, 4].map((n) =>
    kafkaAuth({ time: at(T, offsetMs + n * SECOND), credential, ip: '203.0.113.5', ok: false }),
  );
const BEFORE = burst('BEFOREKEY0000001', 0);
const DURING = burst('DURINGKEY0000001', 60_000);

describe.skipIf(services() === null)('Redis outage (real Kafka, own Redis)', () => {
  let harness: FaultHarness | undefined;
  afterAll(() => harness?.close());

  it('pauses, reports not ready and commits nothing while Redis is down, then resumes by itself', async () => {
    const redis = new OwnRedis(await freePort());
    await redis.start();
    const h = await new FaultHarness(requireServices()).start(1);
    harness = h;
    h.onClose(() => redis.kill());
    const committed = async () =>
      (await h.admin.fetchOffsets({ groupId: h.group, topics: [h.topic] }))[0]!.partitions[0]!.offset;
    const send = (events: typeof BEFORE) =>
      h.producer.send({ topic: h.topic, messages: events.map((e) => ({ value: JSON.stringify(e) })) });

    const service = await h.service({ AUDITWATCH_REDIS_URL: redis.url, AUDITWATCH_LOG_LEVEL: 'info' });
    await service.waitReady();
    await send(BEFORE);
    await until(() => h.hook.deliveries.length === 1, 30_000, 'the first alert');
    expect(await committed()).toBe('5');

    await redis.kill();
    await until(async () => (await service.get('/readyz')).status === 503, 15_000, 'readiness to fail');
    expect((await service.get('/readyz')).text).toContain('redis');
    await send(DURING);
    await new Promise((r) => setTimeout(r, 10_000));
    expect(await committed()).toBe('5');
    expect(h.hook.deliveries).toHaveLength(1);

    await redis.start();
    await until(async () => (await service.get('/readyz')).status === 200, 30_000, 'readiness to return');
    await until(() => h.hook.deliveries.length === 2, 30_000, 'the alert of the outage window').catch(
      (error: unknown) => {
        throw new Error(
          `${error instanceof Error ? error.message : String(error)}; service logs:\n${service.logs.slice(-15).join('\n')}`,
        );
      },
    );
    await until(async () => (await committed()) === '10', 15_000, 'the commit after recovery');
    h.verdict(
      {
        test: 'Redis outage',
        load: '10 events in 2 bursts (one before, one during the outage)',
        faults: 'Redis killed for > 10 s and restarted empty (no persistence)',
      },
      (await groundTruth([...BEFORE, ...DURING])).map((a) => a.id),
    );
    expect(await service.metric('auditwatch_redis_errors_total')).toBeGreaterThan(0);
    expect(service.logs.some((l) => l.includes('Redis outage start'))).toBe(true);
    expect(service.logs.some((l) => l.includes('Redis outage end'))).toBe(true);
    expect(await service.stop('SIGTERM')).toBe(0);
  }, 120_000);
});
