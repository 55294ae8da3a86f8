import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeWebhookReceiver } from '../support/fake-sinks.js';
import { drained, duplicates, groundTruth, produceEvents } from '../support/ground-truth.js';
import { recordReliability } from '../support/reliability-report.js';
import { scenario } from '../support/scenario.js';
import { freePort, ServiceProcess, until } from '../support/service-process.js';
import { requireServices, services } from '../support/services.js';

const run = promisify(execFile);
const SCRIPT = new URL('../../scripts/local-services.sh', import.meta.url).pathname;
const START = '2026-04-07T18:00:00.000Z';

describe.skipIf(services() === null)('Kafka broker restart mid-stream (a broker of the test’s own)', () => {
  const servicesDir = mkdtempSync(join(tmpdir(), 'aw-broker-restart-'));
  const script = (...args: string[]) => run('bash', [SCRIPT, ...args], { env: { ...process.env, AUDITWATCH_SERVICES_DIR: servicesDir }, timeout: 180_000 });
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    await script('clean').catch(() => undefined);
  });

  it('reconnects by itself: no loss, no duplicate', async () => {
    const s = requireServices();
    await script('start', 'kafka');
    const brokers = /AUDITWATCH_KAFKA_BROKERS=(\S+)/.exec((await script('env')).stdout)![1]!;
    const events = scenario({ start: START, episodes: 10, noise: 200, seed: 41 });
    const expected = await groundTruth(events);
    const ids = expected.map((a) => a.id).sort();

    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const hook = await startFakeWebhookReceiver({ secret });
    cleanup.push(() => hook.close());
    const kafka = new Kafka({ clientId: 'aw-broker-restart', brokers: brokers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 30, maxRetryTime: 2_000 } });
    const admin = kafka.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const topic = `aw-broker-restart-${randomUUID()}`;
    const group = `aw-broker-restart-${randomUUID()}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    const half = Math.floor(events.length / 2);
    await produceEvents(producer, topic, events.slice(0, half), START);

    const service = new ServiceProcess(await freePort(), {
      AUDITWATCH_KAFKA_BROKERS: brokers,
      AUDITWATCH_KAFKA_TOPIC: topic,
      AUDITWATCH_KAFKA_GROUP_ID: group,
      AUDITWATCH_KAFKA_FROM_BEGINNING: 'true',
      AUDITWATCH_REDIS_URL: s.redisUrl,
      AUDITWATCH_REDIS_PREFIX: `aw-broker-restart-${group}`,
      AUDITWATCH_WEBHOOK_URL: hook.url,
      AUDITWATCH_WEBHOOK_SECRET: secret,
      AUDITWATCH_LOG_LEVEL: 'warn',
    });
    cleanup.push(() => service.stop('SIGKILL'));
    await service.waitReady();
    await until(async () => (await service.metric('auditwatch_events_consumed_total')) > 0, 60_000, 'consumption to start');

    await script('restart', 'kafka');
    await produceEvents(producer, topic, events.slice(half), START);
    await until(() => drained(admin, topic, group), 180_000, 'the topic to drain after the restart');
    await until(() => new Set(hook.deliveries.map((d) => d.id)).size >= ids.length, 60_000, 'deliveries');
    await new Promise((r) => setTimeout(r, 2_000));

    const delivered = hook.deliveries.map((d) => d.id);
    const twice = duplicates(delivered);
    recordReliability({
      test: 'Kafka broker restart',
      load: `${events.length} events, 3 partitions`,
      faults: 'the only broker restarted mid-stream',
      expected: ids.length,
      delivered: new Set(delivered).size,
      duplicated: twice.length,
      result: twice.length === 0 && [...new Set(delivered)].sort().join() === ids.join() ? 'pass' : 'fail',
    });
    expect([...new Set(delivered)].sort()).toEqual(ids);
    expect(twice).toEqual([]);
    expect(await service.stop('SIGTERM')).toBe(0);
  }, 600_000);
});
