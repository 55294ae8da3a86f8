import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type EachMessagePayload } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { decodeRecord } from '../../src/decode/decode.js';
import { fixtureLines } from '../support/fixtures.js';
import { requireServices, services } from '../support/services.js';

const s = services();

function saslClient(password: string | undefined): Kafka {
  const { saslBrokers, saslUsername } = requireServices();
  return new Kafka({
    clientId: 'auditwatch-test',
    brokers: saslBrokers!,
    sasl: { mechanism: 'plain', username: saslUsername!, password: password ?? '' },
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  });
}

describe.skipIf(s === null)('Kafka over SASL/PLAIN (real broker)', () => {
  it('has a SASL listener (Confluent Cloud uses SASL_SSL/PLAIN)', () => {
    expect(requireServices().saslBrokers?.length).toBeGreaterThan(0);
  });

  it('produces real audit events and reads them back through a consumer group, decoding each', async () => {
    const kafka = saslClient(requireServices().saslPassword);
    const topic = `aw-test-decode-${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });

    const lines = fixtureLines('real-events.jsonl');
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: lines.map((value) => ({ value })) });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `aw-test-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const decoded = new Map<string, string | undefined>();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${decoded.size} of ${lines.length}`)), 45_000);
      void consumer.run({
        eachMessage: ({ message }: EachMessagePayload) => {
          const result = decodeRecord(message.value, { fallbackTimeMs: Number(message.timestamp) });
          if (!result.ok) return Promise.reject(new Error(result.message));
          decoded.set(result.event.id, result.event.connectionId);
          if (decoded.size === lines.length) {
            clearTimeout(timer);
            resolve();
          }
          return Promise.resolve();
        },
      });
    });
    await consumer.disconnect();
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();

    const expectedIds = lines.map((l) => (JSON.parse(l) as { id: string }).id);
    expect([...decoded.keys()].sort()).toEqual(expectedIds.sort());
    expect(decoded.get('49114e95-52fb-44b0-a8f8-c92ac73c6744')).toBe('166974528338100003');
  });

  it('rejects a wrong password', async () => {
    const admin = saslClient('definitely-wrong').admin();
    await expect(admin.connect()).rejects.toThrow();
    await admin.disconnect();
  });
});
