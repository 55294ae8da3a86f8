import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeSlack, startFakeWebhookReceiver } from '../support/fake-sinks.js';
import { drained, duplicates, groundTruth, plainKafka, produceEvents } from '../support/ground-truth.js';
import { recordReliability } from '../support/reliability-report.js';
import { random, scenario } from '../support/scenario.js';
import { freePort, ServiceProcess, until } from '../support/service-process.js';
import { requireServices, services } from '../support/services.js';

const START = '2026-04-04T18:00:00.000Z';
const KILLS = 10;

describe.skipIf(services() === null)('crash loop: SIGKILL at random moments', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it(`delivers exactly the replay's alerts after ${KILLS} kills mid-stream`, async () => {
    const s = requireServices();
    const events = scenario({ start: START, episodes: 40, noise: 480, seed: 11 });
    expect(events.length).toBeGreaterThanOrEqual(20_000);
    const expected = await groundTruth(events);
    const ids = expected.map((a) => a.id).sort();

    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const [hook, slack] = await Promise.all([startFakeWebhookReceiver({ secret }), startFakeSlack()]);
    cleanup.push(() => hook.close(), () => slack.close());
    const kafka = plainKafka(s, 'aw-crash-loop');
    const admin = kafka.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const topic = `aw-crash-${randomUUID()}`;
    const group = `aw-crash-${randomUUID()}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    cleanup.push(() => admin.deleteTopics({ topics: [topic] }));
    const producer = kafka.producer();
    await producer.connect();
    cleanup.push(() => producer.disconnect());

    const env = {
      AUDITWATCH_KAFKA_BROKERS: s.kafkaBrokers.join(','),
      AUDITWATCH_KAFKA_TOPIC: topic,
      AUDITWATCH_KAFKA_GROUP_ID: group,
      AUDITWATCH_KAFKA_FROM_BEGINNING: 'true',
      AUDITWATCH_KAFKA_SESSION_TIMEOUT: '6s',
      AUDITWATCH_REDIS_URL: s.redisUrl,
      AUDITWATCH_REDIS_PREFIX: `aw-crash-${randomUUID()}`,
      AUDITWATCH_WEBHOOK_URL: hook.url,
      AUDITWATCH_WEBHOOK_SECRET: secret,
      AUDITWATCH_SLACK_WEBHOOK_URL: slack.url,
      AUDITWATCH_LOG_LEVEL: 'warn',
    };

    // The stream arrives over about a minute while the service is killed and restarted.
    const producing = (async () => {
      const chunk = Math.ceil(events.length / 60);
      for (let i = 0; i < events.length; i += chunk) {
        await produceEvents(producer, topic, events.slice(i, i + chunk), START);
        await new Promise((r) => setTimeout(r, 1_000));
      }
    })();

    const rnd = random(5);
    let service = new ServiceProcess(await freePort(), env);
    for (let kill = 0; kill < KILLS; kill++) {
      await service.waitReady(60_000);
      await new Promise((r) => setTimeout(r, 500 + rnd() * 2_500));
      await service.stop('SIGKILL');
      service = new ServiceProcess(await freePort(), env);
    }
    cleanup.push(() => service.stop('SIGKILL'));
    await producing;
    await until(() => drained(admin, topic, group), 180_000, 'the topic to drain');
    await until(() => new Set(hook.deliveries.map((d) => d.id)).size >= ids.length && slack.messages.length >= ids.length, 60_000, 'deliveries');
    await new Promise((r) => setTimeout(r, 2_000));

    const delivered = hook.deliveries.map((d) => d.id);
    const twice = duplicates(delivered);
    recordReliability({
      test: 'Crash loop',
      load: `${events.length} events, 3 partitions, produced over ~60 s`,
      faults: `${KILLS} × SIGKILL at random moments, restarted each time`,
      expected: ids.length,
      delivered: new Set(delivered).size,
      duplicated: twice.length,
      result: twice.length === 0 && [...new Set(delivered)].sort().join() === ids.join() ? 'pass' : 'fail',
    });
    expect([...new Set(delivered)].sort()).toEqual(ids);
    expect(twice).toEqual([]);
    expect(slack.messages).toHaveLength(ids.length);
    expect(await service.stop('SIGTERM')).toBe(0);
  }, 600_000);
});
