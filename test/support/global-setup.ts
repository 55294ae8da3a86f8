import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import type { Services } from './services.js';

const run = promisify(execFile);
const SCRIPT = new URL('../../scripts/local-services.sh', import.meta.url).pathname;

/**
 * Finds a real Kafka broker and a real Redis for the integration tests, in this
 * order: addresses from the environment; testcontainers when a container runtime
 * answers; the project's local-services script (Kafka from Maven Central jars,
 * Debian's redis-server). Without any, tests that need them skip loudly, except
 * under CI=true, where that is a failure.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const found = fromEnvironment() ?? (await fromTestcontainers()) ?? (await fromLocalServices());
  if (found === undefined) {
    const message =
      'no Kafka/Redis for integration tests: set AUDITWATCH_KAFKA_BROKERS and AUDITWATCH_REDIS_URL, run a container runtime, or install java and mvn (the local-services script brings Kafka and Redis)';
    if (process.env.CI === 'true') throw new Error(`${message} (CI=true: failing instead of skipping)`);
    process.stderr.write(`\n*** SKIPPING INTEGRATION TESTS: ${message} ***\n\n`);
    project.provide('services', null);
    return async () => {};
  }
  process.stderr.write(
    `integration services from ${found.services.origin}: kafka ${found.services.kafkaBrokers.join(',')}, redis ${found.services.redisUrl}\n`,
  );
  project.provide('services', found.services);
  return found.stop;
}

interface Found {
  services: Services;
  stop: () => Promise<void>;
}

function list(value: string | undefined): string[] | undefined {
  const items = value
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return items === undefined || items.length === 0 ? undefined : items;
}

function fromEnvironment(): Found | undefined {
  const env = process.env;
  const kafkaBrokers = list(env.AUDITWATCH_KAFKA_BROKERS);
  if (kafkaBrokers === undefined || env.AUDITWATCH_REDIS_URL === undefined) return undefined;
  return {
    services: {
      ...saslFrom(env),
      kafkaBrokers,
      redisUrl: env.AUDITWATCH_REDIS_URL,
      ...clusterFrom(env),
      origin: 'environment',
    },
    stop: async () => {},
  };
}

function clusterFrom(env: Record<string, string | undefined>): Pick<Services, 'redisClusterNodes'> {
  const nodes = env.AUDITWATCH_REDIS_CLUSTER_NODES?.trim();
  return nodes === undefined || nodes === '' ? {} : { redisClusterNodes: nodes };
}

type SaslSettings = Pick<
  Services,
  | 'saslBrokers'
  | 'saslUsername'
  | 'saslPassword'
  | 'saslSslBrokers'
  | 'sslCaFile'
  | 'saslDeniedUsername'
  | 'saslDeniedPassword'
>;

function saslFrom(env: Record<string, string | undefined>): SaslSettings {
  const saslBrokers = list(env.AUDITWATCH_KAFKA_SASL_BROKERS);
  const saslSslBrokers = list(env.AUDITWATCH_KAFKA_SASL_SSL_BROKERS);
  return {
    ...(saslBrokers === undefined ? {} : { saslBrokers }),
    ...(saslSslBrokers === undefined ? {} : { saslSslBrokers, sslCaFile: env.AUDITWATCH_KAFKA_SSL_CA_FILE }),
    ...(saslBrokers === undefined && saslSslBrokers === undefined
      ? {}
      : { saslUsername: env.AUDITWATCH_KAFKA_SASL_USERNAME, saslPassword: env.AUDITWATCH_KAFKA_SASL_PASSWORD }),
    ...(env.AUDITWATCH_KAFKA_SASL_DENIED_USERNAME === undefined
      ? {}
      : {
          saslDeniedUsername: env.AUDITWATCH_KAFKA_SASL_DENIED_USERNAME,
          saslDeniedPassword: env.AUDITWATCH_KAFKA_SASL_DENIED_PASSWORD,
        }),
  };
}

async function fromTestcontainers(): Promise<Found | undefined> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
  } catch {
    return undefined; // no container runtime: the usual case on this project's machines
  }
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const { RedisContainer } = await import('@testcontainers/redis');
  const [kafka, redis] = await Promise.all([
    new KafkaContainer('confluentinc/cp-kafka:7.9.0').withKraft().start(),
    new RedisContainer('redis:7.2-alpine').start(),
  ]);
  return {
    services: {
      kafkaBrokers: [`${kafka.getHost()}:${kafka.getMappedPort(9093)}`],
      redisUrl: redis.getConnectionUrl(),
      origin: 'testcontainers',
    },
    stop: async () => {
      await Promise.all([kafka.stop(), redis.stop()]);
    },
  };
}

async function hasCommand(name: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${name}`]);
    return true;
  } catch {
    return false;
  }
}

async function fromLocalServices(): Promise<Found | undefined> {
  // The script installs redis-server (apt) and the Kafka jars (Maven) itself.
  for (const tool of ['java', 'mvn']) if (!(await hasCommand(tool))) return undefined;
  // Services someone else started (another test run, a developer) are used and left running.
  const alreadyRunning = await run('bash', [SCRIPT, 'status']).then(
    () => true,
    () => false,
  );
  await run('bash', [SCRIPT, 'start'], { maxBuffer: 16 * 1024 * 1024, timeout: 600_000 });
  const { stdout } = await run('bash', [SCRIPT, 'env']);
  const env: Record<string, string> = {};
  for (const match of stdout.matchAll(/^export (\w+)=['"]?([^'"\n]*)['"]?$/gm)) env[match[1]!] = match[2]!;
  const kafkaBrokers = list(env.AUDITWATCH_KAFKA_BROKERS);
  if (kafkaBrokers === undefined || env.AUDITWATCH_REDIS_URL === undefined)
    throw new Error(`local-services env printed no addresses:\n${stdout}`);
  return {
    services: {
      ...saslFrom(env),
      kafkaBrokers,
      redisUrl: env.AUDITWATCH_REDIS_URL,
      ...clusterFrom(env),
      origin: 'local-services',
    },
    stop: async () => {
      if (!alreadyRunning && process.env.AUDITWATCH_KEEP_SERVICES !== '1') await run('bash', [SCRIPT, 'stop']);
    },
  };
}
