import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { Router } from './alerts/router.js';
import type { ServiceConfig } from './config/service-config.js';
import type { CompiledRule } from './engine/compile.js';
import { Engine } from './engine/engine.js';
import { loadRules, type RuleSet } from './engine/rule-loader.js';
import { DeliveryMonitor } from './delivery/delivery-monitor.js';
import { DeliveryQueues } from './delivery/delivery-queues.js';
import { DeliveryWorkers } from './delivery/delivery-workers.js';
import { checkSilence } from './engine/silence.js';
import { formatRuleProblem, RuleError } from './errors.js';
import { buildServer, type ReloadResult, type RuleInfo } from './http/server.js';
import { createLogger, type Logger } from './log.js';
import { Metrics } from './metrics.js';
import { Pipeline } from './pipeline.js';
import { createSinks } from './sinks/create-sinks.js';
import type { KafkaDiagnosis } from './source/kafka-diagnosis.js';
import { KafkaSource } from './source/kafka-source.js';
import { RedisStateStore } from './state/redis-store.js';

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
export async function startService(config: ServiceConfig, log: Logger = createLogger(config.logLevel)): Promise<Service> {
  const metrics = new Metrics();
  let rules = loadRules(config.rulesDirs, config.businessHours);
  const sinks = createSinks(config.sinks, { timeoutMs: config.deliveryTimeoutMs });
  metrics.allow(rules.rules.map((r) => r.id), sinks.map((s) => s.name));
  metrics.rulesLoaded.set(rules.enabled.length);

  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 2, retryStrategy: (n) => Math.min(n * 250, 2_000), lazyConnect: true });
  let redisUp = false;
  redis.on('ready', () => {
    if (!redisUp) log.info('redis connected');
    redisUp = true;
  });
  redis.on('error', (error: Error) => {
    if (redisUp) log.error({ err: error.message }, 'redis unreachable (outage start)');
    redisUp = false;
  });
  await redis.connect().catch((error: Error) => log.error({ err: error.message }, 'redis unreachable at start-up; retrying'));

  const state = new RedisStateStore(redis, config.redis.prefix);
  // Queues and workers on connections of their own: a delivery's completion never waits behind the engine's pipelines.
  const queueRedis = redis.duplicate();
  const workerRedis = redis.duplicate({ maxRetriesPerRequest: null });
  const queues = new DeliveryQueues(queueRedis, config.redis.prefix, sinks.map((s) => s.name));
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
      if (events.length > 0) await state.touch(Date.now());
      await pipeline.process(events);
    },
    onFatal: (diagnosis) => reportFailure(diagnosis),
  });

  const workers = new DeliveryWorkers({ connection: workerRedis, queues, sinks, instanceId: config.instanceId, concurrency: config.deliveryConcurrency, giveUpAfterMs: config.giveUpAfterMs, attemptTimeoutMs: config.deliveryTimeoutMs, log, metrics });
  workers.start();
  const monitor = new DeliveryMonitor(queueRedis, queues, metrics, log);
  monitor.start();

  const startedAt = Date.now();
  const silenceTimer = setInterval(() => {
    void checkSilenceRules(pipeline.rules, state, pipeline, startedAt).catch((error: Error) => log.warn({ err: error.message }, 'silence check failed'));
  }, SILENCE_CHECK_MS);

  const reload = async (): Promise<ReloadResult> => {
    try {
      rules = loadRules(config.rulesDirs, config.businessHours);
    } catch (error) {
      if (!(error instanceof RuleError)) throw error;
      const problems = error.problems.map(formatRuleProblem);
      log.error({ problems }, 'rule reload failed; keeping the previous rules');
      return { ok: false, problems };
    }
    metrics.allow(rules.rules.map((r) => r.id), []);
    metrics.rulesLoaded.set(rules.enabled.length);
    pipeline.setEngine(new Engine(rules.enabled, state));
    log.info({ rules: rules.enabled.length }, 'rules reloaded');
    return { ok: true, rules: rules.enabled.length };
  };

  const server = buildServer({
    metrics,
    adminToken: config.adminToken,
    reload,
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
  log.info({ address, rules: rules.enabled.length, sinks: sinks.map((s) => s.name), topic: config.kafka.topic, group: config.kafka.groupId }, 'auditwatch started');

  // Errors of start() come back through `failed`.
  void source.start();

  return {
    server,
    address,
    failed,
    async close(graceMs = config.shutdownGraceMs) {
      const deadline = Date.now() + graceMs;
      clearInterval(silenceTimer);
      log.info({ graceMs }, 'shutting down');
      await source.stop().catch((error: Error) => log.warn({ err: error.message }, 'kafka consumer stop failed'));
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
async function checkSilenceRules(rules: readonly CompiledRule[], state: RedisStateStore, pipeline: Pipeline, startedAt: number): Promise<void> {
  const silenceRules = rules.filter((r) => r.detector.type === 'silence');
  if (silenceRules.length === 0) return;
  const last = (await state.lastEventAt()) ?? startedAt;
  const alerts = silenceRules.flatMap((rule) => checkSilence(rule, last, Date.now()) ?? []);
  await pipeline.raise(alerts);
}

function ruleInfo(set: RuleSet): RuleInfo[] {
  return set.rules.map((r) => ({ id: r.id, version: r.version, file: r.file, title: r.title, severity: r.severity, detector: r.detector.type, enabled: r.spec.enabled }));
}
