/**
 * Where the CPU of a service run goes: the whole machine's busy time (all
 * cores, /proc/stat), the service's (/proc/<pid>/stat) and Redis's (`INFO cpu`,
 * summed over a cluster's masters), read at the start and the end of the
 * measured window. On a machine where the broker, Redis and the service share
 * a few cores, throughput is bounded by their CPU per event together: these
 * figures say whether a run was short of CPU or waiting.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { readRedisCounters } from './redis-counters.js';

/** Linux's USER_HZ: /proc times are in 1/100 s on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

export interface CpuReading {
  atMs: number;
  /** Seconds of CPU time the machine was busy (all cores), or undefined off Linux. */
  machine?: number;
  service?: number;
  redis?: number;
}

/** What a window cost, per event, in µs of CPU time, and how many cores were busy on average. */
export interface CpuBudget {
  cores: number;
  busyCores?: number;
  serviceUs?: number;
  redisUs?: number;
  /** The machine's busy time less the service's and Redis's (the broker, the benchmark, the system), per event. */
  restUs?: number;
}

export async function readCpu(servicePid: number, redisUrls: readonly string[] | undefined): Promise<CpuReading> {
  return {
    atMs: performance.now(),
    machine: machineBusySeconds(),
    service: processSeconds(servicePid),
    redis: redisUrls === undefined ? undefined : (await readRedisCounters(redisUrls)).cpuSeconds,
  };
}

export function cpuBudget(from: CpuReading, to: CpuReading, events: number): CpuBudget {
  const perEvent = (key: 'machine' | 'service' | 'redis'): number | undefined => {
    const a = from[key];
    const b = to[key];
    return a === undefined || b === undefined ? undefined : ((b - a) * 1e6) / Math.max(1, events);
  };
  const machine = perEvent('machine');
  const serviceUs = perEvent('service');
  const redisUs = perEvent('redis');
  const seconds = (to.atMs - from.atMs) / 1000;
  return {
    cores: availableParallelism(),
    busyCores:
      from.machine === undefined || to.machine === undefined || seconds <= 0
        ? undefined
        : (to.machine - from.machine) / seconds,
    serviceUs,
    redisUs,
    restUs:
      machine === undefined || serviceUs === undefined || redisUs === undefined
        ? undefined
        : machine - serviceUs - redisUs,
  };
}

/** The first line of /proc/stat: every field but idle and iowait is busy time. */
function machineBusySeconds(): number | undefined {
  const line = safeRead('/proc/stat')?.split('\n', 1)[0];
  if (line === undefined || !line.startsWith('cpu ')) return undefined;
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line
    .slice(4)
    .trim()
    .split(/\s+/)
    .map(Number);
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

/** utime + stime of a process; its name (field 2) may hold spaces, so fields count from the last ')'. */
function processSeconds(pid: number): number | undefined {
  const stat = safeRead(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

function safeRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
