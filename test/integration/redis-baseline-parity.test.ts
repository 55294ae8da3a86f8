import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/state/memory-store.js';
import { RedisStateStore } from '../../src/state/redis-store.js';
import type { DetectorOp, OpResult } from '../../src/state/state-store.js';
import { baselineOp } from '../support/state-store-baseline.contract.js';
import { random } from '../support/scenario.js';
import { requireServices, services } from '../support/services.js';

const T0 = Date.UTC(2026, 2, 2);
const M = 60_000;
const D = 1440 * M;

/**
 * A week of three keys' events with bursts, quiet days, late events (up to
 * 25 minutes, so some miss even the previous bucket), duplicates and a value
 * field: what the two stores answer must be equal to the last bit, figures included.
 */
function week(seed: number): DetectorOp[] {
  const rnd = random(seed);
  const ops: DetectorOp[] = [];
  let n = 0;
  for (let minute = 0; minute < 7 * 1440; minute++) {
    const day = Math.floor(minute / 1440);
    if (day === 4) continue; // a quiet day: a gap closed in one step
    const burst = minute % 1440 > 600 && minute % 1440 < 640 && day >= 5;
    for (const [key, rate] of [
      ['credentialId=A', 0.6],
      ['credentialId=B', 0.15],
      ['principal=User:sa-x', 0.3],
    ] as const) {
      const events = Math.floor(rnd() * 2 * rate * (burst ? 12 : 1) + rnd());
      for (let i = 0; i < events; i++) {
        const late = rnd() < 0.05 ? Math.floor(rnd() * 25 * M) : 0;
        const t = T0 + minute * M + Math.floor(rnd() * M) - late;
        const value = key.startsWith('principal') ? { value: `topic-${Math.floor(rnd() * (burst ? 400 : 6))}` } : {};
        const op = baselineOp(`e${n++}`, t, {
          key,
          throttleMs: 30 * M,
          z: 3,
          minCount: 4,
          minDeviation: 1.5,
          ...value,
        });
        ops.push(op);
        if (rnd() < 0.02) ops.push(op);
      }
    }
  }
  return ops;
}

describe.skipIf(services() === null)('baseline: Redis and memory decide alike', () => {
  it('gives equal results, mean, deviation and z to the last bit, over a week of bursts, gaps, late and repeated events', async () => {
    const ops = week(7);
    const memory = new MemoryStateStore();
    const redis = new RedisStateStore(
      new Redis(requireServices().redisUrl, { maxRetriesPerRequest: 2 }),
      `aw-test-${randomUUID()}`,
    );
    try {
      const all: OpResult[] = [];
      for (let i = 0; i < ops.length; i += 1000) {
        const chunk = ops.slice(i, i + 1000);
        const [fromMemory, fromRedis] = await Promise.all([memory.apply(chunk), redis.apply(chunk)]);
        expect(fromRedis).toEqual(fromMemory);
        all.push(...fromMemory);
      }
      const fired = all.filter((r) => r.status === 'fire');
      expect(fired.length).toBeGreaterThanOrEqual(3);
      expect(fired.some((r) => !Number.isInteger(r.baseline!.mean * 1e6))).toBe(true);
      expect(all.some((r) => r.status === 'throttled')).toBe(true);
    } finally {
      await redis.close();
    }
  });

  it("keeps a baseline key's state in its hash tag, bounded, with a TTL", async () => {
    const client = new Redis(requireServices().redisUrl, { maxRetriesPerRequest: 2 });
    const p = `aw-test-${randomUUID()}`;
    const store = new RedisStateStore(client, p);
    await store.apply(Array.from({ length: 50 }, (_, i) => baselineOp(`e${i}`, T0 + i * M, { value: `v${i % 7}` })));
    const keys = (await client.keys(`${p}:*`)).sort();
    expect(keys.map((k) => k.replace(/^.*\}:/, ''))).toEqual(['bucket-values:0', 'bucket-values:1', 'decided']);
    for (const key of keys) {
      expect(key).toMatch(new RegExp(`^${p}:\\{bl:[0-9a-f]{20}\\}:`));
      expect(await client.pttl(key)).toBeGreaterThan(14 * D);
    }
    // The state rides in the decisions hash's counters field ('', 14 bytes of counters): eight numbers
    // (msgpack: at most 9 bytes each, and the array's header). And the values of two buckets only.
    const decided = keys.find((k) => k.endsWith(':decided'))!;
    const counters = (await client.hgetBuffer(decided, ''))!;
    expect(counters.length).toBeGreaterThan(14 + 8);
    expect(counters.length).toBeLessThanOrEqual(14 + 1 + 8 * 9);
    expect(unpack(counters.subarray(14))).toHaveLength(8);
    expect((await client.scard(keys[0]!)) + (await client.scard(keys[1]!))).toBeLessThanOrEqual(14);
    await store.close();
  });
});
