import calculateSlot from 'cluster-key-slot';
import { Cluster, type ChainableCommander } from 'ioredis';
import { StateError } from '../errors.js';
import { BASELINE_VALUES_KEPT, keyTag, memberCap, NEW_VALUES_DROPPED, NEW_VALUES_KEPT } from './keys.js';
import type { QuietCache } from './quiet-cache.js';
import type { RedisClient } from './redis-connection.js';
import { defineScripts, loadScripts, type LuaScript } from './scripts.js';
import {
  spanOf,
  TTL_MARGIN_MS,
  type DetectorOp,
  type OpResult,
  type OpStatus,
  type StateStore,
} from './state-store.js';

const STATUS: readonly OpStatus[] = ['quiet', 'fire', 'throttled'];

type Reply = Array<string | number>;

/**
 * Lifetime of `last-event-at` after the newest arrival, in ms: 90 days. Like
 * every key it expires, so a removed deployment leaves nothing behind; a
 * silence longer than this is seen anew from each replica's start.
 */
export const LAST_EVENT_TTL_MS = 90 * 86_400_000;
type Call = (pipeline: ChainableCommander) => void;

/**
 * Detector state in Redis: every operation is one Lua script (atomic), and a
 * batch of operations is one pipeline (one round trip), in order. Each script
 * also remembers its decision in the key's `decisions` hash (same hash tag),
 * so a re-applied event gets its first reply without another round trip. On a
 * Redis Cluster the batch is one pipeline per node (a pipeline must not span
 * nodes), sent at once; the operations of one key keep their order, since all
 * of a key's state is on one node. With a QuietCache, operations it knows to be
 * quiet and not yet due for a refresh are answered without Redis.
 */
export class RedisStateStore implements StateStore {
  private readonly scripts: Map<string, LuaScript>;

  /** `prefix` namespaces every key (default `aw`); tests use a random one. `quiet`: this replica's cache of quiet facts, if any. */
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix = 'aw',
    private readonly quiet?: QuietCache,
  ) {
    this.scripts = loadScripts();
    defineScripts(redis, this.scripts);
    // A Redis that was away may have lost its data: facts are learned again.
    if (quiet !== undefined) redis.on('ready', () => quiet.clear());
  }

  async apply(ops: readonly DetectorOp[]): Promise<OpResult[]> {
    const results: OpResult[] = new Array<OpResult>(ops.length);
    const sent: number[] = [];
    for (let i = 0; i < ops.length; i++) {
      if (this.quiet?.skips(ops[i]!) === true) results[i] = SKIPPED;
      else sent.push(i);
    }
    if (sent.length === 0) return results;
    const groups = this.redis instanceof Cluster ? this.byNode(this.redis, ops, sent).values() : [sent];
    await Promise.all(
      [...groups].map(async (indexes) => {
        const pipeline = this.redis.pipeline();
        for (const i of indexes) this.call(ops[i]!)(pipeline);
        const replies = await this.exec(pipeline);
        replies.forEach((reply, j) => {
          const op = ops[indexes[j]!]!;
          // A third element is the newest time recorded, only in a fresh reply (new_value, dormant).
          if (this.quiet !== undefined && (reply as Reply).length > 2)
            this.quiet.learn(op, Number((reply as Reply)[2]));
          results[indexes[j]!] = toResult(op, reply as Reply);
        });
      }),
    );
    return results;
  }

  /** Indexes `sent` of `ops` grouped by the cluster node that serves their keys (by slot until the slot map is known). */
  private byNode(cluster: Cluster, ops: readonly DetectorOp[], sent: readonly number[]): Map<string, number[]> {
    const groups = new Map<string, number[]>();
    for (const i of sent) {
      const op = ops[i]!;
      const slot = calculateSlot(keyTag(op.ruleId, op.groupKey));
      const node = cluster.slots[slot]?.[0] ?? `slot ${slot}`;
      const group = groups.get(node);
      if (group === undefined) groups.set(node, [i]);
      else group.push(i);
    }
    return groups;
  }

  async touch(nowMs: number): Promise<void> {
    const pipeline = this.redis.pipeline();
    this.invoke(pipeline, 'touch', [`${this.prefix}:last-event-at`], [nowMs, LAST_EVENT_TTL_MS]);
    await this.exec(pipeline);
  }

  async lastEventAt(): Promise<number | undefined> {
    const value = await this.guard(() => this.redis.get(`${this.prefix}:last-event-at`));
    return value === null ? undefined : Number(value);
  }

  async ping(): Promise<void> {
    await this.guard(() => this.redis.ping());
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private call(op: DetectorOp): Call {
    const base = `${this.prefix}:${keyTag(op.ruleId, op.groupKey)}:`;
    const key = (kind: string) => base + kind;
    const ttl = spanOf(op) + TTL_MARGIN_MS;
    const throttleKey = key('throttle');
    const decisions = key('decisions');
    return (p) => {
      switch (op.detector) {
        case 'fire':
          return this.invoke(
            p,
            'fire',
            [throttleKey, decisions],
            [op.alertId, op.timeMs, op.throttleMs, op.eventId, ttl],
          );
        case 'threshold':
          return this.invoke(
            p,
            'threshold',
            [key('events'), throttleKey, decisions],
            [op.eventId, op.timeMs, op.windowMs, op.count, ttl, op.throttleMs, op.alertId, memberCap(op.count)],
          );
        case 'distinct':
          return this.invoke(
            p,
            'distinct',
            [key('values'), key('value-events'), throttleKey, decisions],
            [
              op.eventId,
              op.timeMs,
              op.value,
              op.windowMs,
              op.count,
              ttl,
              op.throttleMs,
              op.alertId,
              memberCap(op.count),
            ],
          );
        case 'new_value':
          return this.invoke(
            p,
            'new-value',
            [key('seen'), throttleKey, decisions],
            [
              op.eventId,
              op.timeMs,
              op.value,
              op.learningMs,
              op.forgetMs,
              ttl,
              op.throttleMs,
              op.alertId,
              NEW_VALUES_KEPT,
              NEW_VALUES_DROPPED,
            ],
          );
        case 'dormant':
          return this.invoke(
            p,
            'dormant',
            [key('recent'), throttleKey, decisions],
            [op.eventId, op.timeMs, op.afterMs, ttl, op.throttleMs, op.alertId],
          );
        case 'sequence':
          return this.invoke(
            p,
            'sequence',
            [key('first'), key('then'), throttleKey, decisions],
            [
              op.step,
              op.eventId,
              op.timeMs,
              op.windowMs,
              op.count,
              ttl,
              op.throttleMs,
              op.alertId,
              memberCap(op.count),
            ],
          );
        case 'baseline':
          return this.invoke(
            p,
            'baseline',
            [key('baseline'), key('bucket-values:0'), key('bucket-values:1'), throttleKey, decisions],
            [
              op.eventId,
              op.timeMs,
              op.countValues ? '1' : '0',
              op.value,
              op.bucketMs,
              op.decay,
              op.learningMs,
              op.z,
              op.minCount,
              op.minDeviation,
              ttl,
              op.throttleMs,
              op.alertId,
              BASELINE_VALUES_KEPT,
            ],
          );
      }
    };
  }

  private invoke(pipeline: ChainableCommander, name: string, keys: string[], args: Array<string | number>): void {
    const script = this.scripts.get(name);
    if (script === undefined) throw new StateError(`no Lua script named ${name}`);
    (pipeline as unknown as Record<string, (...a: Array<string | number>) => void>)[script.command]!(...keys, ...args);
  }

  private async exec(pipeline: ChainableCommander): Promise<unknown[]> {
    const results = await this.guard(() => pipeline.exec());
    if (results === null) throw new StateError('Redis pipeline was discarded');
    return results.map(([error, reply]) => {
      if (error !== null) throw new StateError(`Redis script failed: ${error.message}`, { cause: error });
      return reply;
    });
  }

  private async guard<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof StateError) throw error;
      throw new StateError(`Redis unavailable: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** The result of an operation the quiet cache answered: what the script would have replied (`{ 0, 0 }`). */
const SKIPPED: OpResult = Object.freeze({
  status: 'quiet' as const,
  count: 0,
  evidence: Object.freeze([]) as unknown as string[],
});

/** Detectors whose only evidence is the event that fired them. */
const SINGLE_EVENT: ReadonlySet<DetectorOp['detector']> = new Set(['fire', 'new_value', 'dormant', 'baseline']);

function toResult(op: DetectorOp, reply: Reply): OpResult {
  const status = STATUS[Number(reply[0])] ?? 'quiet';
  const count = Number(reply[1]);
  const rest = reply.slice(2).map(String);
  if (op.detector === 'distinct') {
    const values = rest.filter((_, i) => i % 2 === 0);
    return { status, count, evidence: rest.filter((_, i) => i % 2 === 1), ...(status === 'fire' ? { values } : {}) };
  }
  if (op.detector === 'baseline' && status === 'fire') {
    // Figures come as text (%.17g), which Number() reads back to the very doubles Lua computed.
    const [mean, deviation, z] = rest.map(Number) as [number, number, number];
    return { status, count, evidence: [op.eventId], baseline: { count, mean, deviation, z } };
  }
  if (SINGLE_EVENT.has(op.detector)) return { status, count, evidence: status === 'fire' ? [op.eventId] : [] };
  return { status, count, evidence: rest };
}
