import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type Consumer, type EachBatchPayload, type KafkaMessage, type Producer, type SASLOptions } from 'kafkajs';
import type { ServiceConfig } from '../config/service-config.js';
import { decodeRecord, type Decoded } from '../decode/decode.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { kafkaLogCreator } from './kafka-diagnosis.js';

/** Processes a batch durably or throws; see Pipeline.process. */
export type BatchHandler = (events: Decoded[]) => Promise<void>;

export interface KafkaSourceOptions {
  config: ServiceConfig['kafka'];
  maxEventBytes: number;
  handle: BatchHandler;
  log: Logger;
  metrics: Metrics;
  /** Called when processing fails (Redis down) and again when it recovers. */
  onHealth(healthy: boolean, reason?: string): void;
}

const MAX_BACKOFF_MS = 10_000;
/** Records handed to the pipeline at once: one Redis pipeline and one offset commit each. */
const CHUNK_SIZE = 1_000;
/**
 * Partitions processed at the same time. Each chunk waits on Redis and then on
 * the offset commit; overlapping partitions keeps the CPU busy meanwhile
 * (benchmark: 3 → 6 gave +27 % throughput, bench/README.md).
 */
export const PARTITIONS_CONCURRENTLY = 8;

interface DeadRecord {
  message: KafkaMessage;
  reason: string;
  detail: string;
}

/**
 * The audit topic through a KafkaJS consumer group. Offsets are committed only
 * after a chunk of records has been processed (state updated, alerts in the
 * outbox), so a crash or rebalance re-delivers at most what was not yet durable.
 * A record that does not decode is counted, optionally sent to a dead-letter
 * topic, and skipped; a pipeline failure pauses the partition and retries.
 */
export class KafkaSource {
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private producer: Producer | undefined;
  private joined = false;

  constructor(private readonly o: KafkaSourceOptions) {
    const c = o.config;
    this.kafka = new Kafka({
      clientId: c.clientId,
      brokers: c.brokers,
      ssl: c.ssl === false ? false : c.ssl.ca === undefined ? true : { ca: [c.ssl.ca] },
      ...(c.sasl ? { sasl: { mechanism: c.sasl.mechanism, username: c.sasl.username, password: c.sasl.password } as SASLOptions } : {}),
      // Only errors, and of those only connection, TLS and authentication failures, explained (kafka-diagnosis.ts).
      logLevel: logLevel.ERROR,
      logCreator: kafkaLogCreator(o.log, c.ssl !== false),
      retry: { initialRetryTime: 300, retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 10_000 },
    });
    this.consumer = this.kafka.consumer({ groupId: c.groupId, sessionTimeout: c.sessionTimeoutMs, heartbeatInterval: Math.max(500, Math.floor(c.sessionTimeoutMs / 10)), retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 10_000 } });
    const events = this.consumer.events;
    this.consumer.on(events.GROUP_JOIN, ({ payload }) => {
      this.joined = true;
      o.log.info({ memberId: payload.memberId, assignment: payload.memberAssignment }, 'joined consumer group');
    });
    this.consumer.on(events.REBALANCING, () => {
      o.metrics.rebalances.inc();
      o.log.info('consumer group rebalancing');
    });
    this.consumer.on(events.CRASH, ({ payload }) => {
      this.joined = false;
      o.log.error({ err: payload.error.message, restart: payload.restart }, 'consumer crashed');
    });
    this.consumer.on(events.STOP, () => {
      this.joined = false;
    });
  }

  /** True once the consumer has joined its group (readiness). */
  get isJoined(): boolean {
    return this.joined;
  }

  async start(): Promise<void> {
    const c = this.o.config;
    if (c.deadLetterTopic !== undefined) {
      this.producer = this.kafka.producer({ allowAutoTopicCreation: false });
      await this.producer.connect();
    }
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: c.topic, fromBeginning: c.fromBeginning });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: PARTITIONS_CONCURRENTLY,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /** Stops fetching and finishes the batch in hand (KafkaJS waits for it), then disconnects. */
  async stop(): Promise<void> {
    this.joined = false;
    await this.consumer.disconnect();
    await this.producer?.disconnect();
  }

  private async eachBatch(p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    for (let start = 0; start < batch.messages.length; start += CHUNK_SIZE) {
      if (!p.isRunning() || p.isStale()) return;
      const chunk = batch.messages.slice(start, start + CHUNK_SIZE);
      const { events, dead } = this.decode(batch.topic, batch.partition, chunk);
      const work = async () => {
        const done = this.o.metrics.batchSeconds.startTimer();
        await this.sendToDeadLetterTopic(batch.topic, batch.partition, dead);
        await this.o.handle(events);
        done();
      };
      if (!(await this.processWithRetry(work, p))) return;
      const last = chunk[chunk.length - 1]!;
      p.resolveOffset(last.offset);
      await this.commit(batch.topic, batch.partition, last.offset);
      await p.heartbeat();
      const lag = Number(BigInt(batch.highWatermark) - BigInt(last.offset) - 1n);
      this.o.metrics.consumerLag.set({ partition: String(batch.partition) }, Math.max(0, lag));
    }
  }

  /** Retries the pipeline with backoff until it succeeds, or the partition is no longer ours. */
  private async processWithRetry(work: () => Promise<void>, p: EachBatchPayload): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await work();
        if (attempt > 0) {
          this.o.onHealth(true);
          this.o.log.info({ attempts: attempt + 1 }, 'processing recovered (Redis outage end)');
        }
        return true;
      } catch (error) {
        this.o.metrics.redisErrors.inc();
        if (attempt === 0) this.o.log.error({ err: (error as Error).message }, 'processing failed (Redis outage start); pausing this partition and retrying');
        this.o.onHealth(false, (error as Error).message);
        await sleep(Math.min(MAX_BACKOFF_MS, 250 * 2 ** attempt));
        if (!p.isRunning() || p.isStale()) return false;
        await p.heartbeat().catch(() => undefined);
      }
    }
  }

  private decode(topic: string, partition: number, messages: KafkaMessage[]): { events: Decoded[]; dead: DeadRecord[] } {
    const events: Decoded[] = [];
    const dead: DeadRecord[] = [];
    const now = Date.now();
    for (const message of messages) {
      const result = decodeRecord(message.value, { maxBytes: this.o.maxEventBytes, fallbackTimeMs: Number(message.timestamp) });
      if (result.ok) {
        events.push(result);
        this.o.metrics.eventsConsumed.inc({ category: this.o.metrics.category(result.event.category) });
        this.o.metrics.eventLagSeconds.observe(Math.max(0, (now - result.timeMs) / 1000));
      } else {
        this.o.metrics.decodeFailures.inc({ reason: result.reason });
        this.o.log.warn({ topic, partition, offset: message.offset, reason: result.reason, detail: result.message }, 'skipped a record that is not an audit event');
        dead.push({ message, reason: result.reason, detail: result.message });
      }
    }
    if (messages.length > 0) this.o.metrics.lastEventTimestamp.set(now / 1000);
    return { events, dead };
  }

  /** Records that failed to decode go to the dead-letter topic, with the reason in headers. */
  private async sendToDeadLetterTopic(topic: string, partition: number, dead: DeadRecord[]): Promise<void> {
    if (dead.length === 0 || this.producer === undefined || this.o.config.deadLetterTopic === undefined) return;
    await this.producer.send({
      topic: this.o.config.deadLetterTopic,
      messages: dead.map(({ message, reason, detail }) => ({
        key: message.key,
        value: message.value,
        headers: { 'auditwatch-reason': reason, 'auditwatch-error': detail, 'auditwatch-source': `${topic}/${partition}/${message.offset}` },
      })),
    });
  }

  private async commit(topic: string, partition: number, offset: string): Promise<void> {
    try {
      await this.consumer.commitOffsets([{ topic, partition, offset: (BigInt(offset) + 1n).toString() }]);
    } catch (error) {
      // A rebalance took the partition: its new owner re-processes from the last commit (idempotent).
      this.o.log.warn({ topic, partition, err: (error as Error).message }, 'offset commit failed');
    }
  }
}
