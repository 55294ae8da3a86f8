/**
 * `npm run bench` (see bench/README.md): the auditwatch pipeline against the
 * raw Kafka consumer in one run, end-to-end latency at 1,000 events/s, Redis
 * commands and round trips, peak RSS, and replay against a bare parse loop.
 * Progress goes to stderr; stdout gets the table and, as its last line, one
 * JSON object.
 *
 *   npx tsx bench/run.ts [--quick] [--events N] [--latency-seconds S] [--rate R]
 *                        [--partitions P] [--api-keys N] [--users N] [--ips N]
 *                        [--service-node-options FLAGS] [--service-env AUDITWATCH_X=V]... [--redis-cluster] [--profile] [--keep]
 *
 * Exit: 0 done (quick mode: whatever the figures); 1 a target missed (full
 * mode only); 2 the benchmark could not run (services, a crash, a timeout).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Admin } from 'kafkajs';
import { startFakeWebhookReceiver } from '../test/support/fake-sinks.js';
import { auditStream, describeStream, type AuditStreamOptions, type StreamRecord } from './audit-stream.js';
import { findServices, startBenchRedis, type BenchServices } from './bench-services.js';
import { benchKafka, createTopic, deleteTopics, produce, topicEnd } from './kafka-topic.js';
import { runLatency, type LatencyResult } from './latency-run.js';
import { runPipeline, type PipelineResult } from './pipeline-run.js';
import { formatProfile } from './profile-summary.js';
import { runRawConsumer } from './raw-consumer.js';
import { runReplay } from './replay-run.js';
import { checkTargets, formatTable, summarize, type BenchResults } from './report.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    events: { type: 'string' },
    'latency-seconds': { type: 'string' },
    rate: { type: 'string' },
    partitions: { type: 'string' },
    'api-keys': { type: 'string' },
    users: { type: 'string' },
    ips: { type: 'string' },
    'service-node-options': { type: 'string' },
    'service-env': { type: 'string', multiple: true },
    profile: { type: 'boolean', default: false },
    'redis-cluster': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});

const quick = args.quick;
/** Background events of the throughput topic and replay file (plus the preamble of one event per key and the attack bursts). */
const EVENTS = Number(args.events ?? (quick ? 3_000 : 200_000));
const LATENCY_SECONDS = Number(args['latency-seconds'] ?? (quick ? 5 : 60));
const RATE = Number(args.rate ?? 1_000);
const PARTITIONS = Number(args.partitions ?? 6);
const cardinality = (name: 'api-keys' | 'users' | 'ips', quickValue: number, fullValue: number): number =>
  Number(args[name] ?? (quick ? quickValue : fullValue));
const STREAM: AuditStreamOptions = {
  events: EVENTS,
  apiKeys: cardinality('api-keys', 300, 4_000),
  users: cardinality('users', 200, 2_000),
  ips: cardinality('ips', 500, 5_000),
  attackEvery: quick ? 1_000 : 5_000,
};
/** Extra node flags for the service under test (experiments: `--service-node-options=--max-semi-space-size=64`). */
const SERVICE_NODE_OPTIONS = args['service-node-options'] ?? '';
/** Extra settings for the service, `--service-env AUDITWATCH_STATE_CACHE_ENTRIES=0` (repeatable): only AUDITWATCH_* names. */
const SERVICE_ENV: Record<string, string> = Object.fromEntries(
  (args['service-env'] ?? []).map((kv) => {
    const at = kv.indexOf('=');
    if (at < 1 || !kv.startsWith('AUDITWATCH_'))
      throw new Error(`--service-env wants AUDITWATCH_NAME=value, not ${kv}`);
    return [kv.slice(0, at), kv.slice(at + 1)];
  }),
);

const log = (line: string): void =>
  void process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const runId = randomUUID().slice(0, 8);

function machine(): string {
  const cpu = /^model name\s*:\s*(.+)$/m.exec(safeRead('/proc/cpuinfo'))?.[1] ?? 'unknown CPU';
  return `${availableParallelism()} cores (nproc), ${cpu}, node ${process.version}, load average at start ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`;
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Streams the records into a JSON-lines file while they go by (the replay input). */
function* teeToFile(records: Iterable<StreamRecord>, file: string): Generator<StreamRecord> {
  const fd = openSync(file, 'w');
  try {
    let pending: string[] = [];
    for (const r of records) {
      pending.push(r.value);
      if (pending.length >= 1_000) {
        writeSync(fd, pending.join('\n') + '\n');
        pending = [];
      }
      yield r;
    }
    if (pending.length > 0) writeSync(fd, pending.join('\n') + '\n');
  } finally {
    closeSync(fd);
  }
}

async function main(): Promise<number> {
  const started = performance.now();
  const workDir = mkdtempSync(join(tmpdir(), 'auditwatch-bench-'));
  const services: BenchServices = await findServices(log);
  log(`services from ${services.origin}: kafka ${services.kafkaBrokers.join(',')}; work dir ${workDir}`);
  const kafka = benchKafka(services.kafkaBrokers, `aw-bench-${runId}`);
  const admin: Admin = kafka.admin();
  await admin.connect();
  const topics: string[] = [];
  const groups: string[] = [];
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  try {
    const topic = `aw-bench-${runId}`;
    topics.push(topic);
    await createTopic(admin, topic, PARTITIONS);
    const file = join(workDir, 'events.jsonl');
    const producer = kafka.producer();
    await producer.connect();
    let t = performance.now();
    const sent = await produce(producer, topic, teeToFile(auditStream(STREAM), file));
    await producer.disconnect();
    const events = await topicEnd(admin, topic);
    if (events !== sent) throw new Error(`produced ${sent} records but the topic holds ${events}`);
    log(
      `produced ${events} events to ${topic} (${PARTITIONS} partitions) and ${file} in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );

    const timeoutMs = Math.max(180_000, events);
    const raw = async (n: number) => {
      const group = `aw-bench-raw${n}-${runId}`;
      groups.push(group);
      const r = await runRawConsumer(kafka, topic, group, events, timeoutMs);
      log(`raw consumer #${n}: ${Math.round(r.eps)} ev/s (${r.events} in ${r.seconds.toFixed(2)} s)`);
      return r;
    };
    const rawBefore = await raw(1);

    const profileFile = (name: string) => (args.profile ? join(workDir, `${name}.cpuprofile`) : undefined);
    let pipeline: PipelineResult;
    {
      const redis = await startBenchRedis(services, args['redis-cluster']);
      const webhook = await startFakeWebhookReceiver({ secret });
      const groupId = `aw-bench-pipeline-${runId}`;
      groups.push(groupId);
      try {
        t = performance.now();
        pipeline = await runPipeline({
          label: 'throughput',
          admin,
          brokers: services.kafkaBrokers,
          topic,
          groupId,
          expected: events,
          redis,
          redisPrefix: `aw-bench-${runId}`,
          webhook,
          webhookSecret: secret,
          workDir,
          nodeOptions: SERVICE_NODE_OPTIONS,
          serviceEnv: SERVICE_ENV,
          profileFile: profileFile('service-throughput'),
          timeoutMs,
          log,
        });
        log(
          `pipeline: ${Math.round(pipeline.eps)} ev/s over ${pipeline.seconds.toFixed(1)} s; ${pipeline.alerts} alerts; run took ${((performance.now() - t) / 1000).toFixed(1)} s`,
        );
      } finally {
        await webhook.close();
        await redis.stop();
      }
    }
    const rawAfter = await raw(2);

    let latency: LatencyResult;
    {
      const redis = await startBenchRedis(services, args['redis-cluster']);
      const webhook = await startFakeWebhookReceiver({ secret });
      const latencyTopic = `aw-bench-latency-${runId}`;
      topics.push(latencyTopic);
      const groupId = `aw-bench-latency-${runId}`;
      groups.push(groupId, `${groupId}-floor`);
      await createTopic(admin, latencyTopic, PARTITIONS);
      try {
        latency = await runLatency({
          kafka,
          admin,
          brokers: services.kafkaBrokers,
          topic: latencyTopic,
          groupId,
          redis,
          redisPrefix: `aw-bench-lat-${runId}`,
          webhook,
          webhookSecret: secret,
          workDir,
          nodeOptions: SERVICE_NODE_OPTIONS,
          serviceEnv: SERVICE_ENV,
          rate: RATE,
          warmupSeconds: quick ? 2 : 5,
          seconds: LATENCY_SECONDS,
          markersPerSecond: 10,
          log,
        });
        log(
          `latency: p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms over ${latency.latencies.length} markers (${latency.missing} missing), ${Math.round(latency.achievedRate)} ev/s`,
        );
      } finally {
        await webhook.close();
        await redis.stop();
      }
    }

    t = performance.now();
    const replay = await runReplay(file, profileFile('replay'));
    log(
      `replay: ${Math.round(replay.replayEps)} ev/s, parse ${Math.round(replay.parseEps)} lines/s (${((performance.now() - t) / 1000).toFixed(1)} s)`,
    );

    const results: BenchResults = {
      machine: machine(),
      stream: describeStream(STREAM),
      mode: quick ? 'quick' : 'full',
      partitions: PARTITIONS,
      events,
      rawBefore,
      rawAfter,
      pipeline,
      latency,
      replay,
      redisDedicated: pipeline.server !== undefined,
      redisCluster: args['redis-cluster'],
    };
    const summary = summarize(results);
    const checks = checkTargets(results, summary);
    if (args.profile)
      for (const name of ['service-throughput', 'replay'])
        log(`profile ${name}:\n${formatProfile(profileFile(name)!, 25)}`);
    log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    process.stdout.write(formatTable(results, summary, checks));
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    const missed = checks.filter((c) => !c.ok);
    if (quick || missed.length === 0) return 0;
    log(`targets missed: ${missed.map((c) => c.name).join('; ')}`);
    return 1;
  } finally {
    await deleteTopics(admin, topics, log);
    await admin.deleteGroups(groups).catch(() => undefined);
    await admin.disconnect();
    if (args.keep || args.profile) log(`kept ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);
