import calculateSlot from 'cluster-key-slot';
import { Cluster, type ChainableCommander } from 'ioredis';
import { pack } from 'msgpackr';
import { messageOf, StateError } from '../errors.js';
import { keyTag } from './keys.js';
import type { QuietCache } from './quiet-cache.js';
import type { RedisClient } from './redis-connection.js';
import { scriptCall, type ScriptCall } from './redis-ops.js';
import { BATCH_SCRIPT, defineScripts, loadScripts, type LuaScript } from './scripts.js';
import type { DetectorOp, OpResult, OpStatus, StateStore } from './state-store.js';

const STATUS: readonly OpStatus[] = ['quiet', 'fire', 'throttled'];

type Reply = Array<string | number>;

/**
 * Lifetime of `last-event-at` after the newest arrival, in ms: 90 days. Like
 * every key it expires, so a removed deployment leaves nothing behind; a
 * silence longer than this is seen anew from each replica's start.
 */
export const LAST_EVENT_TTL_MS = 90 * 86_400_000;

/**
 * Operations per batch script call at most. A script blocks Redis while it runs:
 * at 11–50 µs per operation (bench/README.md, quiet to loaded machine), 256 keep
 * one call within about 3–13 ms, while a chunk's operations still go in a few calls.
 */
export const OPS_PER_CALL = 256;

/**
 * Detector state in Redis: every operation is its detector's Lua script
 * (atomic), and a batch of operations goes as calls of the batch script
 * (scripts.ts), each applying up to `opsPerCall` operations in order, all in one
 * pipeline (one round trip). Each script also remembers its decision in the
 * key's `decided` hash (same hash tag), so a re-applied event gets its first
 * reply; that also covers a call that failed half-way (its first operations'
 * writes stay, and the retried batch gets their first replies). On a Redis
 * Cluster the batch is split per node (a call may touch keys of several slots
 * only on the node that serves them all), one pipeline per node, sent at once;
 * the operations of one key keep their order, since all of a key's state is on
 * one node. With a QuietCache, operations it knows to be quiet and not yet due
 * for a refresh are answered without Redis. The chunk's arrival time (`touch` of
 * `last-event-at`) goes as one more operation of the first call to the node that
 * serves that key, and as a call of its own only when no operation goes there.
 */
export class RedisStateStore implements StateStore {
  private readonly scripts: Map<string, LuaScript>;

  /** `prefix` namespaces every key (default `aw`); tests use a random one. `quiet`: this replica's cache of quiet facts, if any. */
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix = 'aw',
    private readonly quiet?: QuietCache,
    private readonly opsPerCall = OPS_PER_CALL,
  ) {
    this.scripts = loadScripts();
    defineScripts(redis, this.scripts);
    // A Redis that was away may have lost its data: facts are learned again.
    if (quiet !== undefined)
      redis.on('ready', () => {
        quiet.clear();
      });
  }

  async apply(ops: readonly DetectorOp[], arrivedAtMs?: number): Promise<OpResult[]> {
    const results: OpResult[] = new Array<OpResult>(ops.length);
    const sent: number[] = [];
    ops.forEach((op, i) => {
      if (this.quiet?.skips(op) === true) results[i] = SKIPPED;
      else sent.push(i);
    });
    if (sent.length === 0) {
      if (arrivedAtMs !== undefined) await this.touch(arrivedAtMs);
      return results;
    }
    const groups = this.redis instanceof Cluster ? [...this.byNode(this.redis, ops, sent)] : [['', sent] as const];
    // The touch goes with the calls of the node that serves `last-event-at` (no hash tag), or on its own when none does.
    const touchNode = this.redis instanceof Cluster ? this.nodeOf(this.redis, calculateSlot(this.lastEventKey)) : '';
    const alone =
      arrivedAtMs !== undefined && !groups.some(([node]) => node === touchNode) ? this.touch(arrivedAtMs) : undefined;
    const touch = arrivedAtMs !== undefined && alone === undefined ? this.touchOp(arrivedAtMs) : undefined;
    await Promise.all([
      ...groups.map(async ([node, indexes]) =>
        this.applyGroup(ops, indexes, results, node === touchNode ? touch : undefined),
      ),
      alone,
    ]);
    return results;
  }

  /**
   * Applies the operations `indexes` of `ops` (all on one node) in calls of the batch script, one pipeline;
   * `touch` (touchOp) goes last in the first call.
   */
  private async applyGroup(
    ops: readonly DetectorOp[],
    indexes: readonly number[],
    results: OpResult[],
    touch?: ScriptCall,
  ): Promise<void> {
    const pipeline = this.redis.pipeline();
    const calls: Array<ReadonlyArray<[number, DetectorOp]>> = [];
    for (let from = 0; from < indexes.length; from += this.opsPerCall) {
      const part = indexes.slice(from, from + this.opsPerCall).map((i): [number, DetectorOp] => [i, opAt(ops, i)]);
      const scripts = part.map(([, op]) => scriptCall(this.prefix, op));
      if (from === 0 && touch !== undefined) scripts.push(touch);
      const packed = pack(scripts.map(({ name, keys, args }) => [name, keys, args.map(String)]));
      // The one declared key routes the call (a key of its first operation); the script reads every key from the operations.
      this.invoke(pipeline, BATCH_SCRIPT, [scripts[0]?.keys[0] ?? ''], [packed]);
      calls.push(part);
    }
    const replies = await this.exec(pipeline);
    calls.forEach((part, c) => {
      const reply = replies[c];
      const expected = part.length + (c === 0 && touch !== undefined ? 1 : 0);
      if (!Array.isArray(reply) || reply.length !== expected)
        throw new StateError(`the batch script answered ${String(reply)} for ${expected} operations`);
      part.forEach(([i, op], j) => {
        const one = reply[j] as Reply;
        // A third element is the newest time recorded, only in a fresh reply (new_value, dormant).
        if (this.quiet !== undefined && one.length > 2) this.quiet.learn(op, Number(one[2]));
        results[i] = toResult(op, one);
      });
    });
  }

  /** Indexes `sent` of `ops` grouped by the cluster node that serves their keys (by slot until the slot map is known). */
  private byNode(cluster: Cluster, ops: readonly DetectorOp[], sent: readonly number[]): Map<string, number[]> {
    const groups = new Map<string, number[]>();
    for (const i of sent) {
      const op = opAt(ops, i);
      const node = this.nodeOf(cluster, calculateSlot(keyTag(op.ruleId, op.groupKey)));
      const group = groups.get(node);
      if (group === undefined) groups.set(node, [i]);
      else group.push(i);
    }
    return groups;
  }

  private nodeOf(cluster: Cluster, slot: number): string {
    return cluster.slots[slot]?.[0] ?? `slot ${slot}`;
  }

  private get lastEventKey(): string {
    return `${this.prefix}:last-event-at`;
  }

  /** The touch script as an operation of the batch script. */
  private touchOp(nowMs: number): ScriptCall {
    return { name: 'touch', keys: [this.lastEventKey], args: [nowMs, LAST_EVENT_TTL_MS] };
  }

  async touch(nowMs: number): Promise<void> {
    const pipeline = this.redis.pipeline();
    const { name, keys, args } = this.touchOp(nowMs);
    this.invoke(pipeline, name, keys, args);
    await this.exec(pipeline);
  }

  async lastEventAt(): Promise<number | undefined> {
    const value = await this.guard(() => this.redis.get(this.lastEventKey));
    return value === null ? undefined : Number(value);
  }

  async ping(): Promise<void> {
    await this.guard(() => this.redis.ping());
  }

  close(): Promise<void> {
    this.redis.disconnect();
    return Promise.resolve();
  }

  private invoke(
    pipeline: ChainableCommander,
    name: string,
    keys: string[],
    args: Array<string | number | Buffer>,
  ): void {
    const script = this.scripts.get(name);
    if (script === undefined) throw new StateError(`no Lua script named ${name}`);
    const send = (pipeline as unknown as Record<string, ((...a: Array<string | number | Buffer>) => void) | undefined>)[
      script.command
    ];
    if (send === undefined) throw new StateError(`Lua script ${name} is not defined on the client`);
    send.call(pipeline, ...keys, ...args);
  }

  private async exec(pipeline: ChainableCommander): Promise<unknown[]> {
    const results = await this.guard(() => pipeline.exec());
    if (results === null) throw new StateError('Redis pipeline was discarded');
    return results.map(([error, reply]) => {
      if (error === null) return reply;
      // A slot that moved since the batch was grouped (resharding, failover): group by the new map on the retry.
      if (this.redis instanceof Cluster) this.redis.refreshSlotsCache();
      throw new StateError(`Redis script failed: ${error.message}`, { cause: error });
    });
  }

  private async guard<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof StateError) throw error;
      throw new StateError(`Redis unavailable: ${messageOf(error)}`, { cause: error });
    }
  }
}

function opAt(ops: readonly DetectorOp[], i: number): DetectorOp {
  const op = ops[i];
  if (op === undefined) throw new StateError(`no operation ${i}`);
  return op;
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
