import type { Writable } from 'node:stream';
import { loadQueueConfig } from '../config/service-config.js';
import { AlertAdmin, type AdminResult, type QueuedAlert } from '../delivery/alert-admin.js';
import { DeliveryQueues } from '../delivery/delivery-queues.js';
import { AuditwatchError, ErrorCode } from '../errors.js';
import { createRedis } from '../state/redis-connection.js';

/** Flags shared by the `alerts` subcommands. */
export interface AlertsFlags {
  sink?: string;
  json?: boolean;
}

/**
 * Runs one `auditwatch alerts …` action against the service's Redis (the same
 * AUDITWATCH_REDIS_* and sink variables as `run`). Resolves with the exit code:
 * 0 done, 1 when an id was not found or not in a state that allows the action.
 * An unknown sink is a usage error (AuditwatchError, exit 2).
 */
export async function alertsCommand(
  action: (admin: AlertAdmin, sinks: string[]) => Promise<QueuedAlert[] | AdminResult>,
  flags: AlertsFlags,
  out: Writable = process.stdout,
  err: Writable = process.stderr,
): Promise<number> {
  const config = loadQueueConfig();
  const configured = config.sinks.map((s) => s.name);
  if (flags.sink !== undefined && !configured.includes(flags.sink))
    throw new AuditwatchError(ErrorCode.config, `no sink named ${flags.sink}; configured: ${configured.join(', ')}`);
  const redis = createRedis(config.redis, { maxRetriesPerRequest: 2 });
  redis.on('error', () => undefined); // the command that fails reports it, without its arguments
  const queues = new DeliveryQueues(redis, config.redis.prefix, configured, () => undefined);
  try {
    const result = await action(new AlertAdmin(queues), flags.sink === undefined ? configured : [flags.sink]);
    const [alerts, problems] = Array.isArray(result) ? [result, []] : [result.done, result.problems];
    for (const alert of alerts) out.write(flags.json ? `${JSON.stringify(alert)}\n` : `${line(alert)}\n`);
    if (!flags.json && Array.isArray(result)) err.write(`${alerts.length} alert(s)\n`);
    for (const problem of problems) err.write(`auditwatch: ${problem}\n`);
    return problems.length > 0 ? 1 : 0;
  } finally {
    await queues.close();
    redis.disconnect();
  }
}

function line(a: QueuedAlert): string {
  const error = a.lastError === undefined ? '' : `  ${a.lastError.replace(/\s+/g, ' ').slice(0, 200)}`;
  return `${a.sink.padEnd(12)} ${a.id}  ${a.state.padEnd(9)} ${a.severity.padEnd(8)} attempts=${a.attempts}  queued=${a.queuedAt}  ${a.rule}${error}`;
}
