/**
 * Redis-side counters of a run, from `INFO commandstats` and `INFO stats`
 * deltas on the benchmark's own redis-server; and the client-side census that
 * bench/redis-census.mjs writes from inside the service.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';

/** Calls per command (`evalsha`, `zadd`, `config|resetstat`, …) and server totals. */
export interface RedisCounters {
  calls: Map<string, number>;
  /** Microseconds the server spent per command (a script's time includes what it calls). */
  usec: Map<string, number>;
  /** Read events on client sockets (a pipeline arrives in one or a few). */
  readsProcessed: number;
  /** The server's own CPU time so far, user + system, seconds (`INFO cpu`). */
  cpuSeconds: number;
}

/** Counters of one server, or summed over several (a cluster's masters). */
export async function readRedisCounters(urls: string | readonly string[]): Promise<RedisCounters> {
  if (typeof urls === 'string') return readOne(urls);
  const sum: RedisCounters = { calls: new Map(), usec: new Map(), readsProcessed: 0, cpuSeconds: 0 };
  for (const one of await Promise.all(urls.map(readOne))) {
    for (const [k, v] of one.calls) sum.calls.set(k, (sum.calls.get(k) ?? 0) + v);
    for (const [k, v] of one.usec) sum.usec.set(k, (sum.usec.get(k) ?? 0) + v);
    sum.readsProcessed += one.readsProcessed;
    sum.cpuSeconds += one.cpuSeconds;
  }
  return sum;
}

async function readOne(url: string): Promise<RedisCounters> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const [commandstats, stats, cpu] = [
      await client.info('commandstats'),
      await client.info('stats'),
      await client.info('cpu'),
    ];
    const calls = new Map<string, number>();
    const usec = new Map<string, number>();
    for (const m of commandstats.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
      calls.set(m[1]!, Number(m[2]));
      usec.set(m[1]!, Number(m[3]));
    }
    const reads = /^total_reads_processed:(\d+)/m.exec(stats)?.[1];
    const cpuOf = (kind: string) => Number(new RegExp(`^used_cpu_${kind}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? 0);
    return { calls, usec, readsProcessed: Number(reads ?? 0), cpuSeconds: cpuOf('user') + cpuOf('sys') };
  } finally {
    client.disconnect();
  }
}

/** Server-side work between two readings; the benchmark's own INFO calls are left out. */
export function counterDelta(
  before: RedisCounters,
  after: RedisCounters,
): { calls: Map<string, number>; readsProcessed: number; scripts: number; total: number; scriptUsec: number } {
  const calls = new Map<string, number>();
  for (const [name, n] of after.calls) {
    if (name === 'info') continue;
    const d = n - (before.calls.get(name) ?? 0);
    if (d > 0) calls.set(name, d);
  }
  const scripts = (calls.get('evalsha') ?? 0) + (calls.get('eval') ?? 0);
  const total = [...calls.values()].reduce((a, b) => a + b, 0);
  const usecOf = (name: string) => (after.usec.get(name) ?? 0) - (before.usec.get(name) ?? 0);
  return {
    calls,
    readsProcessed: after.readsProcessed - before.readsProcessed,
    scripts,
    total,
    scriptUsec: usecOf('evalsha') + usecOf('eval'),
  };
}

/** One ioredis connection of the service, as counted by bench/redis-census.mjs. */
export interface ConnectionCensus {
  connection: number;
  /** The client's connectionName (`auditwatch-state` for rule state). */
  name: string;
  commands: number;
  roundTrips: number;
  pipelines: number;
  pipelined: number;
  largestPipeline: number;
  byName: Record<string, number>;
}

export function readCensus(file: string): ConnectionCensus[] {
  if (!existsSync(file)) return [];
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { connections: ConnectionCensus[] }).connections;
  } catch {
    return []; // caught mid-write: the caller reads again
  }
}
