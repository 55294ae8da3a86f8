/**
 * Preloaded into the service under test by the benchmark
 * (`NODE_OPTIONS=--import …/bench/service-preload.mjs`). Two probes, each on
 * when its variable is set; neither changes what the service does.
 *
 * AUDITWATCH_BENCH_CPU_PROFILE=<file>: a V8 CPU profile of the whole process,
 * written at exit (`--cpu-prof` is not allowed in NODE_OPTIONS, and the
 * service is spawned by test/support/service-process.ts without node flags).
 *
 * AUDITWATCH_BENCH_CENSUS_FILE=<file>: counts, per ioredis connection, the
 * commands the service sends and the round trips they take, and writes the
 * counts as JSON to that file every 100 ms and at exit. It only observes: it
 * wraps `Redis.prototype.sendCommand`, calls the original, and adds no I/O to
 * Redis.
 *
 * Counting: a command sent on its own is one round trip; the commands of one
 * pipeline (ioredis hands all of them to `sendCommand` with the same
 * pseudo-stream object, then writes them at once) are one round trip however
 * many they are. EVALSHA/EVAL is one command, whatever the script does inside.
 * Connections are numbered in the order they first send a command, and carry
 * the name the service gave them (`auditwatch-state` for rule state: one
 * connection, or one per node of a Redis Cluster; the others are the delivery
 * queues' and workers').
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import ioredis from 'ioredis';

const file = process.env.AUDITWATCH_BENCH_CENSUS_FILE;
const profileFile = process.env.AUDITWATCH_BENCH_CPU_PROFILE;
const { Redis } = ioredis;

if (profileFile !== undefined && profileFile !== '') {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  // A main-thread inspector session answers synchronously, so this works inside 'exit'.
  process.on('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (error === null && result !== undefined) writeFileSync(profileFile, JSON.stringify(result.profile));
    });
  });
}

if (file !== undefined && file !== '') {
  /** @type {Map<object, {connection: number, name: string, commands: number, roundTrips: number, pipelines: number, pipelined: number, largestPipeline: number, byName: Record<string, number>}>} */
  const connections = new Map();
  const flushes = new WeakMap();
  // Commands issued before the connection is ready are queued, then handed to sendCommand again: count them once.
  const counted = new WeakSet();
  const original = Redis.prototype.sendCommand;

  const statsOf = (client) => {
    let stats = connections.get(client);
    if (stats === undefined) {
      stats = {
        connection: connections.size,
        // The service names its connections (REDIS_CONNECTION_NAMES); a cluster's node connections share their client's name.
        name: String(client.options?.connectionName ?? ''),
        commands: 0,
        roundTrips: 0,
        pipelines: 0,
        pipelined: 0,
        largestPipeline: 0,
        byName: {},
      };
      connections.set(client, stats);
    }
    return stats;
  };

  Redis.prototype.sendCommand = function sendCommand(command, stream, ...rest) {
    if (command === null || typeof command !== 'object' || counted.has(command))
      return original.call(this, command, stream, ...rest);
    counted.add(command);
    const stats = statsOf(this);
    stats.commands++;
    const name = String(command.name ?? '?').toLowerCase();
    stats.byName[name] = (stats.byName[name] ?? 0) + 1;
    if (stream !== undefined && stream !== null && stream.isPipeline === true) {
      stats.pipelined++;
      const size = (flushes.get(stream) ?? 0) + 1;
      flushes.set(stream, size);
      if (size === 1) {
        stats.pipelines++;
        stats.roundTrips++;
      }
      if (size > stats.largestPipeline) stats.largestPipeline = size;
    } else {
      stats.roundTrips++;
    }
    return original.call(this, command, stream, ...rest);
  };

  const write = () => {
    try {
      writeFileSync(file, JSON.stringify({ at: Date.now(), connections: [...connections.values()] }));
    } catch {
      // The benchmark reads what is there; a missed write is caught up 100 ms later.
    }
  };
  setInterval(write, 100).unref();
  process.on('exit', write);
}
