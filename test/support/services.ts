import { Redis } from 'ioredis';
import { inject } from 'vitest';
import type { RedisSettings } from '../../src/config/service-config.js';

/** The real services integration tests run against, provided by global-setup.ts. */
export interface Services {
  /** PLAINTEXT bootstrap servers. */
  kafkaBrokers: string[];
  /** SASL_PLAINTEXT (PLAIN) bootstrap servers, like Confluent Cloud's SASL_SSL/PLAIN without TLS. */
  saslBrokers?: string[];
  saslUsername?: string;
  saslPassword?: string;
  /** A SASL user the broker knows but grants nothing (no ACLs), for authorization failures; same listeners. */
  saslDeniedUsername?: string;
  saslDeniedPassword?: string;
  /** SASL_SSL (PLAIN over TLS) bootstrap servers, same users: what Confluent Cloud clients connect to. */
  saslSslBrokers?: string[];
  /** PEM file of the CA that signed the SASL_SSL listener's certificate. */
  sslCaFile?: string;
  redisUrl: string;
  /** Seed nodes of a Redis Cluster (`host:port,…`), as AUDITWATCH_REDIS_CLUSTER_NODES takes them. */
  redisClusterNodes?: string;
  /** Where they came from; only `local-services` can be stopped and started by fault tests. */
  origin: 'environment' | 'testcontainers' | 'local-services';
}

declare module 'vitest' {
  export interface ProvidedContext {
    services: Services | null;
  }
}

/** The services, or null when none could be had outside CI (the global setup said so loudly). */
export function services(): Services | null {
  return inject('services');
}

/** The services; for use inside tests already guarded by `describe.skipIf(!services())`. */
export function requireServices(): Services {
  const s = inject('services');
  if (s === null) throw new Error('no services: guard the suite with describe.skipIf(services() === null)');
  return s;
}

/** Connection settings of the harness's Redis Cluster (`createRedis` takes them). */
export function clusterSettings(): RedisSettings {
  const nodes = requireServices().redisClusterNodes;
  if (nodes === undefined)
    throw new Error('no Redis Cluster: scripts/local-services.sh prints AUDITWATCH_REDIS_CLUSTER_NODES');
  return {
    clusterNodes: nodes.split(',').map((n) => ({ host: n.split(':')[0]!, port: Number(n.split(':')[1]) })),
    tls: false,
    prefix: 'aw',
  };
}

/** Deletes every key under a test's prefix (SCAN, not KEYS: the Redis is shared). */
export async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
