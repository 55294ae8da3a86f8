import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import type { Alert } from '../alerts/alert.js';
import { Router } from '../alerts/router.js';
import { loadDeliveryConfig } from '../config/delivery-config.js';
import { deliverWithRetry } from '../delivery/retry.js';
import { AuditwatchError, ErrorCode } from '../errors.js';
import { createSinks } from '../sinks/create-sinks.js';
import type { Sink } from '../sinks/sink.js';

function withConfigFile(configFile: string | undefined): NodeJS.ProcessEnv {
  return configFile === undefined ? process.env : { ...process.env, AUDITWATCH_CONFIG: configFile };
}

/** A clearly marked alert that asks for no action. */
export function testAlert(now = new Date()): Alert {
  return {
    id: randomUUID().replaceAll('-', ''),
    rule: 'auditwatch-sink-test',
    ruleVersion: '0.0.0',
    title: 'auditwatch test alert (no action needed)',
    severity: 'low',
    tags: ['test'],
    time: now.toISOString(),
    trigger: 'sink-test',
    key: {},
    count: 1,
    events: [],
    summary: 'This is a test alert sent by `auditwatch sinks test` to check delivery. No action is needed.',
    context: {},
  };
}

/** Sends `alert` to one sink with retries for at most `giveUpAfterMs`; resolves with an error text or undefined. */
export async function deliverOnce(
  sink: Sink,
  alert: Alert,
  timeoutMs: number,
  giveUpAfterMs: number,
): Promise<string | undefined> {
  const outcome = await deliverWithRetry(sink, alert, {
    giveUpAt: Date.now() + giveUpAfterMs,
    attemptTimeoutMs: timeoutMs,
    signal: new AbortController().signal,
  });
  return outcome.status === 'delivered' ? undefined : outcome.status === 'dead' ? outcome.reason : 'aborted';
}

/** `auditwatch sinks test [NAME]`: a test alert to each configured sink (or one); false when any failed. */
export async function testSinks(
  name: string | undefined,
  configFile?: string,
  out: Writable = process.stdout,
): Promise<boolean> {
  const config = loadDeliveryConfig(withConfigFile(configFile));
  const sinks = createSinks(config.sinks, { timeoutMs: config.deliveryTimeoutMs }).filter(
    (s) => name === undefined || s.name === name,
  );
  if (sinks.length === 0)
    throw new AuditwatchError(
      ErrorCode.config,
      `no sink named ${name}; configured: ${config.sinks.map((s) => s.name).join(', ')}`,
    );
  let ok = true;
  for (const sink of sinks) {
    const error = await deliverOnce(sink, testAlert(), config.deliveryTimeoutMs, 30_000);
    out.write(
      error === undefined ? `ok      ${sink.name} (${sink.kind})\n` : `FAILED  ${sink.name} (${sink.kind}): ${error}\n`,
    );
    ok &&= error === undefined;
  }
  return ok;
}

/** For `replay --deliver`: the configured routes, and a sender to the sinks they name, in process, with retries. */
export function createDelivery(configFile?: string): {
  router: Router;
  send(alert: Alert, sinks: readonly string[]): Promise<void>;
} {
  const config = loadDeliveryConfig(withConfigFile(configFile));
  const sinks = new Map(createSinks(config.sinks, { timeoutMs: config.deliveryTimeoutMs }).map((s) => [s.name, s]));
  const send = async (alert: Alert, names: readonly string[]): Promise<void> => {
    for (const name of names) {
      const sink = sinks.get(name);
      if (sink === undefined) throw new Error(`alert ${alert.id} routed to ${name}, which is not configured`);
      const error = await deliverOnce(sink, alert, config.deliveryTimeoutMs, config.giveUpAfterMs);
      if (error !== undefined) process.stderr.write(`delivery of alert ${alert.id} to ${name} failed: ${error}\n`);
    }
  };
  return { router: new Router(config.routes), send };
}
