import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { ConfigError } from '../errors.js';
import type { BusinessHoursSpec } from '../engine/rule-schema.js';
import { isValidTimeZone } from '../engine/schedule.js';
import { rulesDirsFrom } from '../settings.js';
import type { RouteSpec, SinkSpec } from './config-file.js';
import { readDelivery } from './delivery-config.js';
import { EnvReader } from './env-reader.js';

/** Everything `auditwatch run` needs, validated once at start-up. */
export interface ServiceConfig {
  kafka: {
    brokers: string[];
    topic: string;
    groupId: string;
    clientId: string;
    sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
    /** TLS on (with an optional CA bundle), or off. */
    ssl: false | { ca?: string };
    fromBeginning: boolean;
    /** Consumer group session timeout, in ms; default 30 s. A crashed replica's partitions move after it. */
    sessionTimeoutMs: number;
    /** Topic for records that fail to decode; absent = none. */
    deadLetterTopic?: string;
  };
  redis: RedisSettings;
  /** This replica's quiet cache (state/quiet-cache.ts): most facts (0 = off), default 100,000; most bytes, default 32 MiB. */
  stateCache: { entries: number; bytes: number };
  /** This replica's name, recorded on the delivery jobs it works on; default the host name (the pod name in Kubernetes). */
  instanceId: string;
  rulesDirs: string[];
  /** Reload the rules when a rules directory changes (a ConfigMap update); default true. */
  rulesWatch: boolean;
  businessHours: BusinessHoursSpec;
  http: { host: string; port: number };
  logLevel: string;
  /** Bearer token for POST /-/reload; absent = the route does not exist. */
  adminToken?: string;
  /** Time SIGTERM may take, in ms; default 25 s (under Kubernetes' 30 s). */
  shutdownGraceMs: number;
  /** Delivery retries stop this long after an alert was queued, in ms, and it becomes a dead letter; default 24 h. */
  giveUpAfterMs: number;
  /** Timeout of one delivery attempt, in ms; default 10 s. */
  deliveryTimeoutMs: number;
  /** Deliveries in flight at once per sink and replica; default 4. */
  deliveryConcurrency: number;
  /** Largest record accepted, in bytes; default 1 MiB. */
  maxEventBytes: number;
  sinks: SinkSpec[];
  routes: RouteSpec[];
}

/** How to reach Redis: one node by URL, or a Redis Cluster by seed nodes. */
export interface RedisSettings {
  /** Single node: `redis://` or `rediss://` URL (its own credentials work too); absent in cluster mode. */
  url?: string;
  /** Cluster mode: seed nodes (AUDITWATCH_REDIS_CLUSTER_NODES); the rest of the cluster is discovered from them. */
  clusterNodes?: Array<{ host: string; port: number }>;
  username?: string;
  password?: string;
  /** TLS to every node (managed services); `rediss://` URLs have it anyway. */
  tls: boolean;
  /** Prefix of every key; default `aw`. */
  prefix: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Names of variables whose values are secrets: never logged, never echoed in an error. */
export const SECRET_VARIABLES = [
  'AUDITWATCH_KAFKA_SASL_PASSWORD',
  'AUDITWATCH_REDIS_URL',
  'AUDITWATCH_REDIS_PASSWORD',
  'AUDITWATCH_ADMIN_TOKEN',
  'AUDITWATCH_SLACK_WEBHOOK_URL',
  'AUDITWATCH_PAGERDUTY_ROUTING_KEY',
  'AUDITWATCH_WEBHOOK_URL',
  'AUDITWATCH_WEBHOOK_SECRET',
  // The URL may carry basic-auth credentials (https://user:password@alertmanager…).
  'AUDITWATCH_ALERTMANAGER_URL',
  'AUDITWATCH_ALERTMANAGER_BEARER_TOKEN',
];

/**
 * Reads the service configuration from AUDITWATCH_* variables and the optional
 * config file. Every problem is collected and thrown as one ConfigError; no
 * message contains a value, so no secret can leak through one.
 */
export function loadServiceConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);

  const brokers = read.list('AUDITWATCH_KAFKA_BROKERS', { required: true });
  const username = read.string('AUDITWATCH_KAFKA_SASL_USERNAME');
  const password = read.string('AUDITWATCH_KAFKA_SASL_PASSWORD');
  const mechanism = read.oneOf(
    'AUDITWATCH_KAFKA_SASL_MECHANISM',
    ['plain', 'scram-sha-256', 'scram-sha-512'] as const,
    'plain',
  );
  if ((username === undefined) !== (password === undefined))
    problems.push('AUDITWATCH_KAFKA_SASL_USERNAME and AUDITWATCH_KAFKA_SASL_PASSWORD must be set together');
  const caFile = read.string('AUDITWATCH_KAFKA_SSL_CA_FILE');
  let ca: string | undefined;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch (error) {
      problems.push(
        `AUDITWATCH_KAFKA_SSL_CA_FILE: cannot read ${caFile}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
      );
    }
  }
  const ssl = read.bool('AUDITWATCH_KAFKA_SSL', caFile !== undefined);
  const redis = readRedis(read);
  const timezone = read.string('AUDITWATCH_TIMEZONE');
  if (timezone !== undefined && !isValidTimeZone(timezone))
    problems.push(`AUDITWATCH_TIMEZONE: unknown IANA time zone "${timezone}"`);

  const { file, sinks, routes } = readDelivery(read, env, problems);

  const config: ServiceConfig = {
    kafka: {
      brokers: brokers ?? [],
      topic: read.string('AUDITWATCH_KAFKA_TOPIC') ?? 'confluent-audit-log-events',
      groupId: read.string('AUDITWATCH_KAFKA_GROUP_ID') ?? 'auditwatch',
      clientId: read.string('AUDITWATCH_KAFKA_CLIENT_ID') ?? 'auditwatch',
      ...(username !== undefined && password !== undefined ? { sasl: { mechanism, username, password } } : {}),
      ssl: ssl ? (ca === undefined ? {} : { ca }) : false,
      fromBeginning: read.bool('AUDITWATCH_KAFKA_FROM_BEGINNING', false),
      sessionTimeoutMs: read.duration('AUDITWATCH_KAFKA_SESSION_TIMEOUT', 30_000),
      deadLetterTopic: read.string('AUDITWATCH_KAFKA_DLQ_TOPIC'),
    },
    redis,
    stateCache: {
      entries: read.int('AUDITWATCH_STATE_CACHE_ENTRIES', 100_000, 0, 10_000_000),
      bytes: read.int('AUDITWATCH_STATE_CACHE_MB', 32, 1, 4096) * 1024 * 1024,
    },
    instanceId: read.string('AUDITWATCH_INSTANCE_ID') ?? hostname(),
    rulesDirs: rulesDirsFrom(undefined, env),
    rulesWatch: read.bool('AUDITWATCH_RULES_WATCH', true),
    businessHours: { ...file.business_hours, timezone: file.business_hours?.timezone ?? timezone },
    http: {
      host: read.string('AUDITWATCH_HTTP_HOST') ?? '0.0.0.0',
      port: read.int('AUDITWATCH_HTTP_PORT', 8080, 0, 65535),
    },
    logLevel: read.oneOf('AUDITWATCH_LOG_LEVEL', LOG_LEVELS, 'info'),
    adminToken: read.string('AUDITWATCH_ADMIN_TOKEN'),
    shutdownGraceMs: read.duration('AUDITWATCH_SHUTDOWN_GRACE', 25_000),
    giveUpAfterMs: read.duration('AUDITWATCH_DELIVERY_GIVE_UP_AFTER', 24 * 3_600_000),
    deliveryTimeoutMs: read.duration('AUDITWATCH_DELIVERY_TIMEOUT', 10_000),
    deliveryConcurrency: read.int('AUDITWATCH_DELIVERY_CONCURRENCY', 4, 1, 100),
    maxEventBytes: read.int('AUDITWATCH_MAX_EVENT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    sinks,
    routes,
  };
  if (config.adminToken !== undefined && config.adminToken.length < 16)
    problems.push('AUDITWATCH_ADMIN_TOKEN: must be at least 16 characters');
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** What ioredis can connect with: redis(s)://, a parsable URL, a numeric port and db, a decodable user and password. */
function isRedisUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    return false; // the message must not quote the value
  }
  return (
    (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '' && /^(\/\d*)?$/.test(url.pathname)
  );
}

/** Redis and sink names only (for `auditwatch alerts …`, which works on the delivery queues and needs no Kafka). */
export function loadQueueConfig(env: NodeJS.ProcessEnv = process.env): Pick<ServiceConfig, 'redis' | 'sinks'> {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);
  const { sinks } = readDelivery(read, env, problems);
  const redis = readRedis(read);
  if (problems.length > 0) throw new ConfigError(problems);
  return { redis, sinks };
}

function readRedis(read: EnvReader): RedisSettings {
  const nodes = read.list('AUDITWATCH_REDIS_CLUSTER_NODES');
  const clusterNodes = nodes?.map((node) => ({
    host: node.slice(0, node.lastIndexOf(':')),
    port: Number(node.slice(node.lastIndexOf(':') + 1)),
  }));
  const url = read.string('AUDITWATCH_REDIS_URL', { required: clusterNodes === undefined });
  if (url !== undefined && !isRedisUrl(url))
    read.problem('AUDITWATCH_REDIS_URL: must be redis://[:password@]host:port[/db] or rediss://…');
  if (url !== undefined && clusterNodes !== undefined)
    read.problem('AUDITWATCH_REDIS_URL and AUDITWATCH_REDIS_CLUSTER_NODES: set one of the two');
  const username = read.string('AUDITWATCH_REDIS_USERNAME');
  const password = read.string('AUDITWATCH_REDIS_PASSWORD');
  return {
    ...(clusterNodes === undefined ? { url } : { clusterNodes }),
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    tls: read.bool('AUDITWATCH_REDIS_TLS', false),
    prefix: read.string('AUDITWATCH_REDIS_PREFIX') ?? 'aw',
  };
}
