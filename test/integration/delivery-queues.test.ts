import { randomUUID } from 'node:crypto';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryQueues, QUEUE_NAME, queuePrefix } from '../../src/delivery/delivery-queues.js';
import { alertFixture } from '../support/fake-sinks.js';
import { until } from '../support/service-process.js';
import { deleteKeys, requireServices, services } from '../support/services.js';

const opened: Array<{ queues: DeliveryQueues; redis: Redis; prefix: string }> = [];
function open(sinks = ['slack', 'pagerduty']): DeliveryQueues {
  const redis = new Redis(requireServices().redisUrl, { maxRetriesPerRequest: 2 });
  const prefix = `aw-test-${randomUUID()}`;
  const queues = new DeliveryQueues(redis, prefix, sinks, () => undefined);
  opened.push({ queues, redis, prefix });
  return queues;
}
afterEach(async () => {
  for (const { queues, redis, prefix } of opened.splice(0)) {
    await queues.close();
    redis.disconnect();
    await deleteKeys(requireServices().redisUrl, prefix);
  }
});

const alert = (id: string) => alertFixture({ id: id.padEnd(32, '0') });

describe.skipIf(services() === null)('DeliveryQueues (real Redis)', () => {
  it('adds each alert id once per routed sink, also when it is raised again after delivery', async () => {
    const queues = open();
    await queues.add([
      { alert: alert('a1'), sinks: ['slack', 'pagerduty'] },
      { alert: alert('a2'), sinks: ['slack'] },
      { alert: alert('a3'), sinks: [] },
    ]);
    await queues.add([{ alert: alert('a1'), sinks: ['slack', 'pagerduty'] }]);
    expect((await queues.stats('slack')).pending).toBe(2);
    expect((await queues.stats('pagerduty')).pending).toBe(1);

    // Delivered (completed), then raised again, as after a crash before the offset commit: still nothing new.
    const slack = queues.queue('slack');
    const connection = new Redis(requireServices().redisUrl, { maxRetriesPerRequest: null });
    const worker = new Worker(QUEUE_NAME, () => Promise.resolve(), {
      connection,
      prefix: queuePrefix(queues.prefix, 'slack'),
    });
    try {
      await until(async () => (await slack.getJobCounts('completed')).completed === 2, 10_000, 'deliveries');
    } finally {
      await worker.close();
      connection.disconnect();
    }
    await queues.add([
      { alert: alert('a1'), sinks: ['slack'] },
      { alert: alert('a2'), sinks: ['slack'] },
    ]);
    expect(await slack.getJobCounts('waiting', 'completed')).toEqual({ waiting: 0, completed: 2 });
  });

  it('reports the age of the oldest undelivered alert and drops index entries of finished or missing jobs', async () => {
    const queues = open(['webhook']);
    const t0 = Date.now() - 600_000;
    await queues.add([{ alert: alert('old'), sinks: ['webhook'] }], t0);
    await queues.add([{ alert: alert('new'), sinks: ['webhook'] }], t0 + 300_000);
    expect((await queues.stats('webhook', t0 + 900_000)).oldestSeconds).toBe(900);

    await queues.queue('webhook').remove(alert('old').id); // its index entry is left behind, as after a crash
    expect((await queues.stats('webhook', t0 + 900_000)).oldestSeconds).toBe(600);
    await queues.queue('webhook').remove(alert('new').id);
    expect(await queues.stats('webhook')).toEqual({ pending: 0, oldestSeconds: 0 });
  });

  it('keeps every key of a sink under one hash tag (one Redis Cluster slot)', async () => {
    const queues = open(['webhook']);
    await queues.add([{ alert: alert('k1'), sinks: ['webhook'] }]);
    const client = new Redis(requireServices().redisUrl);
    const keys = await client.keys(`${queues.prefix}*`);
    client.disconnect();
    expect(keys.length).toBeGreaterThan(3);
    expect(keys.every((k) => k.startsWith(`${queues.prefix}:{delivery-webhook}:`))).toBe(true);
  });
});
