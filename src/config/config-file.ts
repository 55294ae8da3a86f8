import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError, messageOf } from '../errors.js';
import { parseDuration } from '../engine/duration.js';
import { businessHours } from '../engine/rule-schema.js';
import { isValidTimeZone } from '../engine/schedule.js';

const sinkName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: 'must be lower-case letters, digits and dashes' });
const severity = z.enum(['low', 'medium', 'high', 'critical']);

/** A sink in the config file; secrets come from `${ENV}` references. */
export const sinkSpec = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      name: sinkName,
      type: z.literal('slack'),
      webhook_url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    }),
    z.strictObject({
      name: sinkName,
      type: z.literal('pagerduty'),
      routing_key: z.string().min(1),
      url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    }),
    z.strictObject({
      name: sinkName,
      type: z.literal('webhook'),
      url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
      secret: z.string().min(1),
    }),
    z.strictObject({
      name: sinkName,
      type: z.literal('alertmanager'),
      url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
      resolve_after: z
        .string()
        .refine((v) => parseDuration(v) !== undefined, { error: 'must be a duration such as 30m or 4h' })
        .optional(),
      generator_url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
      headers: z.record(z.string(), z.string()).optional(),
      basic_auth: z.strictObject({ username: z.string().min(1), password: z.string().min(1) }).optional(),
      bearer_token: z.string().min(1).optional(),
    }),
    z.strictObject({ name: sinkName, type: z.literal('stdout') }),
  ],
  { error: 'type must be slack, pagerduty, webhook, alertmanager or stdout' },
);
export type SinkSpec = z.infer<typeof sinkSpec>;

/** Which alerts go to which sinks: every filter given must hold; none given = every alert. */
export const routeSpec = z.strictObject({
  sinks: z.array(sinkName).min(1),
  severity: z.array(severity).min(1).optional(),
  rules: z.array(z.string().min(1)).min(1).optional(),
  tags: z.array(z.string().min(1)).min(1).optional(),
});
export type RouteSpec = z.infer<typeof routeSpec>;

/** The optional YAML config file (`--config`, `AUDITWATCH_CONFIG`). */
export const configFileSpec = z.strictObject({
  /** Default business hours for `outside_hours` rules. */
  business_hours: businessHours.optional(),
  /** Sinks beyond (or instead of) the AUDITWATCH_*_URL shortcuts. */
  sinks: z.array(sinkSpec).max(50).optional(),
  /** Routes; without any, PagerDuty sinks get high and critical alerts and the others (Alertmanager included) every alert. */
  routes: z.array(routeSpec).max(200).optional(),
});
export type ConfigFile = z.infer<typeof configFileSpec>;

const ENV_REF = /\$\{([A-Z_][A-Z0-9_]*)\}/g;

/**
 * Replaces `${NAME}` with the environment variable's value, so secrets stay in
 * Kubernetes Secrets rather than in the file. A missing variable is a problem
 * named by variable, never by value.
 */
export function interpolate(text: string, env: NodeJS.ProcessEnv, problems: string[]): string {
  return text.replace(ENV_REF, (_m, name: string) => {
    const value = env[name];
    if (value === undefined) {
      problems.push(`environment variable ${name} is not set`);
      return '';
    }
    return value;
  });
}

/** `interpolate` applied to every string value (never to keys) of a parsed document. */
function interpolateValues(value: unknown, env: NodeJS.ProcessEnv, problems: string[]): unknown {
  if (typeof value === 'string') return interpolate(value, env, problems);
  if (Array.isArray(value)) return value.map((item) => interpolateValues(item, env, problems));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateValues(item, env, problems)]),
    );
  }
  return value;
}

/** Reads and validates the config file; every problem is reported at once, naming the file and field. */
export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      [`${path}: cannot read config file: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`],
      { file: path },
    );
  }
  const problems: string[] = [];
  // Parse first, then interpolate into string values: a secret's characters (`*`, `!`, `"`, `: `, a newline)
  // can then neither change the document's structure nor end up quoted in a parser message.
  const doc = parseDocument(text, { strict: true, uniqueKeys: true });
  for (const e of [...doc.errors, ...doc.warnings]) problems.push(`YAML: ${e.message.split('\n')[0]}`);
  let raw: unknown;
  if (problems.length === 0) {
    try {
      raw = interpolateValues(doc.toJS({ maxAliasCount: 100 }) ?? {}, env, problems);
    } catch (error) {
      problems.push(`YAML: ${messageOf(error).split('\n')[0]}`);
    }
  }
  if (problems.length > 0)
    throw new ConfigError(
      problems.map((p) => `${path}: ${p}`),
      { file: path },
    );
  const result = configFileSpec.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => `${path}: ${i.path.join('.') || '(top level)'}: ${i.message}`),
      { file: path },
    );
  }
  const zone = result.data.business_hours?.timezone;
  if (zone !== undefined && !isValidTimeZone(zone))
    throw new ConfigError([`${path}: business_hours.timezone: not an IANA time zone`], { file: path });
  return result.data;
}
