import type { Redis } from 'ioredis';
import { StateError } from '../errors.js';
import { defineScripts, loadScripts } from '../state/scripts.js';
import type { Alert } from './alert.js';

/** An alert waiting in one sink's stream. */
export interface OutboxEntry {
  /** Stream entry id. */
  entryId: string;
  alert: Alert;
  /** When it was written to the outbox, epoch ms. */
  enqueuedAt: number;
}

/** How long the outbox remembers an alert id (dedup) and a delivery, in seconds: 7 days. */
const REMEMBER_SECONDS = 7 * 24 * 3600;
const GROUP = 'dispatchers';
const DEAD_LETTER_MAXLEN = 100_000;

/**
 * The durable outbox: one Redis Stream per sink, read by a consumer group of
 * dispatchers (one consumer per replica). Alerts are written once per alert id
 * before the Kafka offsets of their events are committed; an entry is
 * acknowledged and deleted only after delivery. All keys share one hash tag.
 */
export class Outbox {
  private readonly enqueueCommand: string;
  private readonly groupsReady = new Set<string>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'aw',
  ) {
    const scripts = loadScripts();
    defineScripts(redis, scripts);
    this.enqueueCommand = scripts.get('enqueue')!.command;
  }

  streamKey(sink: string): string {
    return `${this.prefix}:{outbox}:sink:${sink}`;
  }

  get deadLetterKey(): string {
    return `${this.prefix}:{outbox}:dead`;
  }

  /** Writes alerts for their sinks in one round trip; returns how many were new. */
  async enqueue(items: ReadonlyArray<{ alert: Alert; sinks: readonly string[] }>): Promise<number> {
    if (items.length === 0) return 0;
    const keys: string[] = [];
    const args: Array<string | number> = [REMEMBER_SECONDS, Date.now()];
    for (const { alert, sinks } of items) {
      keys.push(`${this.prefix}:{outbox}:alert:${alert.id}`, ...sinks.map((s) => this.streamKey(s)));
      args.push(sinks.length, alert.id, JSON.stringify(alert));
    }
    const call = (this.redis as unknown as Record<string, (...a: Array<string | number>) => Promise<number[]>>)[this.enqueueCommand]!;
    const fresh = await guard(() => call.call(this.redis, keys.length, ...keys, ...args));
    return fresh.reduce((a, b) => a + b, 0);
  }

  /** Creates the consumer group of a sink's stream (idempotent). */
  async ensureGroup(sink: string): Promise<void> {
    if (this.groupsReady.has(sink)) return;
    try {
      await this.redis.xgroup('CREATE', this.streamKey(sink), GROUP, '0', 'MKSTREAM');
    } catch (error) {
      if (!String(error).includes('BUSYGROUP')) throw new StateError(`cannot create outbox group: ${(error as Error).message}`, { cause: error });
    }
    this.groupsReady.add(sink);
  }

  /** This consumer's own pending entries (after a restart), then new ones, blocking up to `blockMs`. */
  async read(sink: string, consumer: string, count: number, blockMs: number, pendingFirst: boolean): Promise<OutboxEntry[]> {
    await this.ensureGroup(sink);
    const reply = (await this.groupGuard(sink, () =>
      this.redis.call('XREADGROUP', 'GROUP', GROUP, consumer, 'COUNT', count, ...(pendingFirst ? [] : ['BLOCK', blockMs]), 'STREAMS', this.streamKey(sink), pendingFirst ? '0' : '>'),
    )) as Array<[string, Array<[string, string[]]>]> | null;
    return (reply?.[0]?.[1] ?? []).flatMap(([id, fields]) => parseEntry(id, fields));
  }

  /** Takes over entries another consumer left pending for `minIdleMs` (a dead replica). */
  async claimStale(sink: string, consumer: string, minIdleMs: number, count: number): Promise<OutboxEntry[]> {
    await this.ensureGroup(sink);
    const reply = (await this.groupGuard(sink, () => this.redis.xautoclaim(this.streamKey(sink), GROUP, consumer, minIdleMs, '0-0', 'COUNT', count))) as [string, Array<[string, string[]] | null>];
    return (reply[1] ?? []).flatMap((e) => (e === null ? [] : parseEntry(e[0], e[1])));
  }

  /** Resets an entry's idle time while its delivery is being retried, so no other replica claims it. */
  async keepClaimed(sink: string, consumer: string, entryId: string): Promise<void> {
    await guard(() => this.redis.xclaim(this.streamKey(sink), GROUP, consumer, 0, entryId, 'JUSTID'));
  }

  /** Whether this alert was already delivered to this sink (a crash between delivery and ack). */
  async wasDelivered(sink: string, alertId: string): Promise<boolean> {
    return (await guard(() => this.redis.exists(this.deliveredKey(sink, alertId)))) === 1;
  }

  /** Records the delivery, then acknowledges and deletes the entry, in one transaction. */
  async done(sink: string, entry: OutboxEntry): Promise<void> {
    await guard(() =>
      this.redis
        .multi()
        .set(this.deliveredKey(sink, entry.alert.id), '1', 'EX', REMEMBER_SECONDS)
        .xack(this.streamKey(sink), GROUP, entry.entryId)
        .xdel(this.streamKey(sink), entry.entryId)
        .exec(),
    );
  }

  /** Moves an entry to the dead-letter stream with the reason, acknowledging it. */
  async deadLetter(sink: string, entry: OutboxEntry, reason: string): Promise<void> {
    await guard(() =>
      this.redis
        .multi()
        .xadd(this.deadLetterKey, 'MAXLEN', '~', DEAD_LETTER_MAXLEN, '*', 'sink', sink, 'id', entry.alert.id, 'reason', reason.slice(0, 500), 'alert', JSON.stringify(entry.alert), 'failedAt', Date.now())
        .xack(this.streamKey(sink), GROUP, entry.entryId)
        .xdel(this.streamKey(sink), entry.entryId)
        .exec(),
    );
  }

  /** Entries not yet delivered to a sink (waiting or in delivery). */
  async backlog(sink: string): Promise<number> {
    return guard(() => this.redis.xlen(this.streamKey(sink)));
  }

  /** A Redis that lost its data (restart without persistence) lost the group too: create it again on the next call. */
  private async groupGuard<T>(sink: string, action: () => Promise<T>): Promise<T> {
    try {
      return await guard(action);
    } catch (error) {
      if (String((error as Error).message).includes('NOGROUP')) this.groupsReady.delete(sink);
      throw error;
    }
  }

  private deliveredKey(sink: string, alertId: string): string {
    return `${this.prefix}:{outbox}:delivered:${sink}:${alertId}`;
  }
}

function parseEntry(entryId: string, fields: string[]): OutboxEntry[] {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  const json = map.get('alert');
  if (json === undefined) return [];
  return [{ entryId, alert: JSON.parse(json) as Alert, enqueuedAt: Number(map.get('enqueuedAt') ?? Date.now()) }];
}

async function guard<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw new StateError(`Redis outbox unavailable: ${(error as Error).message}`, { cause: error });
  }
}
