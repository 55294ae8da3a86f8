import { setTimeout as sleep } from 'node:timers/promises';
import { messageOf } from '../errors.js';
import type { Admin, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from '../log.js';
import { isFatalKafkaError } from './kafka-diagnosis.js';

/** A record on its way to the dead-letter topic, with why it is there. */
export interface DeadRecord {
  topic: string;
  partition: number;
  message: KafkaMessage;
  /** A bounded reason: a DecodeReason or a SkipReason. */
  reason: string;
  /** What went wrong, without the record's content. */
  detail: string;
}

const MAX_BACKOFF_MS = 10_000;

/**
 * The optional dead-letter topic: records that did not decode, and records
 * that processing failed on every time, with the reason in headers. The topic
 * is checked at start (a missing or forbidden one stops the service there,
 * not at the first bad record). A send is retried while the broker is away;
 * one that cannot succeed (topic deleted, ACL removed) throws, and the caller
 * stops the service.
 */
export class DeadLetterTopic {
  private producer: Producer | undefined;

  constructor(
    private readonly kafka: Kafka,
    /** Absent: no dead-letter topic, records are only counted and logged. */
    readonly topic: string | undefined,
    private readonly log: Logger,
  ) {}

  /** Connects and checks that the topic exists and is visible to this user; throws a KafkaJS error otherwise. */
  async start(admin: Admin): Promise<void> {
    if (this.topic === undefined) return;
    // A metadata request for the one topic: UNKNOWN_TOPIC_OR_PARTITION when it is missing, TOPIC_AUTHORIZATION_FAILED when not ours to see.
    await admin.fetchTopicMetadata({ topics: [this.topic] });
    // Bounded retries: a retriable error that lasts (the topic deleted meanwhile) must come back to send() to be judged.
    const retry = { retries: 5, initialRetryTime: 300, maxRetryTime: 5_000, multiplier: 2, factor: 0.2 };
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false, retry });
    await this.producer.connect();
  }

  /**
   * Sends the records (nothing to do without a topic). Retries with backoff
   * while the failure may pass, as long as `stillOurs` holds; resolves false
   * when it stopped holding (the records were not sent: whoever owns the
   * partition next sees them again). Throws when retrying cannot help.
   */
  async send(records: readonly DeadRecord[], stillOurs: () => Promise<boolean>): Promise<boolean> {
    const producer = this.producer;
    if (records.length === 0 || producer === undefined || this.topic === undefined) return true;
    const messages = records.map(({ topic, partition, message, reason, detail }) => ({
      key: message.key,
      value: message.value,
      headers: {
        'auditwatch-reason': reason,
        'auditwatch-error': detail,
        'auditwatch-source': `${topic}/${partition}/${message.offset}`,
      },
    }));
    for (let attempt = 0; ; attempt++) {
      try {
        await producer.send({ topic: this.topic, messages });
        return true;
      } catch (error) {
        if (isFatalKafkaError(error)) throw error;
        if (attempt === 0)
          this.log.error({ err: messageOf(error), records: records.length }, 'dead-letter topic unavailable; retrying');
        await sleep(Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt));
        if (!(await stillOurs())) return false;
      }
    }
  }

  async stop(): Promise<void> {
    await this.producer?.disconnect();
  }
}
