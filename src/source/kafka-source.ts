import { Kafka, logLevel, type Admin, type Consumer, type SASLOptions } from 'kafkajs';
import { messageOf } from '../errors.js';
import type { ServiceConfig } from '../config/service-config.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { BatchProcessor, type BatchHandler } from './batch-processor.js';
import { DeadLetterTopic } from './dead-letter.js';
import {
  diagnoseKafkaFailure,
  isUnknownTopic,
  kafkaLogCreator,
  type KafkaDiagnosis,
  type KafkaRole,
} from './kafka-diagnosis.js';
import { OffsetCommitter } from './offset-committer.js';
import { PartitionHealth } from './partition-health.js';
import { ReadAhead } from './read-ahead.js';

export type { BatchHandler } from './batch-processor.js';

export interface KafkaSourceOptions {
  config: ServiceConfig['kafka'];
  maxEventBytes: number;
  handle: BatchHandler;
  log: Logger;
  metrics: Metrics;
  /**
   * Called once when the consumer can no longer work and retrying will not
   * change that (credentials refused, an ACL missing, a topic missing or
   * deleted, a crash KafkaJS does not restart from). The caller stops the service.
   */
  onFatal(diagnosis: KafkaDiagnosis): void;
}

/**
 * Partitions processed at the same time. Each chunk waits on Redis and then on
 * the offset commit; overlapping partitions keeps the CPU busy meanwhile
 * (benchmark: 3 → 6 gave +27 % throughput, bench/README.md).
 */
export const PARTITIONS_CONCURRENTLY = 8;
/** Longest wait for the metadata request that tells a deleted topic from a passing error, in ms. */
const TOPIC_CHECK_MS = 10_000;

/**
 * The audit topic through a KafkaJS consumer group: joining, the offset
 * commits, health and the end of the consumer; the work on each batch is
 * BatchProcessor's, and a partition's next batch is fetched while the last one
 * is processed (ReadAhead). Offsets are committed only after a chunk of records
 * has been processed (state updated, alerts in the delivery queues), so a crash
 * or rebalance re-delivers at most what was not yet durable.
 *
 * Errors retrying can fix (a broker unreachable, a coordinator moving) are
 * retried with backoff while /readyz says not ready. Errors it cannot fix
 * (see kafka-diagnosis.ts) end in onFatal, so the service exits instead of
 * answering /healthz while consuming nothing.
 */
export class KafkaSource {
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly deadLetters: DeadLetterTopic;
  private readonly health = new PartitionHealth();
  private readonly processor: BatchProcessor;
  private readonly readAhead: ReadAhead;
  private readonly committer: OffsetCommitter;
  private joined = false;
  private stopping = false;
  private failed = false;

  constructor(private readonly o: KafkaSourceOptions) {
    const c = o.config;
    this.kafka = new Kafka({
      clientId: c.clientId,
      brokers: c.brokers,
      ssl: c.ssl === false ? false : c.ssl.ca === undefined ? true : { ca: [c.ssl.ca] },
      ...(c.sasl
        ? { sasl: { mechanism: c.sasl.mechanism, username: c.sasl.username, password: c.sasl.password } as SASLOptions }
        : {}),
      // Only errors, and of those only connection, TLS, authentication and authorization failures, explained (kafka-diagnosis.ts).
      logLevel: logLevel.ERROR,
      logCreator: kafkaLogCreator(o.log, c.ssl !== false),
      // Connecting is retried for as long as it takes: an unreachable broker is waited for (not ready meanwhile).
      // KafkaJS gives up at once on what retrying cannot fix (SASL authentication), and start() reports it.
      retry: { initialRetryTime: 300, retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 10_000 },
    });
    this.consumer = this.kafka.consumer({
      groupId: c.groupId,
      sessionTimeout: c.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(c.sessionTimeoutMs / 10)),
      // The audit topic is never created by the consumer: a wrong name must be an error, not a new empty topic.
      allowAutoTopicCreation: false,
      // Bounded (≈ 10 s), so that a lasting error crashes the consumer and comes to restartOnFailure to be judged;
      // with unbounded retries a deleted topic was fetched from forever. Every field set: NODE_ENV=test changes KafkaJS's defaults.
      retry: {
        retries: 5,
        initialRetryTime: 300,
        maxRetryTime: 10_000,
        multiplier: 2,
        factor: 0.2,
        restartOnFailure: (error) => this.restartOnFailure(error),
      },
    });
    this.admin = this.kafka.admin();
    this.committer = new OffsetCommitter((offsets) => this.consumer.commitOffsets(offsets));
    this.deadLetters = new DeadLetterTopic(this.kafka, c.deadLetterTopic, o.log);
    this.processor = new BatchProcessor({
      handle: o.handle,
      maxEventBytes: o.maxEventBytes,
      deadLetters: this.deadLetters,
      health: this.health,
      log: o.log,
      metrics: o.metrics,
      onDeadLetterFailure: (error) => this.fail(error, 'dead-letter'),
      commit: (topic, partition, offset) => this.commit(topic, partition, offset),
    });
    this.readAhead = new ReadAhead(
      (payload) => this.processor.process(payload),
      (topic, partition, offset) => this.rewind(topic, partition, offset),
    );
    const events = this.consumer.events;
    this.consumer.on(events.GROUP_JOIN, ({ payload }) => {
      this.readAhead.restart();
      this.joined = true;
      o.log.info({ memberId: payload.memberId, assignment: payload.memberAssignment }, 'joined consumer group');
    });
    this.consumer.on(events.REBALANCING, () => {
      this.readAhead.restart();
      o.metrics.rebalances.inc();
      o.log.info('consumer group rebalancing');
    });
    this.consumer.on(events.CRASH, ({ payload }) => {
      this.readAhead.restart();
      this.joined = false;
      if (payload.restart) {
        o.log.warn({ err: payload.error.message }, 'kafka consumer crashed; KafkaJS restarts it');
        return;
      }
      this.fail(payload.error, 'source');
    });
    this.consumer.on(events.STOP, () => {
      this.joined = false;
    });
  }

  /** True once the consumer has joined its group (readiness). */
  get isJoined(): boolean {
    return this.joined;
  }

  /** Why processing is paused, per partition (empty when it is not). */
  problems(): string[] {
    return this.health.problems();
  }

  /** Connects, checks the dead-letter topic, subscribes and runs. Failures go to onFatal (nothing would restart a consumer that never ran). */
  async start(): Promise<void> {
    const c = this.o.config;
    let role: KafkaRole = 'source';
    try {
      await this.admin.connect();
      role = 'dead-letter';
      await this.deadLetters.start(this.admin);
      role = 'source';
      await this.consumer.connect();
      await this.consumer.subscribe({ topic: c.topic, fromBeginning: c.fromBeginning });
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: PARTITIONS_CONCURRENTLY,
        // While stopping, batches are left to the next start (nothing of them was marked or committed).
        eachBatch: (payload) => (this.stopping ? Promise.resolve() : this.readAhead.eachBatch(payload)),
      });
    } catch (error) {
      this.fail(error, role);
    }
  }

  /** Stops fetching, finishes and commits the batches in hand, then disconnects. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.joined = false;
    try {
      this.consumer.pause([{ topic: this.o.config.topic }]);
    } catch {
      // Not running (it never started, or it crashed): nothing is fetched anyway.
    }
    await this.readAhead.drain();
    await this.consumer.disconnect();
    await this.deadLetters.stop();
    await this.admin.disconnect();
  }

  /** Logs why the consumer cannot go on (once) and hands the diagnosis to onFatal; nothing during a shutdown. */
  private fail(error: unknown, role: KafkaRole): void {
    if (this.failed || this.stopping) return;
    this.failed = true;
    this.joined = false;
    const diagnosis = diagnoseKafkaFailure(error, role, this.o.config.ssl !== false);
    this.o.log.error(
      { code: diagnosis.code, reason: diagnosis.reason, hint: diagnosis.hint },
      'kafka consumer cannot continue; stopping the service',
    );
    this.o.onFatal(diagnosis);
  }

  /**
   * KafkaJS asks before restarting a consumer that crashed on a retriable error.
   * The one such error that does not pass is a topic that is gone: a metadata
   * request tells a deleted topic from a leader moving. Anything else restarts.
   */
  private async restartOnFailure(error: Error): Promise<boolean> {
    if (!isUnknownTopic(error)) return true;
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), TOPIC_CHECK_MS).unref());
    const check = this.admin.fetchTopicMetadata({ topics: [this.o.config.topic] }).then(
      () => 'exists' as const,
      (checkError: unknown) => (isUnknownTopic(checkError) ? ('gone' as const) : ('unknown' as const)),
    );
    return (await Promise.race([check, timeout])) !== 'gone';
  }

  /** After a failed batch that was read past: KafkaJS fetches from its first record again. */
  private rewind(topic: string, partition: number, offset: string): void {
    try {
      this.consumer.seek({ topic, partition, offset });
    } catch (error) {
      // Not running any more: the next start fetches from the last commit anyway.
      this.o.log.warn({ topic, partition, offset, err: messageOf(error) }, 'could not rewind after a failed batch');
    }
  }

  private async commit(topic: string, partition: number, offset: string): Promise<void> {
    try {
      // Together with the chunks of other partitions that finish meanwhile: one request (offset-committer.ts).
      await this.committer.commit(topic, partition, (BigInt(offset) + 1n).toString());
    } catch (error) {
      // A rebalance took the partition: its new owner re-processes from the last commit (idempotent).
      this.o.log.warn({ topic, partition, err: messageOf(error) }, 'offset commit failed');
    }
  }
}
