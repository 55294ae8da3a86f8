/**
 * `auditwatch run` (the built dist/main.js) as a child process, configured the
 * way the benchmark needs it: its own topic, group and Redis prefix, the whole
 * built-in rule pack, the signed webhook sink pointing at a local receiver,
 * and bench/service-preload.mjs for the Redis census (and an optional CPU
 * profile). Spawned through test/support/service-process.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort, ServiceProcess } from '../test/support/service-process.js';
import { readCensus, type ConnectionCensus } from './redis-counters.js';

const PRELOAD = new URL('./service-preload.mjs', import.meta.url);

/** Memory gauges whose highest sampled value is kept (RSS, V8 heap, Buffers outside the heap). */
export const PEAK_GAUGES = [
  'auditwatch_process_resident_memory_bytes',
  'auditwatch_nodejs_heap_size_total_bytes',
  'auditwatch_nodejs_heap_size_used_bytes',
  'auditwatch_nodejs_external_memory_bytes',
] as const;

export interface ServiceUnderTestOptions {
  /** Used in file names (census, profile). */
  label: string;
  brokers: string[];
  topic: string;
  groupId: string;
  redisUrl: string;
  /** Cluster mode: seed nodes, instead of redisUrl. */
  redisClusterNodes?: string[] | undefined;
  redisPrefix: string;
  webhookUrl: string;
  webhookSecret: string;
  /** Where the census (and profile) files go. */
  workDir: string;
  /** Write a CPU profile of the service to this file at exit. */
  profileFile?: string;
  /** Extra node flags (NODE_OPTIONS) for the service. */
  nodeOptions?: string;
  /** Extra AUDITWATCH_* settings for the service (experiments: the quiet cache off). */
  serviceEnv?: Record<string, string>;
}

/** Samples of /metrics, summed over label sets. */
export type MetricSample = Map<string, number>;

export class ServiceUnderTest {
  private readonly peaks = new Map<string, number>();

  private constructor(
    readonly process: ServiceProcess,
    private readonly censusFile: string,
  ) {}

  static async start(o: ServiceUnderTestOptions): Promise<ServiceUnderTest> {
    const censusFile = join(o.workDir, `census-${o.label}.json`);
    const nodeOptions = [process.env.NODE_OPTIONS, o.nodeOptions, `--import=${pathToFileURL(PRELOAD.pathname).href}`]
      .filter((x) => x !== undefined && x !== '')
      .join(' ');
    // Every AUDITWATCH_* setting of the caller's environment is cleared (SASL, TLS, sinks, rules dir…): only what is set here applies.
    const cleared = Object.fromEntries(
      Object.keys(process.env)
        .filter((k) => k.startsWith('AUDITWATCH_'))
        .map((k) => [k, '']),
    );
    const child = new ServiceProcess(await freePort(), {
      ...cleared,
      NODE_OPTIONS: nodeOptions,
      AUDITWATCH_BENCH_CENSUS_FILE: censusFile,
      AUDITWATCH_BENCH_CPU_PROFILE: o.profileFile ?? '',
      AUDITWATCH_KAFKA_BROKERS: o.brokers.join(','),
      AUDITWATCH_KAFKA_TOPIC: o.topic,
      AUDITWATCH_KAFKA_GROUP_ID: o.groupId,
      AUDITWATCH_KAFKA_CLIENT_ID: `aw-bench-${o.label}`,
      AUDITWATCH_KAFKA_FROM_BEGINNING: 'true',
      ...(o.redisClusterNodes === undefined
        ? { AUDITWATCH_REDIS_URL: o.redisUrl }
        : { AUDITWATCH_REDIS_CLUSTER_NODES: o.redisClusterNodes.join(',') }),
      AUDITWATCH_REDIS_PREFIX: o.redisPrefix,
      AUDITWATCH_WEBHOOK_URL: o.webhookUrl,
      AUDITWATCH_WEBHOOK_SECRET: o.webhookSecret,
      AUDITWATCH_LOG_LEVEL: 'info',
      AUDITWATCH_SHUTDOWN_GRACE: '10s',
      ...o.serviceEnv,
    });
    const service = new ServiceUnderTest(child, censusFile);
    try {
      await child.waitReady(90_000);
    } catch (error) {
      await child.stop('SIGKILL');
      throw error;
    }
    return service;
  }

  get pid(): number {
    return this.process.pid;
  }

  /** Every sample of /metrics, summed per metric name; also tracks the peak of the RSS gauge. */
  async metrics(): Promise<MetricSample> {
    const { text } = await this.process.get('/metrics');
    const sums: MetricSample = new Map();
    for (const line of text.split('\n')) {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
      if (m !== null) sums.set(m[1]!, (sums.get(m[1]!) ?? 0) + Number(m[3]));
    }
    for (const name of PEAK_GAUGES) this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, sums.get(name) ?? 0));
    return sums;
  }

  /** The highest value sampled from /metrics of a memory gauge (see PEAK_GAUGES), bytes. */
  peak(name: (typeof PEAK_GAUGES)[number]): number {
    return this.peaks.get(name) ?? 0;
  }

  /** The kernel's high-water mark of the process's RSS (VmHWM), bytes; undefined off Linux. */
  peakRssKernel(): number | undefined {
    try {
      const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'))?.[1];
      return kb === undefined ? undefined : Number(kb) * 1024;
    } catch {
      return undefined;
    }
  }

  /** SIGTERM and wait (graceful: the census and profile are written at exit). */
  async stop(): Promise<number | null> {
    const code = await this.process.stop('SIGTERM');
    return code;
  }

  /** The Redis census written by the preload (complete once the process has exited). */
  census(): ConnectionCensus[] {
    return readCensus(this.censusFile);
  }

  /** The service's last log lines, for error reports. */
  lastLogs(n = 20): string {
    return this.process.logs.slice(-n).join('\n');
  }
}
