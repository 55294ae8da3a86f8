import type { FastifyInstance } from 'fastify';
import { Router } from './alerts/router.js';
import type { ServiceConfig } from './config/service-config.js';
import type { CompiledRule } from './engine/compile.js';
import { Engine } from './engine/engine.js';
import { loadRules, type RuleSet } from './engine/rule-loader.js';
import { RuleWatcher } from './engine/rule-watcher.js';
import { DeliveryMonitor } from './delivery/delivery-monitor.js';
import { DeliveryQueues } from './delivery/delivery-queues.js';
import { DeliveryWorkers } from './delivery/delivery-workers.js';
import { checkSilence } from './engine/silence.js';
import { formatRuleProblem, RuleError, messageOf } from './errors.js';
import { buildServer, type ReloadResult, type RuleInfo } from './http/server.js';
import { createLogger, type Logger } from './log.js';
import { Metrics } from './metrics.js';
import { Pipeline } from './pipeline.js';
import { createSinks } from './sinks/create-sinks.js';
import type { KafkaDiagnosis } from './source/kafka-diagnosis.js';
import { KafkaSource } from './source/kafka-source.js';
import {
  checkRedisServers,
  COMMAND_TIMEOUT_MS,
  createRedis,
  REDIS_CONNECTION_NAMES,
} from './state/redis-connection.js';
import { QuietCache } from './state/quiet-cache.js';
import { RedisStateStore } from './state/redis-store.js';
import { StateBatcher } from './state/state-batcher.js';
import type { StateStore } from './state/state-store.js';

/** A running `auditwatch run`. */
export interface Service {
  server: FastifyInstance;
  /** The address the HTTP server listens on. */
  address: string;
  /**
   * Settles when the Kafka consumer can no longer work (credentials refused, an
   * ACL or a topic missing, a crash KafkaJS does not restart from): the caller
   * closes the service and exits non-zero, so that a supervisor restarts it.
   * Never settles otherwise.
   */
  failed: Promise<KafkaDiagnosis>;
  /** Graceful stop within `graceMs`: stop fetching, finish the batch, commit, drain deliveries, close. */
  close(graceMs?: number): Promise<void>;
}

const SILENCE_CHECK_MS = 15_000;

/**
 * For tests only: the event with this id makes processing throw, like an
 * engine bug that hits one record, so that tests can follow a poison record
 * through the real service. Read only when NODE_ENV is "test" as well (the
 * Docker image sets "production"), so no production setting can switch it on.
 */
function testPoisonEventId(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.NODE_ENV === 'test' ? env.AUDITWATCH_TEST_POISON_EVENT_ID || undefined : undefined;
}

/**
 * The composition root of the service: Kafka → decode → engine (Redis state) →
 * delivery queues → delivery workers → sinks, plus the HTTP server. Throws RuleError when the
 * rules are invalid at start-up.
 */
export async function startService(
  config: ServiceConfig,
  log: Logger = createLogger(config.logLevel),
): Promise<Service> {
  const metrics = new Metrics();
  let rules = loadRules(config.rulesDirs, config.businessHours);
  const sinks = createSinks(config.sinks, { timeoutMs: config.deliveryTimeoutMs });
  metrics.allow(
    rules.rules.map((r) => r.id),
    sinks.map((s) => s.name),
  );
  metrics.rulesLoaded.set(rules.enabled.length);
  metrics.rulesHash(rules.hash);

  const retryStrategy = (n: number) => Math.min(n * 250, 2_000);
  const redis = createRedis(config.redis, {
    connectionName: REDIS_CONNECTION_NAMES.state,
    maxRetriesPerRequest: 2,
    retryStrategy,
    lazyConnect: true,
    commandTimeout: COMMAND_TIMEOUT_MS,
  });
  let redisUp = false;
  redis.on('ready', () => {
    if (!redisUp) log.info('redis connected');
    redisUp = true;
  });
  redis.on('error', (error: unknown) => {
    if (redisUp) log.error({ err: messageOf(error) }, 'redis unreachable (outage start)');
    redisUp = false;
  });
  await redis.connect().then(
    () =>
      checkRedisServers(redis, log).catch((error: unknown) => {
        redis.disconnect(); // a Redis too old: nothing else is open yet, so the process can exit
        throw error;
      }),
    (error: unknown) => log.error({ err: messageOf(error) }, 'redis unreachable at start-up; retrying'),
  );

  const { entries, bytes } = config.stateCache;
  const quiet = entries > 0 ? new QuietCache({ maxEntries: entries, maxBytes: bytes }) : undefined;
  // Chunks of several partitions that reach the store together go to Redis together (one call per node).
  const state = new StateBatcher(new RedisStateStore(redis, config.redis.prefix, quiet));
  // Queues and workers on connections of their own: a delivery's completion never waits behind the engine's pipelines.
  const queueRedis = createRedis(config.redis, {
    connectionName: REDIS_CONNECTION_NAMES.queues,
    maxRetriesPerRequest: 2,
    retryStrategy,
    commandTimeout: COMMAND_TIMEOUT_MS,
  });
  // Workers block waiting for jobs: no command timeout, and no retry limit (BullMQ requires it).
  const workerRedis = createRedis(config.redis, {
    connectionName: REDIS_CONNECTION_NAMES.workers,
    maxRetriesPerRequest: null,
    retryStrategy,
  });
  // Outages are logged once, by the main connection's listener; without a listener ioredis would print each error.
  for (const connection of [queueRedis, workerRedis]) connection.on('error', () => undefined);
  const queues = new DeliveryQueues(
    queueRedis,
    config.redis.prefix,
    sinks.map((s) => s.name),
    () => undefined,
  );
  const pipeline = new Pipeline(new Engine(rules.enabled, state), queues, new Router(config.routes), metrics, log);
  const poisonEventId = testPoisonEventId();
  let reportFailure: (diagnosis: KafkaDiagnosis) => void = () => undefined;
  const failed = new Promise<KafkaDiagnosis>((resolve) => (reportFailure = resolve));

  const source = new KafkaSource({
    config: config.kafka,
    maxEventBytes: config.maxEventBytes,
    log,
    metrics,
    handle: async (events) => {
      if (poisonEventId !== undefined && events.some((e) => e.event.id === poisonEventId)) {
        throw new Error('test poison record (AUDITWATCH_TEST_POISON_EVENT_ID)');
      }
      await pipeline.process(events, Date.now());
      if (quiet !== undefined) {
        metrics.stateOpsSkipped.inc(quiet.takeSkipped());
        metrics.stateCacheEntries.set(quiet.size);
      }
    },
    onFatal: (diagnosis) => reportFailure(diagnosis),
  });

  const workers = new DeliveryWorkers({
    connection: workerRedis,
    queues,
    sinks,
    instanceId: config.instanceId,
    concurrency: config.deliveryConcurrency,
    giveUpAfterMs: config.giveUpAfterMs,
    attemptTimeoutMs: config.deliveryTimeoutMs,
    log,
    metrics,
  });
  workers.start();
  const monitor = new DeliveryMonitor(queueRedis, queues, metrics, log);
  monitor.start();

  const startedAt = Date.now();
  const silenceTimer = setInterval(() => {
    void checkSilenceRules(pipeline.rules, state, pipeline, startedAt).catch((error: unknown) =>
      log.warn({ err: messageOf(error) }, 'silence check failed'),
    );
  }, SILENCE_CHECK_MS);

  /** One code path for POST /-/reload and the directory watcher: validate everything, swap only a valid set. */
  const reload = (trigger: 'http' | 'watch'): ReloadResult => {
    let loaded: RuleSet;
    try {
      loaded = loadRules(config.rulesDirs, config.businessHours);
    } catch (error) {
      metrics.rulesReloads.inc({ result: 'failure' });
      if (!(error instanceof RuleError)) throw error;
      const problems = error.problems.map(formatRuleProblem);
      log.error({ trigger, problems }, 'rule reload failed; keeping the previous rules');
      return { ok: false, problems };
    }
    const previousHash = rules.hash;
    rules = loaded;
    metrics.rulesReloads.inc({ result: 'success' });
    metrics.allow(
      rules.rules.map((r) => r.id),
      [],
    );
    metrics.rulesLoaded.set(rules.enabled.length);
    metrics.rulesHash(rules.hash);
    pipeline.setEngine(new Engine(rules.enabled, state));
    const changed = rules.hash !== previousHash;
    log.info({ trigger, rules: rules.enabled.length, hash: rules.hash, changed }, 'rules reloaded');
    return { ok: true, rules: rules.enabled.length };
  };
  const watcher = config.rulesWatch
    ? new RuleWatcher({ dirs: config.rulesDirs, onChange: () => reload('watch'), log })
    : undefined;
  watcher?.start();

  const server = buildServer({
    metrics,
    adminToken: config.adminToken,
    reload: () => reload('http'),
    rules: () => ruleInfo(rules),
    notReadyReasons: async () => {
      const reasons: string[] = [];
      if (!source.isJoined) reasons.push('kafka: consumer has not joined its group');
      try {
        await state.ping();
      } catch {
        reasons.push('redis: unreachable');
      }
      reasons.push(...source.problems());
      return reasons;
    },
  });
  const address = await server.listen({ host: config.http.host, port: config.http.port });
  log.info(
    {
      address,
      rules: rules.enabled.length,
      sinks: sinks.map((s) => s.name),
      topic: config.kafka.topic,
      group: config.kafka.groupId,
    },
    'auditwatch started',
  );

  // Errors of start() come back through `failed`.
  void source.start();

  return {
    server,
    address,
    failed,
    async close(graceMs = config.shutdownGraceMs) {
      const deadline = Date.now() + graceMs;
      clearInterval(silenceTimer);
      watcher?.close();
      log.info({ graceMs }, 'shutting down');
      await source.stop().catch((error: unknown) => log.warn({ err: messageOf(error) }, 'kafka consumer stop failed'));
      monitor.stop();
      await workers.close(Math.max(0, deadline - Date.now() - 1_000));
      await queues.close();
      await server.close();
      for (const connection of [redis, queueRedis, workerRedis]) connection.disconnect();
      log.info('stopped');
    },
  };
}

/** Raises a silence alert for each silence rule whose time has come (one per silence, whichever replica sees it). */
async function checkSilenceRules(
  rules: readonly CompiledRule[],
  state: StateStore,
  pipeline: Pipeline,
  startedAt: number,
): Promise<void> {
  const silenceRules = rules.filter((r) => r.detector.type === 'silence');
  if (silenceRules.length === 0) return;
  const last = (await state.lastEventAt()) ?? startedAt;
  const alerts = silenceRules.flatMap((rule) => checkSilence(rule, last, Date.now()) ?? []);
  await pipeline.raise(alerts);
}

function ruleInfo(set: RuleSet): RuleInfo[] {
  return set.rules.map((r) => ({
    id: r.id,
    version: r.version,
    file: r.file,
    title: r.title,
    severity: r.severity,
    detector: r.detector.type,
    enabled: r.spec.enabled,
  }));
}
