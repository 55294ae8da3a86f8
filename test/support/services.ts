import { inject } from 'vitest';

/** The real services integration tests run against, provided by global-setup.ts. */
export interface Services {
  /** PLAINTEXT bootstrap servers. */
  kafkaBrokers: string[];
  /** SASL_PLAINTEXT (PLAIN) bootstrap servers, like Confluent Cloud's SASL_SSL/PLAIN without TLS. */
  saslBrokers?: string[];
  saslUsername?: string;
  saslPassword?: string;
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
