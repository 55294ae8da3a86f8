import { ConfigError } from '../errors.js';
import { loadConfigFile, type ConfigFile, type RouteSpec, type SinkSpec } from './config-file.js';
import { EnvReader } from './env-reader.js';
import type { ServiceConfig } from './service-config.js';

/** Sinks and routes only (for `auditwatch sinks test` and `replay --deliver`, which need no Kafka or Redis). */
export function loadDeliveryConfig(
  env: NodeJS.ProcessEnv = process.env,
): Pick<ServiceConfig, 'sinks' | 'routes' | 'deliveryTimeoutMs' | 'giveUpAfterMs'> {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);
  const { sinks, routes } = readDelivery(read, env, problems);
  const deliveryTimeoutMs = read.duration('AUDITWATCH_DELIVERY_TIMEOUT', 10_000);
  const giveUpAfterMs = read.duration('AUDITWATCH_DELIVERY_GIVE_UP_AFTER', 24 * 3_600_000);
  if (problems.length > 0) throw new ConfigError(problems);
  return { sinks, routes, deliveryTimeoutMs, giveUpAfterMs };
}

/** Sinks from the environment shortcuts and the config file, and their routes (given, or the defaults). */
export function readDelivery(
  read: EnvReader,
  env: NodeJS.ProcessEnv,
  problems: string[],
): { file: ConfigFile; sinks: SinkSpec[]; routes: RouteSpec[] } {
  const configPath = read.string('AUDITWATCH_CONFIG');
  let file: ConfigFile = {};
  if (configPath !== undefined) {
    try {
      file = loadConfigFile(configPath, env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  const sinks = [...envSinks(read), ...(file.sinks ?? [])];
  const names = new Set<string>();
  for (const sink of sinks) {
    if (names.has(sink.name))
      problems.push(
        `sink name "${sink.name}" is defined twice (environment shortcuts use slack, pagerduty, webhook and alertmanager)`,
      );
    names.add(sink.name);
  }
  if (sinks.length === 0) sinks.push({ name: 'stdout', type: 'stdout' });
  const routes = file.routes ?? defaultRoutes(sinks);
  const known = new Set(sinks.map((s) => s.name));
  for (const route of routes)
    for (const name of route.sinks) if (!known.has(name)) problems.push(`routes: unknown sink "${name}"`);
  return { file, sinks, routes };
}

/** The AUDITWATCH_SLACK_WEBHOOK_URL / _PAGERDUTY_ROUTING_KEY / _WEBHOOK_URL / _ALERTMANAGER_URL shortcuts. */
function envSinks(read: EnvReader): SinkSpec[] {
  const sinks: SinkSpec[] = [];
  const slack = read.url('AUDITWATCH_SLACK_WEBHOOK_URL');
  if (slack !== undefined) sinks.push({ name: 'slack', type: 'slack', webhook_url: slack });
  const routingKey = read.string('AUDITWATCH_PAGERDUTY_ROUTING_KEY');
  const pdUrl = read.url('AUDITWATCH_PAGERDUTY_URL');
  if (routingKey !== undefined)
    sinks.push({ name: 'pagerduty', type: 'pagerduty', routing_key: routingKey, ...(pdUrl ? { url: pdUrl } : {}) });
  const webhook = read.url('AUDITWATCH_WEBHOOK_URL');
  const secret = read.string('AUDITWATCH_WEBHOOK_SECRET');
  if ((webhook === undefined) !== (secret === undefined))
    read.problem('AUDITWATCH_WEBHOOK_URL and AUDITWATCH_WEBHOOK_SECRET must be set together');
  if (webhook !== undefined && secret !== undefined)
    sinks.push({ name: 'webhook', type: 'webhook', url: webhook, secret });
  const alertmanager = read.url('AUDITWATCH_ALERTMANAGER_URL');
  const bearer = read.string('AUDITWATCH_ALERTMANAGER_BEARER_TOKEN');
  if (bearer !== undefined && alertmanager === undefined)
    read.problem('AUDITWATCH_ALERTMANAGER_BEARER_TOKEN needs AUDITWATCH_ALERTMANAGER_URL');
  if (alertmanager !== undefined) {
    sinks.push({
      name: 'alertmanager',
      type: 'alertmanager',
      url: alertmanager,
      ...(bearer === undefined ? {} : { bearer_token: bearer }),
    });
  }
  return sinks;
}

/**
 * PagerDuty pages for high and critical; every other sink gets every alert (Alertmanager
 * included: it routes, silences and inhibits by the severity label itself).
 */
export function defaultRoutes(sinks: readonly SinkSpec[]): RouteSpec[] {
  const pagers = sinks.filter((s) => s.type === 'pagerduty').map((s) => s.name);
  const others = sinks.filter((s) => s.type !== 'pagerduty').map((s) => s.name);
  return [
    ...(pagers.length ? [{ sinks: pagers, severity: ['high', 'critical'] as RouteSpec['severity'] }] : []),
    ...(others.length ? [{ sinks: others }] : []),
  ];
}
