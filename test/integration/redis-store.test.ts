import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { QuietCache } from '../../src/state/quiet-cache.js';
import { LAST_EVENT_TTL_MS, RedisStateStore } from '../../src/state/redis-store.js';
import { OTHER_DECISIONS_KEPT } from '../../src/state/state-store.js';
import { stateStoreContract, type StoreFactory } from '../support/state-store.contract.js';
import { requireServices, services } from '../support/services.js';

const available = services() !== null;
let prefix = '';

function client(): Redis {
  return new Redis(requireServices().redisUrl, { maxRetriesPerRequest: 2 });
}

const open: StoreFactory = Object.assign(
  () => {
    prefix = `aw-test-${randomUUID()}`;
    return Promise.resolve(new RedisStateStore(client(), prefix));
  },
  { again: () => Promise.resolve(new RedisStateStore(client(), prefix)) },
);

/** The same with the quiet cache on: each client (replica) its own cache; every answer must be the same. */
const openCached: StoreFactory = Object.assign(
  () => {
    prefix = `aw-test-${randomUUID()}`;
    return Promise.resolve(new RedisStateStore(client(), prefix, new QuietCache()));
  },
  { again: () => Promise.resolve(new RedisStateStore(client(), prefix, new QuietCache())) },
);

/** The same with at most 3 operations per batch script call: a chunk goes as many calls, with the same answers. */
const openSplit: StoreFactory = Object.assign(
  () => {
    prefix = `aw-test-${randomUUID()}`;
    return Promise.resolve(new RedisStateStore(client(), prefix, undefined, 3));
  },
  { again: () => Promise.resolve(new RedisStateStore(client(), prefix, undefined, 3)) },
);

describe.skipIf(!available)('RedisStateStore (real Redis)', () => {
  stateStoreContract('redis', open);
  stateStoreContract('redis with the quiet cache', openCached);
  stateStoreContract('redis, 3 operations per script call', openSplit);

  it('gives every key a TTL (last-event-at too) and hash-tags keys per rule and group key', async () => {
    const redis = client();
    const p = `aw-test-${randomUUID()}`;
    const store = new RedisStateStore(redis, p);
    const t = Date.UTC(2026, 2, 2);
    const base = { groupKey: 'credentialId=K', timeMs: t, throttleMs: 60_000 };
    await store.apply([
      { ...base, ruleId: 'a', eventId: 'e1', alertId: 'x1', detector: 'threshold', windowMs: 60_000, count: 1 },
      {
        ...base,
        ruleId: 'b',
        eventId: 'e1',
        alertId: 'x2',
        detector: 'distinct',
        value: 'v',
        windowMs: 60_000,
        count: 1,
      },
      {
        ...base,
        ruleId: 'c',
        eventId: 'e1',
        alertId: 'x3',
        detector: 'new_value',
        value: 'v',
        learningMs: 0,
        forgetMs: 60_000,
      },
      {
        ...base,
        ruleId: 'd',
        eventId: 'e1',
        alertId: 'x4',
        detector: 'dormant',
        afterMs: 60_000,
        forgetMs: 365 * 86_400_000,
      },
      {
        ...base,
        ruleId: 'e',
        eventId: 'e1',
        alertId: 'x5',
        detector: 'sequence',
        step: 'first',
        windowMs: 60_000,
        count: 1,
      },
    ]);
    await store.touch(Date.now());
    expect(await redis.pttl(`${p}:last-event-at`)).toBeGreaterThan(LAST_EVENT_TTL_MS - 60_000);
    const keys = (await redis.keys(`${p}:*`)).filter((k) => k !== `${p}:last-event-at`);
    expect(keys.length).toBeGreaterThanOrEqual(7);
    for (const key of keys) {
      expect(key).toMatch(new RegExp(`^${p}:\\{[a-e]:[0-9a-f]{20}\\}:`));
      expect(await redis.pttl(key)).toBeGreaterThan(0);
    }
    await store.close();
  });

  it("keeps remembered decisions bounded per key: two generations, in the key's hash tag, with a TTL", async () => {
    const redis = client();
    const p = `aw-test-${randomUUID()}`;
    const store = new RedisStateStore(redis, p);
    const t = Date.UTC(2026, 2, 2);
    const n = 2 * OTHER_DECISIONS_KEPT + 300;
    const op = (i: number) => ({
      ruleId: 'cap',
      groupKey: 'k',
      eventId: `e${i}`,
      timeMs: t + i,
      throttleMs: 0,
      alertId: `a${i}`,
    });
    await store.apply(
      Array.from({ length: n }, (_, i) => ({
        ...op(i),
        detector: 'threshold' as const,
        windowMs: 60_000,
        count: 1_000_000,
      })),
    );
    const [key] = await redis.keys(`${p}:*:decided`);
    expect(key).toMatch(new RegExp(`^${p}:\\{cap:[0-9a-f]{20}\\}:decided$`));
    // The full previous generation (1) and 300 in the current one (0 again); plus the counters (field '').
    expect(await redis.hlen(key!)).toBe(OTHER_DECISIONS_KEPT + 300 + 1);
    expect(await redis.hexists(key!, 'e0')).toBe(0);
    expect((await redis.hget(key!, `e${OTHER_DECISIONS_KEPT}`))?.slice(0, 2)).toBe('o1');
    expect((await redis.hget(key!, `e${n - 1}`))?.slice(0, 2)).toBe('o0');
    expect(await redis.pttl(key!)).toBeGreaterThan(0);
    await store.close();
  });

  it('applies a batch in one round trip', async () => {
    const redis = client();
    const store = new RedisStateStore(redis, `aw-test-${randomUUID()}`);
    await store.apply([
      { ruleId: 'warm', groupKey: '', eventId: 'w', timeMs: 0, throttleMs: 0, alertId: 'w', detector: 'fire' },
    ]);
    let writes = 0;
    const stream = (redis as unknown as { stream: { write: (...a: unknown[]) => boolean } }).stream;
    const write = stream.write.bind(stream);
    stream.write = (...args: unknown[]) => {
      writes++;
      return write(...args);
    };
    const ops = Array.from({ length: 500 }, (_, i) => ({
      ruleId: 'rt',
      groupKey: `k${i % 7}`,
      eventId: `e${i}`,
      timeMs: Date.UTC(2026, 0, 1) + i,
      throttleMs: 0,
      alertId: `a${i}`,
      detector: 'threshold' as const,
      windowMs: 60_000,
      count: 10,
    }));
    const results = await store.apply(ops);
    stream.write = write;
    expect(results).toHaveLength(500);
    expect(writes).toBe(1);
    await store.close();
  });
});
