import type { Alert } from '../alerts/alert.js';
import { EVENT_FIELD_NAMES } from '../decode/audit-event.js';
import { ConfigError } from '../errors.js';
import { boundedText } from './escape.js';
import { postJson, sinkTimeout, sinkUrl, urlSecrets } from './http.js';
import type { Sink } from './sink.js';

/** Default `resolve_after`: an alert stays firing in Alertmanager this long, in ms (1 h). */
export const DEFAULT_RESOLVE_AFTER_MS = 3_600_000;
/** Longest label value sent, in characters. */
export const LABEL_VALUE_MAX = 256;
/** Longest annotation value sent, in characters. */
export const ANNOTATION_MAX = 1024;
/** Evidence event ids listed in the `evidence` annotation. */
const MAX_EVIDENCE = 20;

/**
 * Label names a group key may contribute: exactly the normalized event field names
 * (all valid Prometheus label names). A key field outside this list is not a label:
 * a label name never comes from event text.
 */
const KEY_LABELS: ReadonlySet<string> = new Set(EVENT_FIELD_NAMES);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
/** Visible ASCII and spaces only: a CR or LF would split the request, and fetch throws on them at send time. */
const HEADER_VALUE = /^[\x20-\x7e]{0,4096}$/;
/** Set by the sink itself; a configured value would be overwritten or conflict. */
const RESERVED_HEADERS = new Set(['content-type', 'content-length', 'user-agent', 'host']);

export interface AlertmanagerSinkOptions {
  /** Configured sink name: a metric label and route target. */
  name: string;
  /**
   * Alertmanager's base URL (with its `--web.route-prefix`, if any); alerts go to
   * `<url>/api/v2/alerts`. `user:password@` in it becomes basic auth. A secret: never logged nor put in an error.
   */
  url: string;
  /** How long after it is sent an alert stays firing (`endsAt`), in ms; default 1 h, 1 minute to 30 days. */
  resolveAfterMs?: number;
  /** `generatorURL` of every alert (e.g. a dashboard or runbook); not a secret. */
  generatorUrl?: string;
  /** Extra request headers (a tenant id for a multi-tenant Alertmanager). Values are treated as secrets. */
  headers?: Readonly<Record<string, string>>;
  /** HTTP basic auth (secret). */
  basicAuth?: { username: string; password: string };
  /** `Authorization: Bearer` token (secret). */
  bearerToken?: string;
  /** Timeout of one delivery attempt, in milliseconds; default 10 000. */
  timeoutMs?: number;
}

/** One alert of Alertmanager's API v2 `postableAlerts`. */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

/**
 * POSTs each alert to Alertmanager's API v2. The alert id is a label, so a repeated
 * delivery of one alert is the same Alertmanager alert (same label set, same
 * fingerprint), updated rather than duplicated. Alertmanager answers 200; 400
 * (invalid alert) is not retried, 429 and 5xx are.
 */
export class AlertmanagerSink implements Sink {
  readonly kind = 'alertmanager' as const;
  readonly name: string;
  readonly #url: URL;
  readonly #headers: Record<string, string>;
  readonly #secrets: readonly string[];
  readonly #timeoutMs: number;
  readonly #resolveAfterMs: number;
  readonly #generatorUrl: string | undefined;

  constructor(options: AlertmanagerSinkOptions) {
    const { name } = options;
    this.name = name;
    const base = sinkUrl(name, 'url', options.url);
    const secrets = [options.url, ...urlSecrets(base)];
    let basicAuth = options.basicAuth;
    if (base.username !== '' || base.password !== '') {
      // fetch refuses URLs with credentials: they become a header instead.
      if (basicAuth !== undefined)
        throw problem(name, 'url', 'credentials in the URL and basic_auth cannot both be set');
      basicAuth = { username: safeDecode(base.username), password: safeDecode(base.password) };
      secrets.push(base.username, base.password);
      base.username = '';
      base.password = '';
    }
    if (!base.pathname.endsWith('/')) base.pathname = `${base.pathname}/`;
    this.#url = new URL('api/v2/alerts', base);
    const { headers, secrets: headerSecrets } = requestHeaders(
      name,
      options.headers ?? {},
      basicAuth,
      options.bearerToken,
    );
    this.#headers = headers;
    secrets.push(...headerSecrets);
    this.#secrets = [...new Set(secrets.filter((s) => s !== ''))];
    this.#timeoutMs = sinkTimeout(name, options.timeoutMs);
    const resolveAfterMs = options.resolveAfterMs ?? DEFAULT_RESOLVE_AFTER_MS;
    if (!Number.isInteger(resolveAfterMs) || resolveAfterMs < 60_000 || resolveAfterMs > 30 * 86_400_000) {
      throw problem(name, 'resolve_after', 'must be from 1m to 30d');
    }
    this.#resolveAfterMs = resolveAfterMs;
    this.#generatorUrl =
      options.generatorUrl === undefined ? undefined : sinkUrl(name, 'generator_url', options.generatorUrl).href;
  }

  async deliver(alert: Alert, signal: AbortSignal): Promise<void> {
    const body = JSON.stringify([
      alertmanagerAlert(alert, { resolveAfterMs: this.#resolveAfterMs, generatorUrl: this.#generatorUrl }),
    ]);
    await postJson({
      sink: this.name,
      url: this.#url,
      body,
      headers: this.#headers,
      timeoutMs: this.#timeoutMs,
      signal,
      secrets: this.#secrets,
    });
  }
}

/**
 * The Alertmanager alert for `alert`. Label names are fixed or event field names;
 * every value from an event is flattened (no control or bidi characters) and bounded.
 * `startsAt` is the alert's time; `endsAt` is `resolveAfterMs` after the alert's
 * time or after `now`, whichever is later: an alert delivered late (a sink outage,
 * a replay of old events) would otherwise arrive already resolved, and Alertmanager
 * lists no resolved alert and notifies nobody of one it never saw firing.
 */
export function alertmanagerAlert(
  alert: Alert,
  options: { resolveAfterMs?: number; generatorUrl?: string; now?: number } = {},
): AlertmanagerAlert {
  const labels: Record<string, string> = {};
  for (const [field, value] of Object.entries(alert.key)) {
    const text = KEY_LABELS.has(field) ? boundedText(value, LABEL_VALUE_MAX) : '';
    // Alertmanager drops empty label values anyway; a missing label is the honest form.
    if (text.trim() !== '') labels[field] = text;
  }
  // Set last: no key field can stand in for these (none shares their names anyway).
  Object.assign(labels, {
    alertname: boundedText(alert.rule, LABEL_VALUE_MAX),
    severity: alert.severity,
    rule: boundedText(alert.rule, LABEL_VALUE_MAX),
    auditwatch_alert_id: boundedText(alert.id, LABEL_VALUE_MAX),
  });
  const annotations: Record<string, string> = {
    summary: boundedText(alert.title, ANNOTATION_MAX),
    description: boundedText(alert.summary, ANNOTATION_MAX),
    evidence: boundedText(alert.events.slice(0, MAX_EVIDENCE).join(' '), ANNOTATION_MAX),
    count: String(alert.count),
    rule_version: boundedText(alert.ruleVersion, LABEL_VALUE_MAX),
    trigger: boundedText(alert.trigger, LABEL_VALUE_MAX),
    ...(alert.window === undefined ? {} : { window: boundedText(alert.window, LABEL_VALUE_MAX) }),
    ...(alert.tags.length === 0 ? {} : { tags: boundedText(alert.tags.join(' '), ANNOTATION_MAX) }),
  };
  if (annotations.evidence === '') delete annotations.evidence;
  const startsAt = Date.parse(alert.time);
  const from = Math.max(Number.isNaN(startsAt) ? 0 : startsAt, options.now ?? Date.now());
  return {
    labels,
    annotations,
    startsAt: Number.isNaN(startsAt) ? new Date(from).toISOString() : alert.time,
    endsAt: new Date(from + (options.resolveAfterMs ?? DEFAULT_RESOLVE_AFTER_MS)).toISOString(),
    ...(options.generatorUrl === undefined ? {} : { generatorURL: options.generatorUrl }),
  };
}

/** The configured headers plus Authorization, validated (a CR or LF would split the request); every value is a secret. */
function requestHeaders(
  sink: string,
  configured: Readonly<Record<string, string>>,
  basicAuth: { username: string; password: string } | undefined,
  bearerToken: string | undefined,
): { headers: Record<string, string>; secrets: string[] } {
  const headers: Record<string, string> = {};
  const secrets: string[] = [];
  for (const [header, value] of Object.entries(configured)) {
    if (!HEADER_NAME.test(header) || RESERVED_HEADERS.has(header.toLowerCase())) {
      throw problem(sink, 'headers', 'a header name is not a valid or allowed HTTP header name');
    }
    if (!HEADER_VALUE.test(value))
      throw problem(sink, 'headers', 'header values must be printable ASCII without line breaks');
    headers[header.toLowerCase()] = value;
    secrets.push(value);
  }
  if (basicAuth !== undefined && bearerToken !== undefined)
    throw problem(sink, 'bearer_token', 'basic auth and a bearer token cannot both be set');
  if (bearerToken !== undefined && !/^[\x21-\x7e]{1,4096}$/.test(bearerToken))
    throw problem(sink, 'bearer_token', 'must be printable ASCII without spaces');
  const credentials =
    basicAuth === undefined ? undefined : Buffer.from(`${basicAuth.username}:${basicAuth.password}`).toString('base64');
  const authorization =
    credentials !== undefined
      ? `Basic ${credentials}`
      : bearerToken !== undefined
        ? `Bearer ${bearerToken}`
        : undefined;
  if (authorization !== undefined) {
    if ('authorization' in headers)
      throw problem(sink, 'headers', 'an Authorization header and basic auth or a bearer token cannot both be set');
    headers.authorization = authorization;
    secrets.push(authorization, credentials ?? '', basicAuth?.password ?? '', bearerToken ?? '');
  }
  return { headers, secrets };
}

function problem(sink: string, field: string, message: string): ConfigError {
  return new ConfigError([`sink ${sink}: ${field}: ${message}`], { sink, field });
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
