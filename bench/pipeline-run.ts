/**
 * Throughput of the full `auditwatch run` pipeline: the built service drains a
 * filled topic from the beginning (whole built-in rule pack, Redis state, delivery queues,
 * webhook deliveries), and the benchmark watches the group's committed offsets
 * — committed means decoded, evaluated, state and alerts durable in Redis.
 */
import type { Admin } from 'kafkajs';
import type { FakeWebhookReceiver } from '../test/support/fake-sinks.js';
import { cpuBudget, readCpu, type CpuBudget, type CpuReading } from './cpu-budget.js';
import { committed } from './kafka-topic.js';
import { counterDelta, readRedisCounters, type ConnectionCensus } from './redis-counters.js';
import { ServiceUnderTest, type MetricSample } from './service-under-test.js';
import type { BenchRedis } from './bench-services.js';

/** What every run of the service under test needs. */
export interface ServiceRunOptions {
  admin: Admin;
  brokers: string[];
  topic: string;
  groupId: string;
  redis: BenchRedis;
  redisPrefix: string;
  webhook: FakeWebhookReceiver;
  webhookSecret: string;
  workDir: string;
  /** Extra node flags for the service. */
  nodeOptions?: string;
  /** Extra AUDITWATCH_* settings for the service. */
  serviceEnv?: Record<string, string>;
  log: (line: string) => void;
}

export interface PipelineRunOptions extends ServiceRunOptions {
  label: string;
  /** Records in the topic. */
  expected: number;
  profileFile?: string;
  timeoutMs: number;
}

/** What one service run measured. */
export interface ServiceRunStats {
  /** Events decoded (auditwatch_events_consumed_total). */
  consumed: number;
  /** Chunks processed (auditwatch_batch_processing_seconds_count). */
  batches: number;
  alerts: number;
  /** Webhook deliveries received by the local receiver. */
  delivered: number;
  /** Distinct rules among the delivered alerts. */
  rulesFired: number;
  /** Delivered alerts per rule. */
  alertsByRule: Record<string, number>;
  /** Peak RSS, bytes: VmHWM of the process when readable, else the highest sampled gauge. */
  peakRss: number;
  peakRssSource: 'VmHWM' | '/metrics';
  /** Highest sampled V8 heap (total, used) and external memory, bytes (samples every ~0.5 s). */
  peakHeapTotal: number;
  peakHeapUsed: number;
  peakExternal: number;
  /** Client-side: per ioredis connection (0 = rule state; then the delivery queues' and workers'). */
  census: ConnectionCensus[];
  /** Server-side (the benchmark's own redis-server only). */
  server?: ReturnType<typeof counterDelta>;
  exitCode: number | null;
}

export interface PipelineResult extends ServiceRunStats {
  /** Steady-state throughput: events committed after the first commit, over the time to the last. */
  eps: number;
  seconds: number;
  timing: string;
  /** CPU per event over the same window (cpu-budget.ts). */
  cpu: CpuBudget;
}

const POLL_MS = 100;

export async function runPipeline(o: PipelineRunOptions): Promise<PipelineResult> {
  const before = o.redis.dedicated ? await readRedisCounters(o.redis.counterUrls) : undefined;
  const service = await ServiceUnderTest.start({
    label: o.label,
    brokers: o.brokers,
    topic: o.topic,
    groupId: o.groupId,
    redisUrl: o.redis.url,
    redisClusterNodes: o.redis.clusterNodes,
    redisPrefix: o.redisPrefix,
    webhookUrl: o.webhook.url,
    webhookSecret: o.webhookSecret,
    workDir: o.workDir,
    profileFile: o.profileFile,
    nodeOptions: o.nodeOptions,
    serviceEnv: o.serviceEnv,
  });
  const redisUrls = o.redis.dedicated ? o.redis.counterUrls : undefined;
  const cpuAt = () => readCpu(service.pid, redisUrls);
  const atReady = await cpuAt();
  const readyAt = performance.now();
  let stopped = false;
  try {
    let t0: number | undefined;
    let c0 = 0;
    let t1: number | undefined;
    let atFirst: CpuReading | undefined;
    let atLast: CpuReading | undefined;
    const deadline = Date.now() + o.timeoutMs;
    for (let i = 0; ; i++) {
      const c = await committed(o.admin, o.groupId, o.topic);
      const now = performance.now();
      if (c > 0 && t0 === undefined) {
        t0 = now;
        c0 = c;
        atFirst = await cpuAt();
      }
      if (c >= o.expected) {
        t1 = now;
        atLast = await cpuAt();
        break;
      }
      if (i % 5 === 0) await service.metrics();
      if (Date.now() > deadline)
        throw new Error(
          `pipeline committed ${c} of ${o.expected} records within ${o.timeoutMs} ms; last logs:\n${service.lastLogs()}`,
        );
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    // A topic drained before the first poll saw a commit: time it from readiness instead (small --quick runs).
    const fromReady = c0 >= o.expected;
    const start = fromReady ? readyAt : t0!;
    const seconds = Math.max(t1 - start, POLL_MS) / 1000;
    const eps = (o.expected - (fromReady ? 0 : c0)) / seconds;
    const cpu = cpuBudget(fromReady ? atReady : atFirst!, atLast, o.expected - (fromReady ? 0 : c0));
    const stats = await finishServiceRun(service, o.redis, before, o.webhook, o.log);
    stopped = true;
    return {
      ...stats,
      eps,
      seconds,
      cpu,
      timing: fromReady
        ? 'from readiness (drained before the first poll)'
        : `committed offsets, ${POLL_MS} ms polls, after the first commit (${c0} records)`,
    };
  } finally {
    if (!stopped) await service.process.stop('SIGKILL');
  }
}

/**
 * After the work is done: waits (up to 15 s) for the alerts to reach the
 * webhook, reads metrics, RSS and Redis counters, then stops the service
 * gracefully and reads its Redis census.
 */
export async function finishServiceRun(
  service: ServiceUnderTest,
  redis: BenchRedis,
  before: Awaited<ReturnType<typeof readRedisCounters>> | undefined,
  webhook: FakeWebhookReceiver,
  log: (line: string) => void,
): Promise<ServiceRunStats> {
  let m: MetricSample = await service.metrics();
  const end = Date.now() + 15_000;
  while (webhook.deliveries.length < (m.get('auditwatch_alerts_total') ?? 0) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 200));
    m = await service.metrics();
  }
  const alerts = m.get('auditwatch_alerts_total') ?? 0;
  if (webhook.deliveries.length < alerts)
    log(`only ${webhook.deliveries.length} of ${alerts} alerts reached the webhook within 15 s`);
  const hwm = service.peakRssKernel();
  const server = before === undefined ? undefined : counterDelta(before, await readRedisCounters(redis.counterUrls));
  const exitCode = await service.stop();
  return {
    consumed: m.get('auditwatch_events_consumed_total') ?? 0,
    batches: m.get('auditwatch_batch_processing_seconds_count') ?? 0,
    alerts,
    delivered: webhook.deliveries.length,
    rulesFired: new Set(webhook.deliveries.map(ruleOf)).size,
    alertsByRule: countBy(webhook.deliveries.map(ruleOf)),
    peakRss: hwm ?? service.peak('auditwatch_process_resident_memory_bytes'),
    peakRssSource: hwm === undefined ? '/metrics' : 'VmHWM',
    peakHeapTotal: service.peak('auditwatch_nodejs_heap_size_total_bytes'),
    peakHeapUsed: service.peak('auditwatch_nodejs_heap_size_used_bytes'),
    peakExternal: service.peak('auditwatch_nodejs_external_memory_bytes'),
    census: service.census(),
    server,
    exitCode,
  };
}

function ruleOf(delivery: FakeWebhookReceiver['deliveries'][number]): string {
  return (delivery.body as { data?: { rule?: string } } | undefined)?.data?.rule ?? '?';
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
