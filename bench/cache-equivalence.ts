/**
 * The benchmark stream through the engine and the bundled rules three times —
 * memory store (replay's), Redis store without and with the quiet cache, each
 * on a redis-server of its own — in chunks of 1,000 events, as the service
 * applies them. Prints the alerts of each, whether they are byte-identical
 * (every alert serialized, in order), and the script calls per event the
 * Redis runs made. Exit 0 when all three agree, 1 when not.
 *
 *   npx tsx bench/cache-equivalence.ts [events]     (default 200,000: the full benchmark stream)
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Alert } from '../src/alerts/alert.js';
import { decodeRecord, type Decoded } from '../src/decode/decode.js';
import { Engine } from '../src/engine/engine.js';
import { loadRules } from '../src/engine/rule-loader.js';
import { BUNDLED_RULES_DIR } from '../src/settings.js';
import { MemoryStateStore } from '../src/state/memory-store.js';
import { QuietCache } from '../src/state/quiet-cache.js';
import { RedisStateStore } from '../src/state/redis-store.js';
import type { StateStore } from '../src/state/state-store.js';
import { OwnRedis } from '../test/support/redis-server.js';
import { freePort } from '../test/support/service-process.js';
import { auditStream, type AuditStreamOptions } from './audit-stream.js';
import { readRedisCounters } from './redis-counters.js';

/** The alerts the bundled rules raise over `decoded` with `store`, chunk by chunk. */
export async function alertsOver(decoded: readonly Decoded[], store: StateStore, chunk = 1_000): Promise<Alert[]> {
  const engine = new Engine(loadRules([BUNDLED_RULES_DIR], {}).enabled, store);
  const alerts: Alert[] = [];
  for (let i = 0; i < decoded.length; i += chunk)
    alerts.push(...(await engine.evaluate(decoded.slice(i, i + chunk))).alerts);
  return alerts;
}

/** The stream's events, decoded. */
export function decodedStream(options: AuditStreamOptions): Decoded[] {
  const decoded: Decoded[] = [];
  for (const r of auditStream(options)) {
    const d = decodeRecord(r.value);
    if (d.ok) decoded.push(d);
  }
  return decoded;
}

async function onOwnRedis(
  decoded: readonly Decoded[],
  cache: QuietCache | undefined,
): Promise<{ alerts: Alert[]; scriptCalls: number; scriptUsec: number; inside: number; cpuUsec: number }> {
  const own = new OwnRedis(await freePort());
  await own.start();
  const redis = new Redis(own.url);
  try {
    const alerts = await alertsOver(decoded, new RedisStateStore(redis, 'cache-equivalence', cache));
    const counters = await readRedisCounters(own.url);
    const scriptCalls = (counters.calls.get('evalsha') ?? 0) + (counters.calls.get('eval') ?? 0);
    const scriptUsec = (counters.usec.get('evalsha') ?? 0) + (counters.usec.get('eval') ?? 0);
    const all = [...counters.calls].filter(([name]) => name !== 'info').reduce((sum, [, n]) => sum + n, 0);
    // The server's own CPU time (user + system): steadier than script time on a busy machine.
    const cpuUsec = counters.cpuSeconds * 1e6;
    return { alerts, scriptCalls, scriptUsec, inside: all - scriptCalls, cpuUsec };
  } finally {
    redis.disconnect();
    await own.kill();
  }
}

const digest = (alerts: readonly Alert[]): string =>
  createHash('sha256')
    .update(alerts.map((a) => JSON.stringify(a)).join('\n'))
    .digest('hex')
    .slice(0, 16);

async function main(): Promise<number> {
  const events = Number(process.argv[2] ?? 200_000);
  const decoded = decodedStream({ events });
  const memory = await alertsOver(decoded, new MemoryStateStore());
  const off = await onOwnRedis(decoded, undefined);
  const cache = new QuietCache();
  const on = await onOwnRedis(decoded, cache);
  const perEvent = (calls: number) => (calls / decoded.length).toFixed(3);
  const cost = (run: typeof off) =>
    `${perEvent(run.scriptCalls)} script calls, ${perEvent(run.inside)} commands inside them, ` +
    `${(run.scriptUsec / decoded.length).toFixed(1)} µs of script time and ${(run.cpuUsec / decoded.length).toFixed(1)} µs of ` +
    'Redis CPU per event';
  console.log(`${decoded.length} events; alerts (count, sha-256 of every alert serialized in order):`);
  console.log(`  memory store (replay)       ${memory.length}  ${digest(memory)}`);
  console.log(`  redis, cache off            ${off.alerts.length}  ${digest(off.alerts)}  ${cost(off)}`);
  const facts = `${cache.size} facts, ${(cache.sizeBytes / 1048576).toFixed(1)} MB`;
  console.log(`  redis, cache on             ${on.alerts.length}  ${digest(on.alerts)}  ${cost(on)}; ${facts}`);
  const same = digest(memory) === digest(off.alerts) && digest(off.alerts) === digest(on.alerts);
  console.log(same ? 'identical' : 'DIFFERENT');
  return same ? 0 : 1;
}

if (process.argv[1]?.endsWith('cache-equivalence.ts')) process.exit(await main());
