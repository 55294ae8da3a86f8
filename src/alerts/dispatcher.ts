import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Sink } from '../sinks/sink.js';
import { Outbox, type OutboxEntry } from './outbox.js';
import { deliverWithRetry } from './retry.js';

export interface DispatcherOptions {
  redis: Redis;
  prefix: string;
  sinks: readonly Sink[];
  /** This replica's consumer name in the outbox group (stable across restarts of one pod). */
  consumer: string;
  /** Retrying stops this long after an alert was enqueued, in ms. */
  giveUpAfterMs: number;
  attemptTimeoutMs: number;
  log: Logger;
  metrics: Metrics;
  /** Entries pending this long with another consumer are taken over, in ms; default 60 s. */
  claimIdleMs?: number;
  /** A backlog above this many alerts per sink is logged; default 1000. */
  backlogWarning?: number;
}

/**
 * Delivers outbox entries: one loop per sink, each on its own Redis connection
 * (blocking reads) so a sink that is down delays only its own alerts. An entry
 * is acknowledged only after delivery, or after it was moved to the dead-letter
 * stream; entries of a dead replica are claimed after `claimIdleMs`.
 */
export class Dispatcher {
  private readonly stop = new AbortController();
  private readonly loops: Array<Promise<void>> = [];
  private readonly connections: Redis[] = [];
  private draining = false;

  constructor(private readonly o: DispatcherOptions) {}

  start(): void {
    for (const sink of this.o.sinks) {
      const connection = this.o.redis.duplicate();
      this.connections.push(connection);
      this.loops.push(this.loop(sink, new Outbox(connection, this.o.prefix)));
    }
  }

  /** Stops taking new entries; waits up to `graceMs` for deliveries in flight, then aborts them (they stay pending). */
  async close(graceMs: number): Promise<void> {
    const finished = Promise.all(this.loops);
    this.draining = true;
    const timer = setTimeout(() => this.stop.abort(), graceMs);
    await finished;
    clearTimeout(timer);
    this.stop.abort();
    for (const c of this.connections) c.disconnect();
  }

  private async loop(sink: Sink, outbox: Outbox): Promise<void> {
    const claimIdleMs = this.o.claimIdleMs ?? 60_000;
    let pendingFirst = true;
    let lastClaim = 0;
    let lastBacklog = 0;
    while (!this.draining && !this.stop.signal.aborted) {
      try {
        let entries: OutboxEntry[] = [];
        if (Date.now() - lastClaim > claimIdleMs / 2) {
          lastClaim = Date.now();
          entries = await outbox.claimStale(sink.name, this.o.consumer, claimIdleMs, 16);
        }
        if (entries.length === 0) entries = await outbox.read(sink.name, this.o.consumer, 16, 1_000, pendingFirst);
        if (pendingFirst && entries.length === 0) pendingFirst = false;
        for (const entry of entries) {
          if (this.stop.signal.aborted) break;
          await this.deliver(sink, outbox, entry);
        }
        if (Date.now() - lastBacklog > 5_000) {
          lastBacklog = Date.now();
          await this.reportBacklog(sink, outbox);
        }
      } catch (error) {
        this.o.metrics.redisErrors.inc();
        this.o.log.warn({ sink: sink.name, err: (error as Error).message }, 'outbox unavailable; retrying');
        await sleep(1_000, undefined, { signal: this.stop.signal }).catch(() => undefined);
      }
    }
  }

  private async deliver(sink: Sink, outbox: Outbox, entry: OutboxEntry): Promise<void> {
    const { alert } = entry;
    const label = this.o.metrics.sink(sink.name);
    if (await outbox.wasDelivered(sink.name, alert.id)) {
      await outbox.done(sink.name, entry);
      return;
    }
    const outcome = await deliverWithRetry(sink, alert, {
      giveUpAt: entry.enqueuedAt + this.o.giveUpAfterMs,
      attemptTimeoutMs: this.o.attemptTimeoutMs,
      signal: this.stop.signal,
      onAttempt: (result, seconds, error) => {
        this.o.metrics.deliveries.inc({ sink: label, outcome: result });
        this.o.metrics.deliverySeconds.observe({ sink: label }, seconds);
        if (error !== undefined) this.o.log.warn({ sink: sink.name, alert: alert.id, rule: alert.rule, status: error.status, err: error.message, retryable: error.retryable }, 'delivery failed');
      },
      onWait: () => outbox.keepClaimed(sink.name, this.o.consumer, entry.entryId),
    });
    if (outcome.status === 'delivered') {
      await outbox.done(sink.name, entry);
      this.o.log.info({ sink: sink.name, alert: alert.id, rule: alert.rule, severity: alert.severity }, 'alert sent');
    } else if (outcome.status === 'dead') {
      await outbox.deadLetter(sink.name, entry, outcome.reason);
      this.o.metrics.deliveries.inc({ sink: label, outcome: 'dead_letter' });
      this.o.metrics.deadLetters.inc({ sink: label });
      this.o.log.error({ sink: sink.name, alert: alert.id, rule: alert.rule, reason: outcome.reason }, 'alert moved to the dead-letter stream');
    }
  }

  private async reportBacklog(sink: Sink, outbox: Outbox): Promise<void> {
    const backlog = await outbox.backlog(sink.name);
    this.o.metrics.outboxPending.set({ sink: this.o.metrics.sink(sink.name) }, backlog);
    if (backlog > (this.o.backlogWarning ?? 1_000)) this.o.log.warn({ sink: sink.name, backlog }, 'outbox backlog growing');
  }
}
