import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { expect } from 'vitest';
import type { RawEvent } from './events.js';
import { startFakeWebhookReceiver, type FakeWebhookReceiver } from './fake-sinks.js';
import { drained, duplicates, produceEvents } from './ground-truth.js';
import { recordReliability } from './reliability-report.js';
import { freePort, ServiceProcess, until } from './service-process.js';
import type { Services } from './services.js';

/**
 * What every service-level fault test needs: a fresh topic and group on a real
 * broker, a producer, a signed-webhook receiver, services started with the
 * matching environment, and one place that undoes it all.
 */
export class FaultHarness {
  readonly topic = `aw-fault-${randomUUID()}`;
  readonly group = `aw-fault-${randomUUID()}`;
  readonly secret = `whsec_${randomBytes(24).toString('base64')}`;
  readonly brokers: string[];
  admin!: Admin;
  producer!: Producer;
  hook!: FakeWebhookReceiver;
  private readonly undo: Array<() => Promise<unknown>> = [];

  constructor(
    private readonly services: Services,
    brokers?: string[],
  ) {
    this.brokers = brokers ?? services.kafkaBrokers;
  }

  /** Creates the topic, connects admin and producer, starts the webhook receiver. */
  async start(partitions: number): Promise<this> {
    const kafka = new Kafka({ clientId: 'aw-fault', brokers: this.brokers, logLevel: logLevel.NOTHING, retry: { retries: 30, maxRetryTime: 2_000 } });
    this.admin = kafka.admin();
    await this.admin.connect();
    this.onClose(() => this.admin.disconnect());
    await this.admin.createTopics({ topics: [{ topic: this.topic, numPartitions: partitions }], waitForLeaders: true });
    this.onClose(() => this.admin.deleteTopics({ topics: [this.topic] }));
    this.producer = kafka.producer();
    await this.producer.connect();
    this.onClose(() => this.producer.disconnect());
    this.hook = await startFakeWebhookReceiver({ secret: this.secret });
    this.onClose(() => this.hook.close());
    return this;
  }

  /** The service's environment: this topic and group, its own Redis prefix, the webhook sink. */
  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      AUDITWATCH_KAFKA_BROKERS: this.brokers.join(','),
      AUDITWATCH_KAFKA_TOPIC: this.topic,
      AUDITWATCH_KAFKA_GROUP_ID: this.group,
      AUDITWATCH_KAFKA_FROM_BEGINNING: 'true',
      AUDITWATCH_REDIS_URL: this.services.redisUrl,
      AUDITWATCH_REDIS_PREFIX: `aw-fault-${this.group}`,
      AUDITWATCH_WEBHOOK_URL: this.hook.url,
      AUDITWATCH_WEBHOOK_SECRET: this.secret,
      AUDITWATCH_LOG_LEVEL: 'warn',
      ...extra,
    };
  }

  /** Starts `node dist/main.js run`; it is killed on close if still running. */
  async service(extra: NodeJS.ProcessEnv = {}): Promise<ServiceProcess> {
    const service = new ServiceProcess(await freePort(), this.env(extra));
    this.onClose(() => service.stop('SIGKILL'));
    return service;
  }

  /** Produces the events in `seconds` roughly equal steps, one per second (in the background). */
  produceOver(events: readonly RawEvent[], start: string, seconds: number): Promise<void> {
    return (async () => {
      const chunk = Math.ceil(events.length / seconds);
      for (let i = 0; i < events.length; i += chunk) {
        await produceEvents(this.producer, this.topic, events.slice(i, i + chunk), start);
        await new Promise((r) => setTimeout(r, 1_000));
      }
    })();
  }

  /** Waits (up to `timeoutMs` each) until the group has committed the whole topic and `count` distinct alerts arrived. */
  async drainedAndDelivered(count: number, timeoutMs = 180_000): Promise<void> {
    await until(() => drained(this.admin, this.topic, this.group), timeoutMs, 'the topic to drain');
    await until(() => new Set(this.deliveredIds()).size >= count, timeoutMs, 'deliveries');
    await new Promise((r) => setTimeout(r, 2_000)); // time for a duplicate to show itself
  }

  deliveredIds(): string[] {
    return this.hook.deliveries.map((d) => d.id);
  }

  /**
   * Records the row of the README's Reliability table, then asserts the promise:
   * exactly the expected alert ids arrived, none twice.
   */
  verdict(row: { test: string; load: string; faults: string }, expectedIds: readonly string[]): void {
    const delivered = this.deliveredIds();
    const twice = duplicates(delivered);
    const distinct = [...new Set(delivered)].sort();
    const expected = [...expectedIds].sort();
    recordReliability({ ...row, expected: expected.length, delivered: distinct.filter((id) => expected.includes(id)).length, duplicated: twice.length, result: twice.length === 0 && distinct.join() === expected.join() ? 'pass' : 'fail' });
    expect(distinct).toEqual(expected);
    expect(twice).toEqual([]);
  }

  onClose(step: () => Promise<unknown>): void {
    this.undo.push(step);
  }

  async close(): Promise<void> {
    for (const step of this.undo.reverse()) await step().catch(() => undefined);
  }
}
