import type { Logger } from '../log.js';
import { messageOf } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { RedisClient } from '../state/redis-connection.js';
import { queuePrefix, type DeliveryQueues } from './delivery-queues.js';

/** How often the queues are measured, in ms. */
const INTERVAL_MS = 5_000;
/** A backlog above this many alerts per sink is logged. */
const BACKLOG_WARNING = 1_000;
/** Undelivered alert ids remembered per sink, to name them if Redis loses its data. */
const SAMPLE = 20;

interface Snapshot {
  undelivered: number;
  sample: string[];
}

/**
 * Measures each sink's queue every few seconds (pending alerts, age of the
 * oldest undelivered one) for /metrics, and notices when Redis lost its data (a
 * restart without persistence, a failover to an empty replica): the marker key
 * written at start-up is gone. What was undelivered at the last measurement is
 * then lost; it is logged (count and ids) and counted, and the marker is set again.
 */
export class DeliveryMonitor {
  private readonly last = new Map<string, Snapshot>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly queues: DeliveryQueues,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(
      () =>
        void this.measure().catch((error: unknown) =>
          this.log.warn({ err: messageOf(error) }, 'delivery queues not measured'),
        ),
      INTERVAL_MS,
    );
    this.timer.unref();
    void this.measure().catch(() => undefined);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One measurement of every sink's queue. */
  async measure(now = Date.now()): Promise<void> {
    for (const sink of this.queues.sinks) {
      const label = this.metrics.sink(sink);
      await this.checkMarker(sink);
      const { pending, oldestSeconds } = await this.queues.stats(sink, now);
      this.metrics.outboxPending.set({ sink: label }, pending);
      this.metrics.outboxOldestSeconds.set({ sink: label }, oldestSeconds);
      if (pending > BACKLOG_WARNING) this.log.warn({ sink, pending, oldestSeconds }, 'delivery backlog growing');
      const key = this.queues.undeliveredKey(sink);
      const [undelivered, sample] = await Promise.all([this.redis.zcard(key), this.redis.zrange(key, 0, SAMPLE - 1)]);
      this.last.set(sink, { undelivered, sample });
    }
  }

  private async checkMarker(sink: string): Promise<void> {
    const marker = `${queuePrefix(this.queues.prefix, sink)}:marker`;
    if ((await this.redis.set(marker, String(Date.now()), 'NX')) !== 'OK') return;
    const before = this.last.get(sink);
    if (before === undefined) return; // first start on this Redis: nothing was known
    this.metrics.alertsLost.inc({ sink: this.metrics.sink(sink) }, before.undelivered);
    this.log.error(
      { sink, lost: before.undelivered, alerts: before.sample },
      'Redis lost its data: alerts that were waiting for delivery are gone (count in `lost`, the oldest ids in `alerts`)',
    );
  }
}
