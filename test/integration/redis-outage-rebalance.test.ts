import { afterAll, describe, expect, it } from 'vitest';
import { at, kafkaAuth, SECOND } from '../support/events.js';
import { FaultHarness } from '../support/fault-harness.js';
import { drained, groundTruth, plainKafka } from '../support/ground-truth.js';
import { OwnRedis } from '../support/redis-server.js';
import { freePort, until } from '../support/service-process.js';
import { requireServices, services } from '../support/services.js';

const T = '2026-06-01T10:00:00.000Z';
const burst = (credential: string, offsetMs: number) =>
  [0, 1, 2, 3, 4].map((n) =>
    kafkaAuth({ time: at(T, offsetMs + n * SECOND), credential, ip: '203.0.113.8', ok: false }),
  );
const EVENTS = [burst('REBALANCEKEY0001', 0), burst('REBALANCEKEY0002', 60_000)];
/**
 * KafkaJS's default rebalance timeout (60 s): how long the coordinator waits for a member that does
 * not re-join. A member stuck in a batch joins only when it gives up, so a join that takes this long
 * means the stuck member held the rebalance up.
 */
const REBALANCE_TIMEOUT_MS = 60_000;

describe.skipIf(services() === null)('a rebalance during a Redis outage (real Kafka, own Redis)', () => {
  let harness: FaultHarness | undefined;
  afterAll(() => harness?.close());

  it('completes while the service retries; the partitions move and the service catches up after the outage', async () => {
    const redis = new OwnRedis(await freePort());
    await redis.start();
    const h = await new FaultHarness(requireServices()).start(2);
    harness = h;
    h.onClose(() => redis.kill());
    const service = await h.service({
      AUDITWATCH_REDIS_URL: redis.url,
      AUDITWATCH_LOG_LEVEL: 'info',
      AUDITWATCH_KAFKA_SESSION_TIMEOUT: '10s',
    });
    await service.waitReady();

    await redis.kill();
    await h.producer.send({
      topic: h.topic,
      messages: EVENTS.flatMap((events, partition) => events.map((e) => ({ partition, value: JSON.stringify(e) }))),
    });
    const retrying = (partition: number) =>
      service.logs.some((l) => l.includes('Redis outage start') && l.includes(`"partition":${partition},`));
    await until(() => retrying(0) && retrying(1), 30_000, 'both partitions to retry');
    const readyz = await service.get('/readyz');
    expect(readyz.status).toBe(503);
    expect(readyz.text).toContain(`${h.topic}/0, ${h.topic}/1`);

    // A second member joins: the group rebalances while the service's batches wait for Redis.
    const member = plainKafka(requireServices(), 'aw-rebalance-member').consumer({
      groupId: h.group,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
    });
    h.onClose(() => member.disconnect());
    let joinedAt = 0;
    member.on(member.events.GROUP_JOIN, () => (joinedAt ||= Date.now()));
    const asked = Date.now();
    await member.connect();
    await member.subscribe({ topic: h.topic, fromBeginning: true });
    await member.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: () => Promise.resolve() });
    await until(() => joinedAt > 0, REBALANCE_TIMEOUT_MS + 15_000, 'the second member to join');
    expect(joinedAt - asked, 'the rebalance waited for the service').toBeLessThan(REBALANCE_TIMEOUT_MS / 2);
    await until(
      () => service.logs.filter((l) => l.includes('joined consumer group')).length >= 2,
      15_000,
      'the service to re-join',
    );

    // The member leaves without committing anything; the service takes both partitions back and, with Redis back, catches up.
    await member.disconnect();
    await redis.start();
    const expected = (await groundTruth(EVENTS.flat())).map((a) => a.id);
    await until(() => expected.every((id) => h.deliveredIds().includes(id)), 60_000, 'the alerts of the outage');
    await until(() => drained(h.admin, h.topic, h.group), 30_000, 'the commits after the outage');
    await until(async () => (await service.get('/readyz')).status === 200, 30_000, 'readiness to return');
    expect([...new Set(h.deliveredIds())].sort()).toEqual([...expected].sort());
    expect(await service.stop('SIGTERM')).toBe(0);
  }, 180_000);
});
