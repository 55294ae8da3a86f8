import { Queue, type JobsOptions } from 'bullmq';
import type { Alert } from '../alerts/alert.js';
import type { RedisClient } from '../state/redis-connection.js';
import { StateError, messageOf } from '../errors.js';

/** The BullMQ queue name inside each sink's prefix. */
export const QUEUE_NAME = 'alerts';
/** Delivered alerts are remembered this long (seconds) and up to this many per sink, so a re-raised alert id adds nothing. */
export const KEEP_DELIVERED = { age: 7 * 24 * 3600, count: 100_000 };
/** Dead letters (failed jobs) are kept this long (seconds) and up to this many per sink, for `alerts failed|retry`. */
export const KEEP_FAILED = { age: 30 * 24 * 3600, count: 100_000 };
/** Attempts are bounded by the give-up time, not by a count (the worker decides when to stop). */
const UNBOUNDED_ATTEMPTS = 1_000_000;
/** Stale index entries dropped per stats() call at most (the rest on later calls). */
const STALE_CHECKS = 100;

/** What a delivery job carries. */
export interface DeliveryJob {
  alert: Alert;
  /** When the alert was queued (or re-driven by `alerts retry`), epoch ms: the give-up time counts from here. */
  queuedAt: number;
}

/** An alert and the sinks its routes name. */
export interface RoutedAlert {
  alert: Alert;
  sinks: readonly string[];
}

/**
 * Key prefix of one sink's queue. The braces are a Redis Cluster hash tag: all
 * of a queue's keys (and the undelivered index beside them) sit in one slot, as
 * BullMQ's scripts require.
 */
export function queuePrefix(prefix: string, sink: string): string {
  return `${prefix}:{delivery-${sink}}`;
}

const JOB_OPTIONS: JobsOptions = {
  attempts: UNBOUNDED_ATTEMPTS,
  backoff: { type: 'auditwatch' },
  removeOnComplete: KEEP_DELIVERED,
  removeOnFail: KEEP_FAILED,
};

/**
 * One durable BullMQ queue per sink. An alert is added to each routed sink's
 * queue with job id = alert id, so adding it again (a re-processed batch, a
 * replica that raised it too) is a no-op while the job exists, delivered jobs
 * included. Beside each queue, a sorted set indexes undelivered alerts by the
 * time they were queued, so the age of the oldest one is one read (a metric
 * that pages).
 */
export class DeliveryQueues {
  private readonly queues = new Map<string, Queue<DeliveryJob>>();

  /** `onError` hears connection errors (BullMQ would print them with the command's arguments, a password included). */
  constructor(
    private readonly redis: RedisClient,
    readonly prefix: string,
    readonly sinks: readonly string[],
    onError: (error: Error) => void,
  ) {
    for (const sink of sinks) {
      const queue = new Queue<DeliveryJob>(QUEUE_NAME, { connection: redis, prefix: queuePrefix(prefix, sink) });
      queue.on('error', onError);
      this.queues.set(sink, queue);
    }
  }

  /** The queue of a configured sink; throws for a name that is not configured. */
  queue(sink: string): Queue<DeliveryJob> {
    const queue = this.queues.get(sink);
    if (queue === undefined) throw new Error(`no queue for sink ${sink}`);
    return queue;
  }

  undeliveredKey(sink: string): string {
    return `${queuePrefix(this.prefix, sink)}:undelivered`;
  }

  /** Adds alerts to their sinks' queues (one round trip per sink); resolves once they are in Redis. */
  async add(items: readonly RoutedAlert[], now = Date.now()): Promise<void> {
    const bySink = new Map<string, Alert[]>();
    for (const { alert, sinks } of items) {
      for (const sink of sinks) {
        const alerts = bySink.get(sink);
        if (alerts === undefined) bySink.set(sink, [alert]);
        else alerts.push(alert);
      }
    }
    await guard(() =>
      Promise.all(
        [...bySink].map(async ([sink, alerts]) => {
          const queue = this.queue(sink);
          // Indexed first: a crash in between leaves an index entry without a job, which stats() drops, never a job without one.
          // Both go on the one connection the queue shares, in this order, without waiting for the first answer (one round
          // trip); if either fails, the batch fails and is retried, so no job stays without its entry.
          const indexed = this.redis.zadd(this.undeliveredKey(sink), 'NX', ...alerts.flatMap((a) => [now, a.id]));
          const added = queue.addBulk(
            alerts.map((alert) => ({
              name: alert.rule,
              data: { alert, queuedAt: now },
              opts: { ...JOB_OPTIONS, jobId: alert.id },
            })),
          );
          await Promise.all([indexed, added]);
        }),
      ),
    );
  }

  /** Marks an alert as no longer waiting (delivered, dead-lettered or dropped). */
  async settled(sink: string, alertId: string): Promise<void> {
    await this.redis.zrem(this.undeliveredKey(sink), alertId);
  }

  /** Marks an alert as waiting again (re-driven from the dead letters). */
  async requeued(sink: string, alertId: string, now = Date.now()): Promise<void> {
    await this.redis.zadd(this.undeliveredKey(sink), now, alertId);
  }

  /**
   * Alerts waiting (waiting + delayed) and the age of the oldest undelivered
   * one in seconds (0 when none). Index entries whose job has finished or is
   * gone (a crash between delivery and the index update, a re-raised delivered
   * alert) are dropped on the way.
   */
  async stats(sink: string, now = Date.now()): Promise<{ pending: number; oldestSeconds: number }> {
    const queue = this.queue(sink);
    return guard(async () => {
      const counts = await queue.getJobCounts('waiting', 'delayed', 'prioritized');
      const pending = Object.values(counts).reduce((a, b) => a + b, 0);
      for (let checked = 0; checked < STALE_CHECKS; checked++) {
        const [id, score] = await this.redis.zrange(this.undeliveredKey(sink), 0, 0, 'WITHSCORES');
        if (id === undefined) break;
        const state = await queue.getJobState(id);
        if (state !== 'completed' && state !== 'failed' && state !== 'unknown')
          return { pending, oldestSeconds: Math.max(0, (now - Number(score)) / 1000) };
        await this.redis.zrem(this.undeliveredKey(sink), id);
      }
      return { pending, oldestSeconds: 0 };
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}

/** Redis failures surface as StateError: the batch is retried and its offsets are not committed. */
export async function guard<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw new StateError(`Redis delivery queue unavailable: ${messageOf(error)}`, { cause: error });
  }
}
