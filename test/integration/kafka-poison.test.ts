import { randomUUID } from 'node:crypto';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { at, kafkaAuth, SECOND, type RawEvent } from '../support/events.js';
import { FaultHarness } from '../support/fault-harness.js';
import { drained, groundTruth, plainKafka } from '../support/ground-truth.js';
import { until } from '../support/service-process.js';
import { deleteKeys, requireServices, services } from '../support/services.js';

const T = '2026-05-04T10:00:00.000Z';
const burst = (credential: string, offsetMs: number) =>
  [0, 1, 2, 3, 4].map((n) =>
    kafkaAuth({ time: at(T, offsetMs + n * SECOND), credential, ip: '203.0.113.7', ok: false }),
  );
const POISON_CREDENTIAL = 'POISONKEY0000001';

/** One chunk: a burst, the poison record (offset 5), a burst; then, produced later, a third burst. */
function stream(poisonId: string): { first: RawEvent[]; later: RawEvent[]; poison: RawEvent } {
  const poison = kafkaAuth({
    id: poisonId,
    time: at(T, 30_000),
    credential: POISON_CREDENTIAL,
    ip: '198.51.100.9',
    ok: true,
  });
  return {
    first: [...burst('BEFOREPOISON0001', 0), poison, ...burst('AFTERPOISON00001', 60_000)],
    later: burst('LATERPOISON00001', 120_000),
    poison,
  };
}

const header = (headers: IHeaders | undefined, name: string) => headers?.[name]?.toString();

describe.skipIf(services() === null)(
  'a record that processing fails on every time (real broker, `node dist/main.js run`)',
  () => {
    let harness: FaultHarness | undefined;
    afterEach(async () => {
      if (harness === undefined) return;
      await harness.close();
      await deleteKeys(requireServices().redisUrl, `aw-fault-${harness.group}`);
    });

    async function run(withDeadLetters: boolean) {
      const h = await new FaultHarness(requireServices()).start(1);
      harness = h;
      const deadLetterTopic = `aw-poison-dlq-${randomUUID()}`;
      if (withDeadLetters) {
        await h.admin.createTopics({ topics: [{ topic: deadLetterTopic, numPartitions: 1 }], waitForLeaders: true });
        h.onClose(() => h.admin.deleteTopics({ topics: [deadLetterTopic] }));
      }
      const poisonId = `poison-${randomUUID()}`;
      const { first, later, poison } = stream(poisonId);
      const service = await h.service({
        NODE_ENV: 'test',
        AUDITWATCH_TEST_POISON_EVENT_ID: poisonId,
        AUDITWATCH_LOG_LEVEL: 'info',
        ...(withDeadLetters ? { AUDITWATCH_KAFKA_DLQ_TOPIC: deadLetterTopic } : {}),
      });
      await service.waitReady();
      const send = (events: RawEvent[]) =>
        h.producer.send({ topic: h.topic, messages: events.map((e) => ({ value: JSON.stringify(e) })) });
      await send(first);
      const expectedFirst = (await groundTruth(first.filter((e) => e !== poison))).map((a) => a.id);
      await until(
        () => expectedFirst.every((id) => h.deliveredIds().includes(id)),
        60_000,
        'the alerts of the records around the poison record',
      );
      await until(() => drained(h.admin, h.topic, h.group), 30_000, 'the commit past the poison record');
      await send(later);
      const expected = (await groundTruth([...first, ...later].filter((e) => e !== poison))).map((a) => a.id);
      await until(() => expected.every((id) => h.deliveredIds().includes(id)), 60_000, 'the alert of a later record');
      await until(() => drained(h.admin, h.topic, h.group), 30_000, 'the topic to drain');
      expect([...new Set(h.deliveredIds())].sort()).toEqual([...expected].sort());
      expect(await service.metric('auditwatch_records_skipped_total', { reason: 'processing_error' })).toBe(1);
      const logged = service.logs.filter((l) => l.includes('poison record:'));
      expect(logged).toHaveLength(1);
      expect(JSON.parse(logged[0]!)).toMatchObject({
        topic: h.topic,
        partition: 0,
        offset: '5',
        reason: 'processing_error',
      });
      expect(logged[0]).not.toContain(POISON_CREDENTIAL);
      expect(await service.stop('SIGTERM')).toBe(0);
      return { h, deadLetterTopic, poison };
    }

    it('goes to the dead-letter topic once, with reason headers; the records around it and after it are processed and committed', async () => {
      const { h, deadLetterTopic, poison } = await run(true);
      // Exactly one record on the dead-letter topic: the send is not repeated by the processing retries.
      const [partition] = await h.admin.fetchTopicOffsets(deadLetterTopic);
      expect(partition!.high).toBe('1');
      const consumer = plainKafka(requireServices(), 'aw-poison-dlq').consumer({
        groupId: `aw-poison-dlq-${randomUUID()}`,
      });
      const received: KafkaMessage[] = [];
      await consumer.connect();
      h.onClose(() => consumer.disconnect());
      await consumer.subscribe({ topic: deadLetterTopic, fromBeginning: true });
      await consumer.run({
        eachMessage: ({ message }) => {
          received.push(message);
          return Promise.resolve();
        },
      });
      await until(() => received.length === 1, 30_000, 'the dead-letter record');
      const [dead] = received;
      expect(JSON.parse(dead!.value!.toString())).toEqual(poison);
      expect(header(dead!.headers, 'auditwatch-reason')).toBe('processing_error');
      expect(header(dead!.headers, 'auditwatch-source')).toBe(`${h.topic}/0/5`);
    }, 180_000);

    it('without a dead-letter topic is skipped: counted and logged by position, and the partition goes on', async () => {
      await run(false);
    }, 180_000);
  },
);
