import type { Alert, Severity } from '../alerts/alert.js';
import { ConfigError } from '../errors.js';
import { boundedText } from './escape.js';
import { postJson, sinkTimeout, sinkUrl } from './http.js';
import type { Sink } from './sink.js';

/** PagerDuty Events API v2 endpoint used when none is configured. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/** PagerDuty's limit on `payload.summary`, in characters. */
export const PAGERDUTY_SUMMARY_MAX = 1024;
/** Longest value of any other string sent (source, key and context values, event ids), in characters. */
const MAX_VALUE = 255;
/** Evidence event ids and distinct values sent; the alert already bounds them, this bounds the event size. */
const MAX_LISTED = 50;

export interface PagerDutySinkOptions {
  /** Configured sink name: a metric label and route target. */
  name: string;
  /** Events API v2 integration ("routing") key. A secret: kept in a private field, never logged nor put in an error. */
  routingKey: string;
  /** Events API v2 enqueue URL; default https://events.pagerduty.com/v2/enqueue. */
  url?: string;
  /** Timeout of one delivery attempt, in milliseconds; default 10 000. */
  timeoutMs?: number;
}

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

const SEVERITY: Readonly<Record<Severity, PagerDutySeverity>> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
};

/** The `payload` of an Events API v2 trigger (no routing key: safe to log or snapshot). */
export interface PagerDutyPayload {
  summary: string;
  source: string;
  severity: PagerDutySeverity;
  timestamp: string;
  component: string;
  group?: string;
  class?: string;
  custom_details: Record<string, unknown>;
}

/**
 * Triggers PagerDuty incidents through Events API v2, `dedup_key` = alert id, so
 * a retried delivery updates the same incident instead of opening another.
 * PagerDuty answers 202; 400 (invalid event) is not retried, 429 and 5xx are.
 */
export class PagerDutySink implements Sink {
  readonly kind = 'pagerduty' as const;
  readonly name: string;
  readonly #routingKey: string;
  readonly #url: URL;
  readonly #timeoutMs: number;

  constructor(options: PagerDutySinkOptions) {
    this.name = options.name;
    if (typeof options.routingKey !== 'string' || !/^\S{1,256}$/.test(options.routingKey)) {
      throw new ConfigError([`sink ${options.name}: routingKey must be 1 to 256 characters without spaces`], {
        sink: options.name,
        field: 'routingKey',
      });
    }
    this.#routingKey = options.routingKey;
    this.#url = sinkUrl(options.name, 'url', options.url ?? PAGERDUTY_EVENTS_URL);
    this.#timeoutMs = sinkTimeout(options.name, options.timeoutMs);
  }

  async deliver(alert: Alert, signal: AbortSignal): Promise<void> {
    const event = {
      routing_key: this.#routingKey,
      event_action: 'trigger',
      dedup_key: alert.id,
      client: 'auditwatch',
      payload: pagerDutyPayload(alert),
    };
    await postJson({
      sink: this.name,
      url: this.#url,
      body: JSON.stringify(event),
      timeoutMs: this.#timeoutMs,
      signal,
      secrets: [this.#routingKey],
    });
  }
}

/**
 * The trigger payload. PagerDuty shows these strings as plain text, so values
 * are flattened (no control characters) and bounded rather than escaped; the
 * summary stays within PagerDuty's 1 024 characters.
 */
export function pagerDutyPayload(alert: Alert): PagerDutyPayload {
  const where = [alert.context.organization, alert.context.cluster].filter(
    (v): v is string => typeof v === 'string' && v !== '',
  );
  const payload: PagerDutyPayload = {
    summary: boundedText(`[${alert.severity}] ${alert.title}: ${alert.summary}`, PAGERDUTY_SUMMARY_MAX),
    source: boundedText(['auditwatch', ...where].join('/'), MAX_VALUE),
    severity: SEVERITY[alert.severity],
    timestamp: alert.time,
    component: boundedText(alert.rule, MAX_VALUE),
    custom_details: {
      rule: alert.rule,
      rule_version: alert.ruleVersion,
      key: mapValues(alert.key),
      count: alert.count,
      ...(alert.window === undefined ? {} : { window: alert.window }),
      events: alert.events.slice(0, MAX_LISTED).map((id) => boundedText(id, MAX_VALUE)),
      ...(alert.values === undefined
        ? {}
        : { values: alert.values.slice(0, MAX_LISTED).map((v) => boundedText(v, MAX_VALUE)) }),
      context: mapValues(alert.context),
      trigger: boundedText(alert.trigger, MAX_VALUE),
      alert_id: alert.id,
    },
  };
  // Tags are ATT&CK-style (`attack.credential_access`, `T1110`): the first is the class, all of them the group.
  const [first] = alert.tags;
  if (first !== undefined) {
    payload.class = boundedText(first, MAX_VALUE);
    payload.group = boundedText(alert.tags.join(' '), MAX_VALUE);
  }
  return payload;
}

function mapValues(record: Record<string, string | boolean | undefined>): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const [name, value] of Object.entries(record)) {
    if (value !== undefined)
      out[boundedText(name, 64)] = typeof value === 'boolean' ? value : boundedText(value, MAX_VALUE);
  }
  return out;
}
