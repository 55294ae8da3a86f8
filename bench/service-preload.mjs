/**
 * Preloaded into the service under test by the benchmark
 * (`NODE_OPTIONS=--import …/bench/redis-census.mjs`, with
 * AUDITWATCH_BENCH_CENSUS_FILE set): counts, per ioredis connection, the
 * commands the service sends and the round trips they take, and writes the
 * counts as JSON to that file every 100 ms and at exit. It only observes: it
 * wraps `Redis.prototype.sendCommand`, calls the original, and adds no I/O to
 * Redis.
 *
 * Counting: a command sent on its own is one round trip; the commands of one
 * pipeline (ioredis hands all of them to `sendCommand` with the same
 * pseudo-stream object, then writes them at once) are one round trip however
 * many they are. EVALSHA/EVAL is one command, whatever the script does inside.
 * Connections are numbered in creation order: in `auditwatch run`, 0 is the
 * state + outbox connection and the next ones are the dispatcher's (one per
 * sink, blocking XREADGROUP).
 */
import { writeFileSync } from 'node:fs';
import ioredis from 'ioredis';

const file = process.env.AUDITWATCH_BENCH_CENSUS_FILE;
const { Redis } = ioredis;

if (file !== undefined && file !== '') {
  /** @type {Map<object, {connection: number, commands: number, roundTrips: number, pipelines: number, pipelined: number, largestPipeline: number, byName: Record<string, number>}>} */
  const connections = new Map();
  const flushes = new WeakMap();
  // Commands issued before the connection is ready are queued, then handed to sendCommand again: count them once.
  const counted = new WeakSet();
  const original = Redis.prototype.sendCommand;

  const statsOf = (client) => {
    let stats = connections.get(client);
    if (stats === undefined) {
      stats = { connection: connections.size, commands: 0, roundTrips: 0, pipelines: 0, pipelined: 0, largestPipeline: 0, byName: {} };
      connections.set(client, stats);
    }
    return stats;
  };

  Redis.prototype.sendCommand = function sendCommand(command, stream, ...rest) {
    if (command === null || typeof command !== 'object' || counted.has(command)) return original.call(this, command, stream, ...rest);
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
