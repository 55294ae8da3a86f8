import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisSettings } from '../config/service-config.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';

/** One Redis node or a Redis Cluster: both speak the commands auditwatch uses. */
export type RedisClient = Redis | Cluster;

/** A command without an answer after this long fails (ms), so a hung Redis fails a batch instead of hanging it. */
export const COMMAND_TIMEOUT_MS = 10_000;

/**
 * The service's connections by purpose, as `CLIENT LIST` shows them (`name=`):
 * rule state, the delivery queues, the delivery workers (BullMQ may name the
 * connections it opens from these after its own queues and workers).
 */
export const REDIS_CONNECTION_NAMES = {
  state: 'auditwatch-state',
  queues: 'auditwatch-queues',
  workers: 'auditwatch-workers',
} as const;

/**
 * A client for the configured Redis: `new Redis(url)` for one node, `new
 * Cluster(seeds)` in cluster mode, with the username, password and TLS
 * settings applied to every node. `options` are per-connection options
 * (timeouts, retries); in cluster mode they apply to each node's connection.
 */
export function createRedis(settings: RedisSettings, options: RedisOptions = {}): RedisClient {
  const node: RedisOptions = {
    ...options,
    ...(settings.username === undefined ? {} : { username: settings.username }),
    ...(settings.password === undefined ? {} : { password: settings.password }),
    ...(settings.tls ? { tls: {} } : {}),
  };
  if (settings.clusterNodes === undefined) return new Redis(settings.url ?? '', node);
  const { lazyConnect, retryStrategy, maxRetriesPerRequest } = options;
  return new Cluster(settings.clusterNodes, {
    redisOptions: node,
    lazyConnect,
    clusterRetryStrategy: retryStrategy ?? undefined,
    // BullMQ reads this on the client it is given to decide whether the client may block.
    ...(maxRetriesPerRequest === undefined ? {} : { maxRetriesPerRequest }),
  });
}

/** Every master of the client (the one node, or each cluster master). */
export function masters(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

/** Why a server cannot hold auditwatch's state, from its INFO: the batch script's flags need Redis 7.0 (Valkey reports 7.2+). */
export function versionProblem(info: string): string | undefined {
  const version = /^redis_version:(\d+)\.(\d+)\S*/m.exec(info);
  if (version === null || Number(version[1]) >= 7) return undefined;
  return `Redis ${version[0].slice('redis_version:'.length)} is too old: auditwatch needs Redis 7.0 or newer (Lua script flags)`;
}

/**
 * Checks each master at start-up. Refuses a Redis older than 7.0, and warns
 * loudly when one may evict keys: rule state, remembered decisions and the
 * delivery queues must never be evicted (an evicted job is a lost alert).
 * Managed services often forbid CONFIG, so INFO is read instead.
 */
export async function checkRedisServers(client: RedisClient, log: Logger): Promise<void> {
  for (const node of masters(client)) {
    const info = await node.info().catch(() => '');
    const problem = versionProblem(info);
    if (problem !== undefined) throw new ConfigError([`${node.options.host}:${node.options.port}: ${problem}`]);
    const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
    if (policy !== undefined && policy !== 'noeviction') {
      log.warn(
        { node: `${node.options.host}:${node.options.port}`, maxmemoryPolicy: policy },
        'IMPORTANT: Redis maxmemory-policy is not noeviction: under memory pressure it will evict rule state ' +
          'and queued alerts; set maxmemory-policy noeviction',
      );
    }
  }
}
