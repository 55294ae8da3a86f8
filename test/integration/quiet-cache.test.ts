import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { alertId } from '../../src/alerts/alert.js';
import { loadRules } from '../../src/engine/rule-loader.js';
import { runRuleTests } from '../../src/rule-tests.js';
import { BUNDLED_RULES_DIR } from '../../src/settings.js';
import { MemoryStateStore } from '../../src/state/memory-store.js';
import { QuietCache } from '../../src/state/quiet-cache.js';
import { RedisStateStore } from '../../src/state/redis-store.js';
import type { DetectorOp, OpResult, StateStore } from '../../src/state/state-store.js';
import { alertsOver, decodedStream } from '../../bench/cache-equivalence.js';
import { requireServices, services } from '../support/services.js';

const available = services() !== null;
const H = 3_600_000;
const D = 24 * H;
const T0 = Date.UTC(2026, 2, 2, 10, 0, 0);

const redisStore = (prefix: string, cache?: QuietCache): RedisStateStore =>
  new RedisStateStore(new Redis(requireServices().redisUrl, { maxRetriesPerRequest: 2 }), prefix, cache);

const op = (ruleId: string, eventId: string, timeMs: number) => {
  const groupKey = 'credentialId=K';
  return { ruleId, groupKey, eventId, timeMs, throttleMs: H, alertId: alertId(ruleId, groupKey, eventId) };
};
const nv = (id: string, t: number, value: string): DetectorOp => ({
  ...op('nv', id, t),
  detector: 'new_value',
  value,
  learningMs: D,
  forgetMs: 30 * D,
});
const dm = (id: string, t: number): DetectorOp => ({
  ...op('dm', id, t),
  detector: 'dormant',
  afterMs: 30 * D,
  forgetMs: 365 * D,
});

/** Applies each batch in turn on every store; returns the statuses per store. */
async function statuses(stores: StateStore[], batches: DetectorOp[][]): Promise<string[][]> {
  const out: string[][] = stores.map(() => []);
  for (const batch of batches) {
    for (const [i, store] of stores.entries())
      out[i]!.push(...(await store.apply(batch)).map((r: OpResult) => r.status));
  }
  return out;
}

describe.skipIf(!available)('QuietCache with the Redis store (real Redis)', () => {
  it('new_value: a value learned while learning is quiet later; a NEW value after learning still fires; the fired event re-applied fires again', async () => {
    const cache = new QuietCache();
    const stores = [
      redisStore(`aw-test-${randomUUID()}`, cache),
      redisStore(`aw-test-${randomUUID()}`),
      new MemoryStateStore(),
    ];
    const got = await statuses(stores, [
      [nv('a1', T0, 'ip1')], // learning: recorded, quiet; the cache learns ip1 at T0
      [nv('a2', T0 + H, 'ip1')], // skipped
      [nv('a3', T0 + 2 * D, 'ip2')], // a new value after learning: never cached, fires
      [nv('a3', T0 + 2 * D, 'ip2'), nv('a4', T0 + 2 * D + 1, 'ip2')], // the fired event again (at the recorded time: not skipped), then a skip
      [nv('a0', T0 - H, 'ip1')], // out of order, before the recorded time: goes to Redis
    ]);
    expect(got[0]).toEqual(['quiet', 'quiet', 'fire', 'fire', 'quiet', 'quiet']);
    expect(got[0]).toEqual(got[1]);
    expect(got[0]).toEqual(got[2]);
    expect(cache.takeSkipped()).toBe(2);
    await Promise.all(stores.map((s) => s.close()));
  });

  it('a skipped event has no remembered decision, and needs none: re-applied on another replica or on this one, it is quiet again', async () => {
    const prefix = `aw-test-${randomUUID()}`;
    const cache = new QuietCache();
    const replica1 = redisStore(prefix, cache);
    await replica1.apply([nv('b0', T0, 'ip1'), dm('b0', T0)]);
    await replica1.apply([nv('b1', T0 + 2 * D, 'ip1'), dm('b1', T0 + 2 * D)]); // refreshes (due); the facts are at T0 + 2 d
    const skipped = await replica1.apply([nv('b2', T0 + 2 * D + H, 'ip1'), dm('b2', T0 + 2 * D + H)]);
    expect(skipped.map((r) => r.status)).toEqual(['quiet', 'quiet']);
    expect(cache.takeSkipped()).toBe(2);
    // After a rebalance, the record is delivered again to a replica without the facts: the scripts decide it, quiet.
    const replica2 = redisStore(prefix, new QuietCache());
    expect(await replica2.apply([nv('b2', T0 + 2 * D + H, 'ip1'), dm('b2', T0 + 2 * D + H)])).toEqual(skipped);
    // And again on the first replica: skipped again, quiet again.
    expect(await replica1.apply([nv('b2', T0 + 2 * D + H, 'ip1'), dm('b2', T0 + 2 * D + H)])).toEqual(skipped);
    expect(cache.takeSkipped()).toBe(2);
    await Promise.all([replica1.close(), replica2.close()]);
  });

  it('learns only from fresh replies: an event applied before (a remembered decision) teaches nothing', async () => {
    const prefix = `aw-test-${randomUUID()}`;
    const first = redisStore(prefix);
    await first.apply([nv('c1', T0, 'ip1'), dm('c1', T0)]);
    const cache = new QuietCache();
    const second = redisStore(prefix, cache);
    await second.apply([nv('c1', T0, 'ip1'), dm('c1', T0)]);
    expect(cache.size).toBe(0);
    await second.apply([nv('c2', T0 + H, 'ip1'), dm('c2', T0 + H)]);
    expect(cache.size).toBe(2);
    await Promise.all([first.close(), second.close()]);
  });

  it('dormant: the tolerance — a gap is measured at most δ (1 % of after) too long, never too short', async () => {
    const cache = new QuietCache();
    const cached = redisStore(`aw-test-${randomUUID()}`, cache);
    const exact = redisStore(`aw-test-${randomUUID()}`);
    // Used at T0 and 5 h later (skipped: within δ = 7.2 h), then back 30 d − 3 h after that last use.
    const batches = [[dm('d1', T0)], [dm('d2', T0 + 5 * H)], [dm('d3', T0 + 30 * D + 2 * H)]];
    const [withCache, without] = await statuses([cached, exact], batches);
    expect(without).toEqual(['quiet', 'quiet', 'quiet']);
    expect(withCache).toEqual(['quiet', 'quiet', 'fire']);
    // A use later than δ after the recorded one is never skipped: measured exactly (back 30 d + 1 h after it).
    const pair = [redisStore(`aw-test-${randomUUID()}`, new QuietCache()), redisStore(`aw-test-${randomUUID()}`)];
    const [again1, again2] = await statuses(pair, [
      [dm('e1', T0)],
      [dm('e2', T0 + 8 * H)],
      [dm('e3', T0 + 30 * D + 9 * H)],
    ]);
    expect(again1).toEqual(['quiet', 'quiet', 'fire']);
    expect(again1).toEqual(again2);
    await Promise.all([cached, exact, ...pair].map((s) => s.close()));
  });

  it('the rule behaviour tests raise byte-identical alerts with the cache on, off, and in memory', async () => {
    const rules = loadRules([BUNDLED_RULES_DIR], {}).rules;
    const memory = await runRuleTests(rules);
    const off = await runRuleTests(rules, () => redisStore(`aw-test-${randomUUID()}`));
    const caches: QuietCache[] = [];
    const on = await runRuleTests(rules, () => {
      caches.push(new QuietCache());
      return redisStore(`aw-test-${randomUUID()}`, caches.at(-1));
    });
    expect(memory.every((r) => r.passed)).toBe(true);
    expect(JSON.stringify(off)).toBe(JSON.stringify(memory));
    expect(JSON.stringify(on)).toBe(JSON.stringify(memory));
    expect(memory.flatMap((r) => r.alerts).length).toBeGreaterThan(10);
  }, 60_000);

  it('the benchmark stream raises byte-identical alerts with the cache on, off, and in memory, with far fewer script calls', async () => {
    const decoded = decodedStream({ events: 6_000, apiKeys: 300, users: 200, ips: 500, attackEvery: 1_000 });
    const memory = await alertsOver(decoded, new MemoryStateStore());
    const cache = new QuietCache();
    const stores = [redisStore(`aw-test-${randomUUID()}`), redisStore(`aw-test-${randomUUID()}`, cache)];
    const [off, on] = [await alertsOver(decoded, stores[0]!), await alertsOver(decoded, stores[1]!)];
    await Promise.all(stores.map((s) => s.close()));
    expect(memory.length).toBeGreaterThan(20);
    expect(off.map((a) => JSON.stringify(a))).toEqual(memory.map((a) => JSON.stringify(a)));
    expect(on.map((a) => JSON.stringify(a))).toEqual(memory.map((a) => JSON.stringify(a)));
    // Roughly half the stream is successful API-key authentications, each with three cacheable operations.
    expect(cache.takeSkipped()).toBeGreaterThan(decoded.length);
  }, 120_000);
});
