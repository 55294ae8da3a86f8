/**
 * End-to-end latency at a fixed rate: the benchmark produces the realistic
 * stream (event time = now) at `rate` events/s into a fresh topic that a
 * running `auditwatch run` consumes, and replaces some background events with
 * markers — an OrganizationAdmin grant (`BindRoleForPrincipal`), which
 * `privileged-role-granted` (detector `any`, no throttle) alerts on at once.
 * Latency = the marker's produce call → its alert's arrival at the local
 * Standard Webhooks receiver (signature verified), on one clock.
 *
 * For scale, a bare KafkaJS consumer group in this process reads the same
 * topic at the same time and records when each marker reaches it: the floor
 * that Kafka and the client library alone impose (produce → eachBatch).
 */
import { randomUUID } from 'node:crypto';
import { PARTITIONS_CONCURRENTLY } from '../src/source/kafka-source.js';
import type { Kafka, Message } from 'kafkajs';
import { controlPlane } from '../test/support/events.js';
import type { FakeWebhookReceiver } from '../test/support/fake-sinks.js';
import { auditStream } from './audit-stream.js';
import { finishServiceRun, type ServiceRunOptions, type ServiceRunStats } from './pipeline-run.js';
import { readRedisCounters } from './redis-counters.js';
import { ServiceUnderTest } from './service-under-test.js';

export interface LatencyRunOptions extends ServiceRunOptions {
  kafka: Kafka;
  /** Events per second, markers included. */
  rate: number;
  /** Seconds of background only, first (JIT, connections, first fetches). */
  warmupSeconds: number;
  /** Seconds with markers, after the warm-up. */
  seconds: number;
  markersPerSecond: number;
}

export interface LatencyResult extends ServiceRunStats {
  /** Marker latencies, ms, sorted. */
  latencies: number[];
  markers: number;
  missing: number;
  p50: number;
  p99: number;
  max: number;
  /** Events produced, and the rate actually achieved. */
  produced: number;
  achievedRate: number;
  /** Produce calls that were still unacknowledged when the next tick came (producer falling behind). */
  maxInFlight: number;
  /** Produce → bare consumer's eachBatch, ms, sorted (the Kafka floor). */
  floor: number[];
}

const TICK_MS = 5;
const RULE = 'privileged-role-granted';

export async function runLatency(o: LatencyRunOptions): Promise<LatencyResult> {
  const before = o.redis.dedicated ? await readRedisCounters(o.redis.counterUrls) : undefined;
  const arrivals = trackArrivals(o.webhook);
  const service = await ServiceUnderTest.start({
    label: 'latency',
    brokers: o.brokers,
    topic: o.topic,
    groupId: o.groupId,
    redisUrl: o.redis.url,
    redisClusterNodes: o.redis.clusterNodes,
    redisPrefix: o.redisPrefix,
    webhookUrl: o.webhook.url,
    webhookSecret: o.webhookSecret,
    workDir: o.workDir,
    nodeOptions: o.nodeOptions,
    serviceEnv: o.serviceEnv,
  });
  const producer = o.kafka.producer();
  const sentAt = new Map<string, number>();
  let floor: Awaited<ReturnType<typeof startFloorConsumer>> | undefined;
  let stopped = false;
  let sampling: NodeJS.Timeout | undefined;
  try {
    floor = await startFloorConsumer(o.kafka, o.topic, `${o.groupId}-floor`, sentAt);
    await producer.connect();
    sampling = setInterval(() => void service.metrics().catch(() => undefined), 2_000);
    const total = Math.round(o.rate * (o.warmupSeconds + o.seconds));
    const background = auditStream({
      events: total + 1_000,
      start: new Date().toISOString(),
      eventsPerSecond: o.rate,
      preamble: false,
      seed: 7,
    });
    const markerEvery = Math.max(1, Math.round(o.rate / o.markersPerSecond));
    const warmupEvents = Math.round(o.rate * o.warmupSeconds);
    const inFlight = new Set<Promise<unknown>>();
    let maxInFlight = 0;
    let produced = 0;
    const startedAt = performance.now();
    while (produced < total) {
      const due = Math.min(total, Math.floor(((performance.now() - startedAt) / 1000) * o.rate));
      const messages: Message[] = [];
      const markers: string[] = [];
      for (; produced < due; produced++) {
        const { value: next } = background.next();
        if (next === undefined) throw new Error('the background stream ended early');
        if (produced >= warmupEvents && (produced - warmupEvents) % markerEvery === 0) {
          const id = `bench-marker-${randomUUID()}`;
          markers.push(id);
          messages.push({ key: id, value: JSON.stringify(marker(id, markers.length + sentAt.size)) });
        } else messages.push({ key: next.key, value: next.value });
      }
      if (messages.length > 0) {
        const at = performance.now();
        for (const id of markers) sentAt.set(id, at);
        const p = producer.send({ topic: o.topic, messages }).finally(() => inFlight.delete(p));
        inFlight.add(p);
        maxInFlight = Math.max(maxInFlight, inFlight.size);
      }
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
    await Promise.all(inFlight);
    const achievedRate = produced / ((performance.now() - startedAt) / 1000);

    // Every marker's alert, or 30 s after the last one was produced.
    const end = Date.now() + 30_000;
    const latencies = (): number[] => markerLatencies(o.webhook, arrivals.times, sentAt);
    while (latencies().length < sentAt.size && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    const measured = latencies().sort((a, b) => a - b);
    clearInterval(sampling);
    const stats = await finishServiceRun(service, o.redis, before, o.webhook, o.log);
    stopped = true;
    return {
      ...stats,
      latencies: measured,
      markers: sentAt.size,
      missing: sentAt.size - measured.length,
      p50: percentile(measured, 50),
      p99: percentile(measured, 99),
      max: measured[measured.length - 1] ?? Number.NaN,
      produced,
      achievedRate,
      maxInFlight,
      floor: [...floor.latencies].sort((a, b) => a - b),
    };
  } finally {
    clearInterval(sampling);
    arrivals.stop();
    await floor?.stop();
    await producer.disconnect().catch(() => undefined);
    if (!stopped) await service.process.stop('SIGKILL');
  }
}

/** The bare consumer: records when each marker's record is handed to eachBatch. */
async function startFloorConsumer(
  kafka: Kafka,
  topic: string,
  groupId: string,
  sentAt: Map<string, number>,
): Promise<{ latencies: number[]; stop(): Promise<void> }> {
  const latencies: number[] = [];
  const consumer = kafka.consumer({ groupId });
  const joined = new Promise<void>((resolve) => {
    consumer.on(consumer.events.GROUP_JOIN, () => {
      resolve();
    });
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    // No commits: KafkaJS's auto-commit sends one OffsetCommit per partition after each batch and fetches again only
    // once they are answered, which put the commits' queueing into the floor (p50 27.5 → ms, bench/README.md "Latency").
    autoCommit: false,
    partitionsConsumedConcurrently: PARTITIONS_CONCURRENTLY,
    eachBatch: ({ batch }) => {
      const now = performance.now();
      for (const message of batch.messages) {
        const sent = message.key === null ? undefined : sentAt.get(message.key.toString());
        if (sent !== undefined) latencies.push(now - sent);
      }
      return Promise.resolve();
    },
  });
  await joined;
  return { latencies, stop: () => consumer.disconnect() };
}

/** An OrganizationAdmin grant by a user of its own, so nothing throttles it. */
function marker(id: string, n: number): Record<string, unknown> {
  return controlPlane({
    id,
    time: new Date().toISOString(),
    method: 'BindRoleForPrincipal',
    user: `u-bench${n}`,
    email: `bench${n}@example.com`,
    ip: '198.51.100.77',
    resource: { type: 'ROLE_BINDING', resourceId: `rb-bench-${n}` },
    requestData: { principal: `User:sa-bench${n}`, role_name: 'OrganizationAdmin' },
  });
}

/**
 * Arrival time of each request at the receiver: waitForRequests(n) resolves
 * from the receiver's own request handler once the n-th request has been read
 * completely, so the time taken then is its arrival (to well under a ms).
 */
function trackArrivals(receiver: FakeWebhookReceiver): { times: number[]; stop(): void } {
  const times: number[] = [];
  const state = { running: true };
  void (async () => {
    while (state.running) {
      try {
        await receiver.waitForRequests(times.length + 1, 500);
        const now = performance.now();
        while (times.length < receiver.requests.length) times.push(now);
      } catch {
        // nothing arrived within 500 ms; wait again unless stopped
      }
    }
  })();
  return {
    times,
    stop() {
      state.running = false;
    },
  };
}

function markerLatencies(receiver: FakeWebhookReceiver, arrivals: number[], sentAt: Map<string, number>): number[] {
  const first = new Map<string, number>();
  receiver.requests.forEach((request, i) => {
    const alert = (request.body as { data?: { rule?: string; trigger?: string } } | undefined)?.data;
    const sent = alert?.trigger === undefined ? undefined : sentAt.get(alert.trigger);
    const arrived = arrivals[i];
    if (
      alert?.rule === RULE &&
      sent !== undefined &&
      arrived !== undefined &&
      request.status === 204 &&
      !first.has(alert.trigger!)
    )
      first.set(alert.trigger!, arrived - sent);
  });
  return [...first.values()];
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
