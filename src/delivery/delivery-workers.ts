import { RateLimitError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { SinkError, type Sink } from '../sinks/sink.js';
import type { RedisClient } from '../state/redis-connection.js';
import { backoffMs } from './backoff.js';
import { QUEUE_NAME, queuePrefix, type DeliveryJob, type DeliveryQueues } from './delivery-queues.js';

export interface DeliveryWorkersOptions {
  /** A connection of the workers' own (BullMQ needs `maxRetriesPerRequest: null`); not the one the engine's pipelines use. */
  connection: RedisClient;
  queues: DeliveryQueues;
  sinks: readonly Sink[];
  /** This replica's name, recorded on the jobs it works on. */
  instanceId: string;
  /** Alerts delivered at the same time per sink and replica; default 4. */
  concurrency: number;
  /** Retrying stops once this long has passed since the alert was queued, in ms; the alert becomes a dead letter. */
  giveUpAfterMs: number;
  /** Timeout of one delivery attempt, in ms. */
  attemptTimeoutMs: number;
  log: Logger;
  metrics: Metrics;
}

/** A job in delivery is locked for this long (renewed at half of it); a dead replica's jobs are taken over after it. */
export const LOCK_MS = 30_000;
/** How often a job may be taken over from a dead replica before it is given up (it would be a job that kills its replica). */
const MAX_STALLED = 100;
/**
 * BullMQ honours a manual rate limit (Retry-After) only when the worker has a
 * limiter; this one is far above any real alert rate, so it never limits by itself.
 */
const LIMITER = { max: 10_000, duration: 1_000 };

/**
 * One BullMQ worker per sink. Each runs `concurrency` deliveries at once, so a
 * slow or refused alert never holds up the others. A 2xx completes the job at
 * once (the delivered record); a retryable failure is retried with backoff until
 * the give-up time; a Retry-After pauses the whole sink (every replica) for that
 * long; a permanent refusal or the give-up time makes the job a dead letter (the
 * failed set). A replica that dies mid-delivery loses its locks, and BullMQ's
 * stalled-job check gives its jobs to another worker.
 */
export class DeliveryWorkers {
  private readonly workers: Worker<DeliveryJob>[] = [];

  constructor(private readonly o: DeliveryWorkersOptions) {}

  start(): void {
    for (const sink of this.o.sinks) {
      const worker = new Worker<DeliveryJob>(QUEUE_NAME, (job) => this.deliver(sink, job), {
        connection: this.o.connection,
        name: this.o.instanceId,
        prefix: queuePrefix(this.o.queues.prefix, sink.name),
        concurrency: this.o.concurrency,
        lockDuration: LOCK_MS,
        stalledInterval: LOCK_MS,
        maxStalledCount: MAX_STALLED,
        limiter: LIMITER,
        settings: { backoffStrategy: (attemptsMade: number) => backoffMs(attemptsMade - 1) },
      });
      worker.on('completed', (job) => void this.settle(sink.name, job.id));
      worker.on('failed', (job, error) => {
        if (job !== undefined && error instanceof UnrecoverableError) void this.settle(sink.name, job.id);
      });
      worker.on('error', (error) =>
        this.o.log.warn({ sink: sink.name, err: error.message }, 'delivery worker error; retrying'),
      );
      this.workers.push(worker);
    }
  }

  /** Stops taking jobs and waits up to `graceMs` for deliveries in flight; those still running stay locked and are taken over later. */
  async close(graceMs: number): Promise<void> {
    const closing = Promise.all(this.workers.map((w) => w.close()));
    const timer = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([closing, timer]);
    await Promise.all(this.workers.map((w) => w.close(true)));
  }

  private async deliver(sink: Sink, job: Job<DeliveryJob>): Promise<void> {
    const { alert } = job.data;
    const label = this.o.metrics.sink(sink.name);
    const done = this.o.metrics.deliverySeconds.startTimer({ sink: label });
    try {
      await sink.deliver(alert, AbortSignal.timeout(this.o.attemptTimeoutMs));
    } catch (caught) {
      throw await this.failure(
        sink,
        job,
        caught instanceof SinkError ? caught : new SinkError(sink.name, 'delivery failed', true),
      );
    } finally {
      done();
    }
    this.o.metrics.deliveries.inc({ sink: label, outcome: 'success' });
    this.o.log.info(
      { sink: sink.name, alert: alert.id, rule: alert.rule, severity: alert.severity, attempts: job.attemptsMade + 1 },
      'alert sent',
    );
  }

  /** Classifies a failed attempt; returns the error that tells BullMQ what to do next. */
  private async failure(sink: Sink, job: Job<DeliveryJob>, error: SinkError): Promise<Error> {
    const { alert, queuedAt } = job.data;
    const label = this.o.metrics.sink(sink.name);
    const context = {
      sink: sink.name,
      alert: alert.id,
      rule: alert.rule,
      status: error.status,
      err: error.message,
      attempts: job.attemptsMade + 1,
    };
    const givenUp = Date.now() >= queuedAt + this.o.giveUpAfterMs;
    if (!error.retryable || givenUp) {
      const reason = error.retryable
        ? `gave up after ${Math.round(this.o.giveUpAfterMs / 1000)} s: ${error.message}`
        : error.message;
      this.o.metrics.deliveries.inc({ sink: label, outcome: 'dead_letter' });
      this.o.metrics.deadLetters.inc({ sink: label });
      this.o.log.error(
        { ...context, reason },
        'alert delivery given up (dead letter; `auditwatch alerts retry` re-drives it)',
      );
      return new UnrecoverableError(reason);
    }
    if (error.retryAfterMs !== undefined) {
      // It is the sink that is limited, not this alert: pause the sink's queue on every replica.
      const queue = this.o.queues.queue(sink.name);
      await queue.rateLimit(Math.max(1, error.retryAfterMs));
      this.o.metrics.deliveries.inc({ sink: label, outcome: 'rate_limited' });
      this.o.log.warn({ ...context, retryAfterMs: error.retryAfterMs }, 'sink asked to wait (Retry-After); pausing it');
      return new RateLimitError();
    }
    this.o.metrics.deliveries.inc({ sink: label, outcome: 'retry' });
    this.o.log.warn({ ...context, retry: true }, 'delivery failed');
    return error;
  }

  private async settle(sink: string, jobId: string | undefined): Promise<void> {
    if (jobId === undefined) return;
    await this.o.queues.settled(sink, jobId).catch(() => undefined); // stats() drops what is left behind
  }
}
