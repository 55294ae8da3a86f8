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
    return { kafkaBrokers: brokers, sharedRedisUrl: redisUrl, origin: 'environment' };
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
  return { kafkaBrokers: found, sharedRedisUrl: env.AUDITWATCH_REDIS_URL, origin: 'local-services' };
}

/** A Redis for one service run: its own redis-server (no persistence) when the binary exists. */
export interface BenchRedis {
  url: string;
  /** True for the benchmark's own server: its INFO counters are the service's work alone. */
  dedicated: boolean;
  stop(): Promise<void>;
}

export async function startBenchRedis(services: BenchServices): Promise<BenchRedis> {
  const hasBinary = await run('sh', ['-c', 'command -v redis-server']).then(
    () => true,
    () => false,
  );
  if (!hasBinary) return { url: services.sharedRedisUrl, dedicated: false, stop: async () => {} };
  const own = new OwnRedis(await freePort());
  await own.start();
  // No data worth keeping: SIGKILL is the quickest stop for a server without persistence.
  return { url: own.url, dedicated: true, stop: () => own.kill() };
}
