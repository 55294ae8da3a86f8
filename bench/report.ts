/**
 * The benchmark's output: a table for people (measurements, then targets with
 * ok/MISS) and, as the very last line, one JSON object with exactly the keys
 * the issue names.
 */
import { REDIS_CONNECTION_NAMES } from '../src/state/redis-connection.js';
import type { CpuBudget } from './cpu-budget.js';
import { percentile, type LatencyResult } from './latency-run.js';
import type { PipelineResult, ServiceRunStats } from './pipeline-run.js';
import type { RawResult } from './raw-consumer.js';
import type { ReplayResult } from './replay-run.js';

/** The closing JSON line. */
export interface BenchSummary {
  events: number;
  raw_eps: number;
  pipeline_eps: number;
  ratio: number;
  p50_ms: number;
  p99_ms: number;
  redis_cmds_per_event: number;
  rss_mb: number;
  replay_eps: number;
  parse_eps: number;
  replay_ratio: number;
}

export interface BenchResults {
  machine: string;
  /** What the stream is made of (describeStream). */
  stream: string;
  mode: 'quick' | 'full';
  partitions: number;
  events: number;
  rawBefore: RawResult;
  rawAfter: RawResult;
  pipeline: PipelineResult;
  latency: LatencyResult;
  replay: ReplayResult;
  redisDedicated: boolean;
  /** The service ran against the local 3-master Redis Cluster (`--redis-cluster`). */
  redisCluster: boolean;
}

const STATE_CONNECTION = REDIS_CONNECTION_NAMES.state;

/** Redis figures of one service run, from the census (client side) and the server's counters. */
export interface RedisFigures {
  commandsPerEvent: number;
  /** Round trips of the rule-state connection per processed chunk (on a cluster: of its busiest node connection). */
  roundTripsPerBatch: number;
  /** Commands of the rule-state connection by name. */
  mainByName: Record<string, number>;
  deliveryCommands: number;
  largestPipeline: number;
  /** Server side: EVALSHA + EVAL calls, and every command executed (scripts' inner calls included), per event. */
  serverScriptsPerEvent?: number;
  serverCallsPerEvent?: number;
  serverReadsPerBatch?: number;
  /** Server CPU time in scripts per event, µs. */
  serverScriptUsecPerEvent?: number;
  eventsPerBatch: number;
}

export function redisFigures(run: ServiceRunStats): RedisFigures {
  const events = Math.max(1, run.consumed);
  const batches = Math.max(1, run.batches);
  const all = run.census.reduce((sum, c) => sum + c.commands, 0);
  // Rule state: one connection, or one per node of a cluster (their pipelines go out side by side).
  const state = run.census.filter((c) => c.name === STATE_CONNECTION);
  const mainByName: Record<string, number> = {};
  for (const c of state)
    for (const [name, n] of Object.entries(c.byName)) mainByName[name] = (mainByName[name] ?? 0) + n;
  const delivery = run.census.filter((c) => c.name !== STATE_CONNECTION).reduce((sum, c) => sum + c.commands, 0);
  return {
    commandsPerEvent: all / events,
    roundTripsPerBatch: Math.max(0, ...state.map((c) => c.roundTrips)) / batches,
    mainByName,
    deliveryCommands: delivery,
    largestPipeline: Math.max(0, ...state.map((c) => c.largestPipeline)),
    serverScriptsPerEvent: run.server === undefined ? undefined : run.server.scripts / events,
    serverCallsPerEvent: run.server === undefined ? undefined : run.server.total / events,
    serverReadsPerBatch: run.server === undefined ? undefined : run.server.readsProcessed / batches,
    serverScriptUsecPerEvent: run.server === undefined ? undefined : run.server.scriptUsec / events,
    eventsPerBatch: run.consumed / batches,
  };
}

const MB = 1024 * 1024;

function memory(run: ServiceRunStats): string {
  const mb = (x: number) => (x / MB).toFixed(1);
  return `${mb(run.peakRss)} MB (${run.peakRssSource}); sampled peaks: V8 heap ${mb(run.peakHeapUsed)} MB used of ${mb(run.peakHeapTotal)} MB, external ${mb(run.peakExternal)} MB`;
}
/** The throughput run's CPU budget (cpu-budget.ts): what each part spent per event, and how busy the machine was. */
function cpu(c: CpuBudget): string {
  const us = (x: number | undefined) => (x === undefined ? '-' : `${x.toFixed(1)} µs`);
  const busy = c.busyCores === undefined ? '-' : c.busyCores.toFixed(2);
  return `service ${us(c.serviceUs)}, Redis ${us(c.redisUs)}, the rest of the machine ${us(c.restUs)} (broker, benchmark, system); machine busy ${busy} of ${c.cores} cores`;
}
const round = (x: number, digits: number): number => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

export function summarize(r: BenchResults): BenchSummary {
  const rawEps = (r.rawBefore.eps + r.rawAfter.eps) / 2;
  const cmds = Math.max(redisFigures(r.pipeline).commandsPerEvent, redisFigures(r.latency).commandsPerEvent);
  return {
    events: r.events,
    raw_eps: Math.round(rawEps),
    pipeline_eps: Math.round(r.pipeline.eps),
    ratio: round(r.pipeline.eps / rawEps, 3),
    p50_ms: round(r.latency.p50, 1),
    p99_ms: round(r.latency.p99, 1),
    redis_cmds_per_event: round(cmds, 2),
    rss_mb: round(Math.max(r.pipeline.peakRss, r.latency.peakRss) / MB, 1),
    replay_eps: Math.round(r.replay.replayEps),
    parse_eps: Math.round(r.replay.parseEps),
    replay_ratio: round(r.replay.replayEps / r.replay.parseEps, 3),
  };
}

export interface TargetCheck {
  name: string;
  target: string;
  value: string;
  ok: boolean;
}

export function checkTargets(r: BenchResults, s: BenchSummary): TargetCheck[] {
  const rtThroughput = redisFigures(r.pipeline).roundTripsPerBatch;
  const rtLatency = redisFigures(r.latency).roundTripsPerBatch;
  return [
    { name: 'ratio (pipeline / raw consumer)', target: '>= 0.45', value: String(s.ratio), ok: s.ratio >= 0.45 },
    {
      name: 'replay_ratio (replay / parse)',
      target: '>= 0.3',
      value: String(s.replay_ratio),
      ok: s.replay_ratio >= 0.3,
    },
    {
      name: 'p99 produce -> webhook at 1,000 ev/s',
      target: '<= 100 ms',
      value: `${s.p99_ms} ms (${r.latency.missing} of ${r.latency.markers} markers missing)`,
      ok: s.p99_ms <= 100 && r.latency.missing === 0,
    },
    {
      name: 'Redis commands per event',
      target: '<= 0.5',
      value: String(s.redis_cmds_per_event),
      ok: s.redis_cmds_per_event <= 0.5,
    },
    {
      name: 'Redis round trips per batch',
      target: 'constant (<= 3 whatever the batch size)',
      value: `${rtThroughput.toFixed(2)} at ${redisFigures(r.pipeline).eventsPerBatch.toFixed(0)} ev/batch, ${rtLatency.toFixed(2)} at ${redisFigures(r.latency).eventsPerBatch.toFixed(1)} ev/batch`,
      ok: rtThroughput <= 3 && rtLatency <= 3,
    },
    { name: 'peak RSS of the service', target: '<= 200 MB', value: `${s.rss_mb} MB`, ok: s.rss_mb <= 200 },
  ];
}

/** Where the service and replay (same events) raised different numbers of alerts per rule. */
function compareAlerts(pipeline: Record<string, number>, replay: Record<string, number>): string {
  const rules = [...new Set([...Object.keys(pipeline), ...Object.keys(replay)])].sort();
  const differing = rules.filter((rule) => (pipeline[rule] ?? 0) !== (replay[rule] ?? 0));
  if (differing.length === 0) return `the same for all ${rules.length} rules`;
  return `${rules.length - differing.length} rules the same; ${differing.map((rule) => `${rule} ${pipeline[rule] ?? 0} / ${replay[rule] ?? 0}`).join(', ')}`;
}

function redisKind(r: BenchResults): string {
  if (r.redisCluster)
    return 'the local 3-master Redis Cluster (server counters summed over the masters; round trips counted on the busiest node connection)';
  return r.redisDedicated
    ? "the benchmark's own redis-server per run"
    : 'the shared server (no redis-server binary; server counters not shown)';
}

/** The human part: measurements, details, targets. */
export function formatTable(r: BenchResults, s: BenchSummary, checks: TargetCheck[]): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const f = (x: number | undefined, d = 2) => (x === undefined ? '-' : x.toFixed(d));
  const tp = redisFigures(r.pipeline);
  const lt = redisFigures(r.latency);
  const byName = (m: Record<string, number>) =>
    Object.entries(m)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${n(v)}`)
      .join(', ');
  const rows: Array<[string, string]> = [
    ['machine', r.machine],
    ['mode', `${r.mode}; ${n(r.events)} events on a fresh ${r.partitions}-partition topic; Redis: ${redisKind(r)}`],
    ['stream', r.stream],
    [
      'raw consumer (JSON.parse only)',
      `${n(r.rawBefore.eps)} ev/s before, ${n(r.rawAfter.eps)} ev/s after the pipeline run; mean ${n(s.raw_eps)} ev/s`,
    ],
    [
      'auditwatch run (all rules, Redis)',
      `${n(r.pipeline.eps)} ev/s over ${r.pipeline.seconds.toFixed(1)} s (${r.pipeline.timing})`,
    ],
    ['ratio', String(s.ratio)],
    [
      '  consumed / batches / alerts',
      `${n(r.pipeline.consumed)} events, ${n(r.pipeline.batches)} batches (${tp.eventsPerBatch.toFixed(0)} ev/batch), ${n(r.pipeline.alerts)} alerts of ${r.pipeline.rulesFired} rules, ${n(r.pipeline.delivered)} delivered to the webhook`,
    ],
    [
      '  Redis, client side (census)',
      `${f(tp.commandsPerEvent, 3)} commands/event (all connections); rule-state connection: ${f(tp.roundTripsPerBatch)} round trips/batch, largest pipeline ${n(tp.largestPipeline)} commands; ${byName(tp.mainByName)}; delivery connections ${n(tp.deliveryCommands)} commands`,
    ],
    [
      '  Redis, server side',
      r.redisDedicated
        ? `${f(tp.serverScriptsPerEvent, 3)} script calls/event, ${f(tp.serverCallsPerEvent, 2)} commands executed/event incl. inside scripts, ${f(tp.serverScriptUsecPerEvent, 1)} µs of script time/event, ${f(tp.serverReadsPerBatch, 1)} socket reads/batch`
        : '-',
    ],
    ['  CPU per event', cpu(r.pipeline.cpu)],
    ['  peak RSS', memory(r.pipeline)],
    [
      'latency at fixed rate',
      `${n(r.latency.achievedRate)} ev/s achieved (${n(r.latency.produced)} produced), ${r.latency.markers} markers (privileged-role-granted), ${r.latency.missing} missing`,
    ],
    [
      '  produce -> webhook',
      `p50 ${f(r.latency.p50, 1)} ms, p99 ${f(r.latency.p99, 1)} ms, max ${f(r.latency.max, 1)} ms`,
    ],
    [
      '  Kafka floor (bare consumer)',
      `produce -> eachBatch of a bare consumer group on the same topic, same time: p50 ${f(percentile(r.latency.floor, 50), 1)} ms, p99 ${f(percentile(r.latency.floor, 99), 1)} ms (${r.latency.floor.length} markers)`,
    ],
    [
      '  Redis, client side (census)',
      `${f(lt.commandsPerEvent, 3)} commands/event; ${f(lt.roundTripsPerBatch)} round trips/batch at ${lt.eventsPerBatch.toFixed(1)} ev/batch; ${byName(lt.mainByName)}; delivery ${n(lt.deliveryCommands)} commands`,
    ],
    [
      '  Redis, server side',
      r.redisDedicated
        ? `${f(lt.serverScriptsPerEvent, 3)} script calls/event, ${f(lt.serverCallsPerEvent, 2)} commands executed/event incl. inside scripts, ${f(lt.serverScriptUsecPerEvent, 1)} µs of script time/event`
        : '-',
    ],
    ['  peak RSS', memory(r.latency)],
    [
      'replay (in-process, memory state)',
      `${n(r.replay.replayEps)} ev/s over ${r.replay.replaySeconds.toFixed(1)} s, ${n(r.replay.alerts)} alerts`,
    ],
    [
      'bare parse loop (same file)',
      `${n(r.replay.parseEps)} lines/s (passes: ${r.replay.parsePasses.map(n).join(', ')})`,
    ],
    ['replay_ratio', String(s.replay_ratio)],
    ['alerts per rule, pipeline / replay', compareAlerts(r.pipeline.alertsByRule, r.replay.alertsByRule)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length), ...checks.map((c) => c.name.length));
  const lines = ['', 'auditwatch benchmark', '', ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`), '', 'targets'];
  for (const c of checks)
    lines.push(`${c.name.padEnd(width)}  ${c.ok ? 'ok  ' : 'MISS'}  ${c.value}  (target ${c.target})`);
  lines.push('');
  return lines.join('\n');
}
