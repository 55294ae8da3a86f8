/**
 * The raw ceiling: a bare KafkaJS consumer group that only parses each record
 * (UTF-8 → JSON.parse) — what any consumer of the topic must at least do.
 * Same client library and fetch defaults as the service, and the same
 * `partitionsConsumedConcurrently`, so the ratio isolates what auditwatch
 * adds on top of consuming: decoding, rules, Redis, delivery queues, commits per chunk.
 */
import type { Kafka } from 'kafkajs';
import { PARTITIONS_CONCURRENTLY } from '../src/source/kafka-source.js';

export interface RawResult {
  events: number;
  /** From the first batch handed over to the last record parsed, in seconds. */
  seconds: number;
  eps: number;
}

export async function runRawConsumer(
  kafka: Kafka,
  topic: string,
  groupId: string,
  expected: number,
  timeoutMs: number,
): Promise<RawResult> {
  const consumer = kafka.consumer({ groupId });
  let parsed = 0;
  let first: number | undefined;
  let last = 0;
  let done: () => void = () => undefined;
  const drained = new Promise<void>((resolve) => (done = resolve));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: PARTITIONS_CONCURRENTLY,
      eachBatch: ({ batch }) => {
        first ??= performance.now();
        for (const message of batch.messages) {
          JSON.parse(message.value?.toString('utf8') ?? 'null');
          parsed++;
        }
        last = performance.now();
        if (parsed >= expected) done();
        return Promise.resolve();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`raw consumer parsed ${parsed} of ${expected} records in ${timeoutMs} ms`));
      }, timeoutMs);
    });
    await Promise.race([drained, timeout]).finally(() => {
      clearTimeout(timer);
    });
  } finally {
    await consumer.disconnect();
  }
  const seconds = (last - first!) / 1000;
  return { events: parsed, seconds, eps: parsed / seconds };
}
