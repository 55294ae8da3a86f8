/**
 * The real services the benchmark runs against: the harness's Kafka broker
 * (AUDITWATCH_KAFKA_BROKERS, else `scripts/local-services.sh start`, left
 * running), and for each service run a redis-server of the benchmark's own, so
 * that Redis counters count only the benchmark's work.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { OwnRedis } from '../test/support/redis-server.js';
import { freePort } from '../test/support/service-process.js';

const run = promisify(execFile);
const SCRIPT = new URL('../scripts/local-services.sh', import.meta.url).pathname;

export interface BenchServices {
  /** PLAINTEXT bootstrap servers of the shared broker. */
  kafkaBrokers: string[];
  /** The shared Redis (used only when no redis-server binary is available). */
  sharedRedisUrl: string;
  /** Seed nodes of the local 3-master Redis Cluster (AUDITWATCH_REDIS_CLUSTER_NODES), for `--redis-cluster`. */
  clusterNodes?: string[];
  origin: 'environment' | 'local-services';
}

function list(value: string | undefined): string[] | undefined {
  const items = value
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return items === undefined || items.length === 0 ? undefined : items;
}

/** AUDITWATCH_KAFKA_BROKERS / AUDITWATCH_REDIS_URL, else the local services (started if needed and left running). */
export async function findServices(log: (line: string) => void): Promise<BenchServices> {
  const brokers = list(process.env.AUDITWATCH_KAFKA_BROKERS);
  const redisUrl = process.env.AUDITWATCH_REDIS_URL;
  if (brokers !== undefined && redisUrl !== undefined)
    return {
      kafkaBrokers: brokers,
      sharedRedisUrl: redisUrl,
      clusterNodes: list(process.env.AUDITWATCH_REDIS_CLUSTER_NODES),
      origin: 'environment',
    };
  log(
    'AUDITWATCH_KAFKA_BROKERS / AUDITWATCH_REDIS_URL not set: starting scripts/local-services.sh (left running afterwards)',
  );
  await run('bash', [SCRIPT, 'start'], { maxBuffer: 16 * 1024 * 1024, timeout: 600_000 });
  const { stdout } = await run('bash', [SCRIPT, 'env']);
  const env: Record<string, string> = {};
  for (const match of stdout.matchAll(/^export (\w+)=['"]?([^'"\n]*)['"]?$/gm)) env[match[1]!] = match[2]!;
  const found = list(env.AUDITWATCH_KAFKA_BROKERS);
  if (found === undefined || env.AUDITWATCH_REDIS_URL === undefined)
    throw new Error(`local-services env printed no addresses:\n${stdout}`);
  return {
    kafkaBrokers: found,
    sharedRedisUrl: env.AUDITWATCH_REDIS_URL,
    clusterNodes: list(env.AUDITWATCH_REDIS_CLUSTER_NODES),
    origin: 'local-services',
  };
}

/** A Redis for one service run: its own redis-server (no persistence) when the binary exists. */
export interface BenchRedis {
  url: string;
  /** Cluster mode: the service gets these seed nodes instead of `url`. */
  clusterNodes?: string[];
  /** Where the server counters are read: the server, or every master of the cluster (summed). */
  counterUrls: string[];
  /** True for the benchmark's own server: its INFO counters are the service's work alone. */
  dedicated: boolean;
  stop(): Promise<void>;
}

/**
 * With `cluster`, the shared local Redis Cluster (its masters' counters are
 * summed; nothing else may use it during the run, and the run's keys carry its
 * own prefix); else a redis-server of the benchmark's own.
 */
export async function startBenchRedis(services: BenchServices, cluster = false): Promise<BenchRedis> {
  if (cluster) {
    const nodes = services.clusterNodes;
    if (nodes === undefined)
      throw new Error('--redis-cluster: no AUDITWATCH_REDIS_CLUSTER_NODES (scripts/local-services.sh env)');
    const urls = nodes.map((n) => `redis://${n}`);
    return { url: urls[0]!, clusterNodes: nodes, counterUrls: urls, dedicated: true, stop: async () => {} };
  }
  const hasBinary = await run('sh', ['-c', 'command -v redis-server']).then(
    () => true,
    () => false,
  );
  if (!hasBinary)
    return {
      url: services.sharedRedisUrl,
      counterUrls: [services.sharedRedisUrl],
      dedicated: false,
      stop: async () => {},
    };
  const own = new OwnRedis(await freePort());
  await own.start();
  // No data worth keeping: SIGKILL is the quickest stop for a server without persistence.
  return { url: own.url, counterUrls: [own.url], dedicated: true, stop: () => own.kill() };
}
