/**
 * The benchmark's topics on the shared broker: a fresh topic per run (unique
 * name), filled in batches, drained-ness read from committed offsets, and
 * deleted afterwards.
 */
import { Kafka, logLevel, type Admin, type Message, type Producer } from 'kafkajs';
import type { StreamRecord } from './audit-stream.js';

export function benchKafka(brokers: string[], clientId: string): Kafka {
  return new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING, retry: { retries: 10 } });
}

export async function createTopic(admin: Admin, topic: string, partitions: number): Promise<void> {
  await admin.createTopics({
    topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
    waitForLeaders: true,
  });
}

/** Deletes the benchmark's topics; never fails the run (a leftover topic is only named in the log). */
export async function deleteTopics(admin: Admin, topics: string[], log: (line: string) => void): Promise<void> {
  if (topics.length === 0) return;
  await admin.deleteTopics({ topics, timeout: 30_000 }).catch((error: unknown) => {
    log(`could not delete topics ${topics.join(', ')}: ${error instanceof Error ? error.message : String(error)}`);
  });
}

/** Sends records in batches of `batchSize`, up to 4 batches in flight; returns how many were sent. */
export async function produce(
  producer: Producer,
  topic: string,
  records: Iterable<StreamRecord>,
  batchSize = 1_000,
): Promise<number> {
  let sent = 0;
  let batch: Message[] = [];
  const inFlight = new Set<Promise<unknown>>();
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const messages = batch;
    batch = [];
    const p: Promise<unknown> = producer.send({ topic, messages }).then((): boolean => inFlight.delete(p));
    inFlight.add(p);
    sent += messages.length;
    if (inFlight.size >= 4) await Promise.race(inFlight);
  };
  for (const r of records) {
    batch.push({ key: r.key, value: r.value });
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  await Promise.all(inFlight);
  return sent;
}

/** Sum of the topic's high watermarks (records in it, for a fresh topic). */
export async function topicEnd(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

/** Sum of a group's committed offsets on the topic (partitions without a commit count 0). */
export async function committed(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (entry?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}
