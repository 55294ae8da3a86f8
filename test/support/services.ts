import { Redis } from 'ioredis';
import { inject } from 'vitest';

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
