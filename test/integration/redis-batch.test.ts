import { randomUUID } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { StateError } from '../../src/errors.js';
import { keyTag } from '../../src/state/keys.js';
import { createRedis } from '../../src/state/redis-connection.js';
import { LAST_EVENT_TTL_MS, RedisStateStore } from '../../src/state/redis-store.js';
import type { DetectorOp } from '../../src/state/state-store.js';
import { clusterSettings, requireServices, services } from '../support/services.js';

/**
 * The batch script (src/state/scripts.ts): a chunk's operations go as few script
 * calls (one per node and up to `opsPerCall` operations), and a call that fails
 * half-way (its first operations' writes stay) gives, once retried, the replies
 * a single clean application gives.
 */
const available = services() !== null;
const T = Date.UTC(2026, 2, 2);

/** A chunk over `keys` group keys: bursts that fire (threshold 3), new values, dormant keys and sequences. */
function chunk(keys: number, rule = 'r'): DetectorOp[] {
  const ops: DetectorOp[] = [];
  for (let i = 0; i < 4 * keys; i++) {
    const groupKey = `credentialId=K${i % keys}`;
    const b = { groupKey, eventId: `e${i}`, alertId: `a${i}`, timeMs: T + i * 1000, throttleMs: 0 };
    ops.push({ ...b, ruleId: `${rule}-burst`, detector: 'threshold', windowMs: 60_000, count: 3 });
    ops.push({
      ...b,
      ruleId: `${rule}-new`,
      detector: 'new_value',
      value: `v${i % 3}`,
      learningMs: 0,
      forgetMs: 86_400_000,
    });
    ops.push({
      ...b,
      ruleId: `${rule}-seq`,
      detector: 'sequence',
      step: i % 2 === 0 ? 'first' : 'then',
      windowMs: 60_000,
      count: 1,
    });
  }
  return ops;
}

/**
 * Counts the script calls (EVALSHA or EVAL) sent on these connections; a command
 * queued while its connection was still connecting passes here twice, counted once.
 */
function countScriptCalls(connections: Redis[]): { calls: number } {
  const counter = { calls: 0 };
  const seen = new WeakSet<object>();
  for (const connection of connections) {
    const send = connection.sendCommand.bind(connection);
    connection.sendCommand = (command, ...rest) => {
      if ((command.name === 'evalsha' || command.name === 'eval') && !seen.has(command)) counter.calls++;
      seen.add(command);
      return send(command, ...rest);
    };
  }
  return counter;
}

/** The replies of one clean application of `ops` on fresh state. */
async function cleanReplies(open: () => RedisStateStore, ops: DetectorOp[]) {
  const store = open();
  try {
    return await store.apply(ops);
  } finally {
    await store.close();
  }
}

describe.skipIf(!available)('RedisStateStore batch script (real Redis)', () => {
  const single = () => new Redis(requireServices().redisUrl, { maxRetriesPerRequest: 2 });

  it('sends a chunk as one script call per opsPerCall operations, with the replies of any other split', async () => {
    const ops = chunk(10);
    const redis = single();
    const store = new RedisStateStore(redis, `aw-test-${randomUUID()}`, undefined, 7);
    await store.apply([
      { ruleId: 'warm', groupKey: '', eventId: 'w', timeMs: 0, throttleMs: 0, alertId: 'w', detector: 'fire' },
    ]);
    const counter = countScriptCalls([redis]);
    const results = await store.apply(ops);
    expect(counter.calls).toBe(Math.ceil(ops.length / 7));
    expect(results).toEqual(await cleanReplies(() => new RedisStateStore(single(), `aw-test-${randomUUID()}`), ops));
    expect(results.filter((r) => r.status === 'fire').length).toBeGreaterThan(10);
    await store.close();
  });

  it("carries the chunk's arrival time (touch) in its first call: no call of its own, same TTL; alone when no operation is sent", async () => {
    const p = `aw-test-${randomUUID()}`;
    const redis = single();
    const store = new RedisStateStore(redis, p, undefined, 7);
    const ops = chunk(10);
    const counter = countScriptCalls([redis]);
    const now = Date.now();
    const results = await store.apply(ops, now);
    expect(counter.calls).toBe(Math.ceil(ops.length / 7));
    expect(results).toEqual(await cleanReplies(() => new RedisStateStore(single(), `aw-test-${randomUUID()}`), ops));
    expect(await store.lastEventAt()).toBe(now);
    expect(await redis.pttl(`${p}:last-event-at`)).toBeGreaterThan(LAST_EVENT_TTL_MS - 60_000);
    await store.apply([], now + 1);
    expect(counter.calls).toBe(Math.ceil(ops.length / 7) + 1);
    expect(await store.lastEventAt()).toBe(now + 1);
    await store.close();
  });

  it('a call failing half-way keeps its first writes; the retried chunk gets the replies of one clean application', async () => {
    const ops = chunk(10);
    const p = `aw-test-${randomUUID()}`;
    const redis = single();
    const store = new RedisStateStore(redis, p);
    // The 24th operation's sorted set is a string: its ZADD fails, after 23 operations have written their state.
    const bad = ops[23]!;
    expect(bad.detector).toBe('sequence');
    const badKey = `${p}:${keyTag(bad.ruleId, bad.groupKey)}:then`;
    await redis.set(badKey, 'not a sorted set');
    await expect(store.apply(ops)).rejects.toThrow(StateError);
    expect(await redis.exists(`${p}:${keyTag(ops[0]!.ruleId, ops[0]!.groupKey)}:decided`)).toBe(1);
    expect(await redis.exists(`${p}:${keyTag(ops[27]!.ruleId, ops[27]!.groupKey)}:decided`)).toBe(0);
    await redis.del(badKey);
    const retried = await store.apply(ops);
    expect(retried).toEqual(await cleanReplies(() => new RedisStateStore(single(), `aw-test-${randomUUID()}`), ops));
    await store.close();
  });
});

describe.skipIf(!available)('RedisStateStore batch script on a Redis Cluster (real, 3 masters)', () => {
  const cluster = () => createRedis(clusterSettings(), { maxRetriesPerRequest: 2 }) as Cluster;
  const slotOf = (p: string, op: DetectorOp) => calculateSlot(`${p}:${keyTag(op.ruleId, op.groupKey)}`);

  it('applies a chunk over many slots as one script call per node', async () => {
    const client = cluster();
    const store = new RedisStateStore(client, `aw-test-${randomUUID()}`);
    await store.apply([
      { ruleId: 'warm', groupKey: '', eventId: 'w', timeMs: 0, throttleMs: 0, alertId: 'w', detector: 'fire' },
    ]);
    const ops = chunk(30);
    const counter = countScriptCalls(client.nodes('master'));
    const results = await store.apply(ops);
    // 90 group keys × 3 rules: hundreds of slots, on 3 masters.
    expect(counter.calls).toBe(3);
    expect(results).toEqual(await cleanReplies(() => new RedisStateStore(cluster(), `aw-test-${randomUUID()}`), ops));
    await store.close();
  });

  it("carries the chunk's arrival time in the call of the node that serves last-event-at, else sends it alone", async () => {
    const p = `aw-test-${randomUUID()}`;
    const client = cluster();
    const store = new RedisStateStore(client, p);
    await store.apply([
      { ruleId: 'warm', groupKey: '', eventId: 'w', timeMs: 0, throttleMs: 0, alertId: 'w', detector: 'fire' },
    ]);
    const counter = countScriptCalls(client.nodes('master'));
    const now = Date.now();
    await store.apply(chunk(30), now);
    expect(counter.calls).toBe(3);
    expect(await store.lastEventAt()).toBe(now);
    const touchNode = client.slots[calculateSlot(`${p}:last-event-at`)]![0]!;
    const elsewhere = chunk(30).filter((op) => client.slots[slotOf(p, op)]![0] !== touchNode);
    await store.apply(elsewhere, now + 1);
    expect(counter.calls).toBe(3 + 2 + 1);
    expect(await store.lastEventAt()).toBe(now + 1);
    await store.close();
  });

  it('a stale slot map (a slot moved): the call fails where the key is not local, the map is refreshed, the retry gets clean replies', async () => {
    const p = `aw-test-${randomUUID()}`;
    const client = cluster();
    const store = new RedisStateStore(client, p);
    await store.apply([
      { ruleId: 'warm', groupKey: '', eventId: 'w', timeMs: 0, throttleMs: 0, alertId: 'w', detector: 'fire' },
    ]);
    const ops = chunk(6);
    const nodeOf = (op: DetectorOp) => client.slots[slotOf(p, op)]![0]!;
    // The first operation's node A; a later operation whose key is on another node B is believed to be on A.
    const a = nodeOf(ops[0]!);
    const moved = ops.findIndex((op) => nodeOf(op) !== a);
    const slot = slotOf(p, ops[moved]!);
    const b = nodeOf(ops[moved]!);
    client.slots[slot] = [a];
    await expect(store.apply(ops)).rejects.toThrow(/non local key/);
    expect(await client.exists(`${p}:${keyTag(ops[0]!.ruleId, ops[0]!.groupKey)}:decided`)).toBe(1);
    // The failure asked for a fresh slot map.
    await expect.poll(() => client.slots[slot]?.[0], { timeout: 10_000 }).toBe(b);
    const retried = await store.apply(ops);
    expect(retried).toEqual(await cleanReplies(() => new RedisStateStore(cluster(), `aw-test-${randomUUID()}`), ops));
    await store.close();
  });
});
