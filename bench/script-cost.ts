/**
 * Redis server time per detector script: runs the benchmark stream through
 * the engine with the real RedisStateStore on a redis-server of its own, and
 * applies each chunk's operations grouped by rule and detector, reading
 * `INFO commandstats` (EVALSHA usec) around each group. Tells which rules'
 * scripts the Redis side of the pipeline spends its time in.
 *
 *   npx tsx bench/script-cost.ts [events]      (default 50,000)
 */
import { Redis } from 'ioredis';
import { decodeRecord, type Decoded } from '../src/decode/decode.js';
import { Engine } from '../src/engine/engine.js';
import { loadRules } from '../src/engine/rule-loader.js';
import { BUNDLED_RULES_DIR } from '../src/settings.js';
import { RedisStateStore } from '../src/state/redis-store.js';
import type { DetectorOp, OpResult, StateStore } from '../src/state/state-store.js';
import { OwnRedis } from '../test/support/redis-server.js';
import { freePort } from '../test/support/service-process.js';
import { auditStream } from './audit-stream.js';
import { readRedisCounters } from './redis-counters.js';

const scriptUsec = async (url: string): Promise<number> => {
  const c = await readRedisCounters(url);
  return (c.usec.get('evalsha') ?? 0) + (c.usec.get('eval') ?? 0);
};

async function main(): Promise<void> {
  const events = Number(process.argv[2] ?? 50_000);
  const own = new OwnRedis(await freePort());
  await own.start();
  const redis = new Redis(own.url);
  try {
    const real = new RedisStateStore(redis, 'script-cost');
    const usec = new Map<string, number>();
    const calls = new Map<string, number>();
    // Same operations, same order per key; only the grouping into pipelines differs.
    const store: StateStore = {
      async apply(ops: readonly DetectorOp[]): Promise<OpResult[]> {
        const results: OpResult[] = new Array<OpResult>(ops.length);
        const groups = new Map<string, number[]>();
        ops.forEach((op, i) => {
          const name = `${op.ruleId} (${op.detector}${op.detector === 'sequence' ? ` ${op.step}` : ''})`;
          groups.set(name, [...(groups.get(name) ?? []), i]);
        });
        for (const [name, indexes] of groups) {
          const before = await scriptUsec(own.url);
          const replies = await real.apply(indexes.map((i) => ops[i]!));
          usec.set(name, (usec.get(name) ?? 0) + (await scriptUsec(own.url)) - before);
          calls.set(name, (calls.get(name) ?? 0) + indexes.length);
          indexes.forEach((i, j) => (results[i] = replies[j]!));
        }
        return results;
      },
      touch: async () => {},
      lastEventAt: () => Promise.resolve(undefined),
      ping: async () => {},
      close: async () => {},
    };
    const engine = new Engine(loadRules([BUNDLED_RULES_DIR], {}).enabled, store);
    const decoded: Decoded[] = [];
    for (const r of auditStream({ events })) {
      const d = decodeRecord(r.value);
      if (d.ok) decoded.push(d);
    }
    for (let i = 0; i < decoded.length; i += 500) await engine.evaluate(decoded.slice(i, i + 500));
    const total = [...usec.values()].reduce((a, b) => a + b, 0);
    console.log(
      `${decoded.length} events, ${[...calls.values()].reduce((a, b) => a + b, 0)} script calls, ${(total / decoded.length).toFixed(1)} µs of Redis script time per event`,
    );
    console.log('rule (detector)'.padEnd(48), 'calls'.padStart(8), 'µs/call'.padStart(9), 'share'.padStart(7));
    for (const [name, u] of [...usec].sort((a, b) => b[1] - a[1])) {
      console.log(
        name.padEnd(48),
        String(calls.get(name)).padStart(8),
        (u / calls.get(name)!).toFixed(1).padStart(9),
        `${((100 * u) / total).toFixed(1)}%`.padStart(7),
      );
    }
  } finally {
    redis.disconnect();
    await own.kill();
  }
}

await main();
