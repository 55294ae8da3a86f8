import { setTimeout as sleep } from 'node:timers/promises';
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { decodeRecord, type Decoded } from '../decode/decode.js';
import { isRedisOutage, messageOf } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { DeadLetterTopic, DeadRecord } from './dead-letter.js';
import { isRebalanceError } from './kafka-diagnosis.js';
import type { PartitionHealth } from './partition-health.js';

/** Processes a batch durably or throws; see Pipeline.process. */
export type BatchHandler = (events: Decoded[]) => Promise<void>;

/** Records handed to the pipeline at once: one Redis pipeline and one offset commit each. */
const CHUNK_SIZE = 1_000;
/** A failure that is not a Redis outage is tried this often (chunk, then each record) before the record counts as poison. */
export const PROCESSING_ATTEMPTS = 3;
/** Backoff of those attempts, in ms: doubled each time (100, 200). */
const PROCESSING_BACKOFF_MS = 100;
/** Longest wait between two attempts during a Redis outage, in ms. */
const MAX_OUTAGE_BACKOFF_MS = 10_000;
const OUTAGE = 'state store failing';

interface DecodedRecord {
  message: KafkaMessage;
  decoded: Decoded;
}

export interface BatchProcessorOptions {
  handle: BatchHandler;
  maxEventBytes: number;
  deadLetters: DeadLetterTopic;
  health: PartitionHealth;
  log: Logger;
  metrics: Metrics;
  /** The dead-letter topic cannot take records (deleted, no ACL): the service must stop; the chunk is left uncommitted. */
  onDeadLetterFailure(error: unknown): void;
  /** Commits `offset` + 1 for the partition; a failure is logged there (the next owner re-processes, idempotently). */
  commit(topic: string, partition: number, offset: string): Promise<void>;
}

/**
 * The work on one fetched batch: decode, process, commit, chunk by chunk.
 * A Redis outage pauses the partition and retries for as long as it lasts.
 * Any other failure is retried a few times, then the chunk is processed record
 * by record: a record that still fails (poison) goes to the dead-letter topic
 * or is skipped, counted and logged by position, and the partition goes on.
 * Every step is idempotent per event, so processing a record again is safe.
 */
export class BatchProcessor {
  constructor(private readonly o: BatchProcessorOptions) {}

  async process(p: EachBatchPayload): Promise<void> {
    const { topic, partition } = p.batch;
    try {
      await this.chunks(p);
    } finally {
      // Done, revoked or stopped: either way this partition is not stuck here any more.
      this.o.health.clear(topic, partition);
    }
  }

  private async chunks(p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    for (let start = 0; start < batch.messages.length; start += CHUNK_SIZE) {
      if (!p.isRunning() || p.isStale()) return;
      const chunk = batch.messages.slice(start, start + CHUNK_SIZE);
      const last = chunk.at(-1);
      if (last === undefined) return; // never: start < length
      const { records, dead } = this.decode(batch.topic, batch.partition, chunk);
      // Sent before processing and outside its retries, so a Redis outage never sends a record twice.
      if (!(await this.sendToDeadLetters(p, dead))) return;
      const done = this.o.metrics.batchSeconds.startTimer();
      if (!(await this.processChunk(p, records))) return;
      done();
      // A rebalance meanwhile: the partition's next owner commits (it processes these records again, idempotently).
      if (!p.isRunning()) return;
      p.resolveOffset(last.offset);
      await this.o.commit(batch.topic, batch.partition, last.offset);
      await p.heartbeat();
      const lag = Number(BigInt(batch.highWatermark) - BigInt(last.offset) - 1n);
      this.o.metrics.consumerLag.set({ partition: String(batch.partition) }, Math.max(0, lag));
    }
  }

  /** The chunk in one go; after PROCESSING_ATTEMPTS failures that are not outages, record by record. False: no longer ours. */
  private async processChunk(p: EachBatchPayload, records: DecodedRecord[]): Promise<boolean> {
    const events = records.map((r) => r.decoded);
    const first = await this.attempt(p, events);
    if (first !== 'failed') return first === 'done';
    const { topic, partition } = p.batch;
    this.o.log.warn(
      { topic, partition, records: records.length },
      'processing a chunk keeps failing; going record by record to find the poison',
    );
    const poison: DeadRecord[] = [];
    for (const record of records) {
      const outcome = await this.attempt(p, [record.decoded]);
      if (outcome === 'revoked') return false;
      if (outcome !== 'failed') continue;
      poison.push({
        topic,
        partition,
        message: record.message,
        reason: 'processing_error',
        detail: 'processing failed on every attempt',
      });
    }
    for (const record of poison) {
      this.o.metrics.recordsSkipped.inc({ reason: 'processing_error' });
      const to = this.o.deadLetters.topic === undefined ? 'skipped' : 'sent to the dead-letter topic';
      const { offset } = record.message;
      this.o.log.error(
        { topic, partition, offset, reason: record.reason },
        `poison record: processing failed ${PROCESSING_ATTEMPTS} times; ${to}`,
      );
    }
    return this.sendToDeadLetters(p, poison);
  }

  /** False when the records were not sent: the partition is no longer ours, or the topic cannot take them (reported, the service stops). */
  private async sendToDeadLetters(p: EachBatchPayload, records: DeadRecord[]): Promise<boolean> {
    try {
      return await this.o.deadLetters.send(records, () => this.stillOurs(p, 'dead-letter topic unavailable'));
    } catch (error) {
      if (isRebalanceError(error)) throw error;
      this.o.onDeadLetterFailure(error);
      return false;
    }
  }

  /**
   * Processes `events`: retried for as long as Redis is out (the partition is
   * marked failing meanwhile), and PROCESSING_ATTEMPTS times for any other error.
   */
  private async attempt(p: EachBatchPayload, events: Decoded[]): Promise<'done' | 'failed' | 'revoked'> {
    const { topic, partition } = p.batch;
    let outages = 0;
    for (let failures = 0; ;) {
      try {
        await this.o.handle(events);
        if (outages > 0) {
          this.o.health.clear(topic, partition);
          this.o.log.info({ topic, partition, attempts: outages + 1 }, 'processing recovered (Redis outage end)');
        }
        return 'done';
      } catch (error) {
        const message = messageOf(error);
        if (isRedisOutage(error)) {
          this.o.metrics.redisErrors.inc();
          if (outages === 0)
            this.o.log.error(
              { topic, partition, err: message },
              'processing failed (Redis outage start); pausing the partition, retrying',
            );
          await sleep(Math.min(MAX_OUTAGE_BACKOFF_MS, 250 * 2 ** outages++));
          if (!(await this.stillOurs(p, OUTAGE))) return 'revoked';
          continue;
        }
        failures++;
        this.o.log.warn(
          { topic, partition, err: message, attempt: failures, records: events.length },
          'processing failed',
        );
        if (failures >= PROCESSING_ATTEMPTS) return 'failed';
        await sleep(PROCESSING_BACKOFF_MS * 2 ** (failures - 1));
        if (!(await this.stillOurs(p))) return 'revoked';
      }
    }
  }

  /**
   * Between retries: is the partition still ours? Marks it failing (when a
   * reason is given) and heartbeats, so the session lives through a long
   * outage. A rebalance error from the heartbeat is thrown on: KafkaJS
   * re-joins the group only when eachBatch gives up, and the rebalance waits
   * for this member until then.
   */
  private async stillOurs(p: EachBatchPayload, reason?: string): Promise<boolean> {
    if (!p.isRunning() || p.isStale()) return false;
    if (reason !== undefined) this.o.health.fail(p.batch.topic, p.batch.partition, reason);
    try {
      await p.heartbeat();
    } catch (error) {
      if (isRebalanceError(error)) {
        this.o.log.info(
          { topic: p.batch.topic, partition: p.batch.partition },
          'rebalance while retrying; leaving the batch so the consumer can re-join',
        );
        throw error;
      }
      // Other heartbeat failures (the broker away) are KafkaJS's to handle; the retry goes on.
    }
    return true;
  }

  private decode(
    topic: string,
    partition: number,
    messages: KafkaMessage[],
  ): { records: DecodedRecord[]; dead: DeadRecord[] } {
    const records: DecodedRecord[] = [];
    const dead: DeadRecord[] = [];
    const now = Date.now();
    for (const message of messages) {
      const result = decodeRecord(message.value, {
        maxBytes: this.o.maxEventBytes,
        fallbackTimeMs: Number(message.timestamp),
      });
      if (result.ok) {
        records.push({ message, decoded: result });
        this.o.metrics.eventsConsumed.inc({ category: this.o.metrics.category(result.event.category) });
        this.o.metrics.eventLagSeconds.observe(Math.max(0, (now - result.timeMs) / 1000));
      } else {
        this.o.metrics.decodeFailures.inc({ reason: result.reason });
        const { offset } = message;
        this.o.log.warn(
          { topic, partition, offset, reason: result.reason, detail: result.message },
          'skipped a record that is not an audit event',
        );
        dead.push({ topic, partition, message, reason: result.reason, detail: result.message });
      }
    }
    if (messages.length > 0) this.o.metrics.lastEventTimestamp.set(now / 1000);
    return { records, dead };
  }
}
