import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import type { Alert } from '../../src/alerts/alert.js';
import { verifyWebhookSignature, type WebhookVerification } from '../../src/sinks/webhook.js';

/**
 * Local HTTP servers on 127.0.0.1 that behave like Slack incoming webhooks, the
 * PagerDuty Events API v2 and a Standard Webhooks receiver. Each records every
 * request, can be scripted to fail or hang, and closes cleanly (hanging requests
 * included). Used by the sink tests and the end-to-end test of the service:
 *
 *   const slack = await startFakeSlack();
 *   slack.failNext(2, 429, { retryAfter: 1 });
 *   … deliver to slack.url …
 *   await slack.waitForRequests(3);
 *   await slack.close();
 */

export interface RecordedRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as received. */
  raw: string;
  /** `raw` parsed as JSON; undefined when it is not JSON. */
  body: unknown;
  /** The status the fake answered (undefined while hanging). */
  status?: number;
  /** When it arrived, epoch ms. */
  receivedAt: number;
  /** The alert id the request carries (webhook-id, PagerDuty dedup_key, the id in a Slack footer), when it has one. */
  alertId?: string;
}

export interface ScriptOptions {
  /** Retry-After header value: seconds, or an HTTP date string. */
  retryAfter?: number | string;
  /** Response body; default the receiver's usual error body for the status. */
  body?: string;
}

export interface FakeReceiver {
  /** Where to POST; for the Slack fake this URL contains a secret-looking token. */
  readonly url: string;
  /** Every request, in arrival order, scripted or not. */
  readonly requests: RecordedRequest[];
  /** The next `count` requests get `status` (and Retry-After / body) instead of the normal answer. */
  failNext(count: number, status: number, options?: ScriptOptions): void;
  /** Every request for the next `ms` milliseconds gets `status` (after any scripted `failNext` answers). */
  failFor(ms: number, status: number, options?: ScriptOptions): void;
  /** The next `count` requests are never answered (for timeout tests); `close()` ends them. */
  hangNext(count?: number): void;
  /** Every answer from now on comes `ms` milliseconds late (a slow receiver); 0 ends it. */
  delay(ms: number): void;
  /** Requests that `match` are answered `status` (a poisoned alert) until called with undefined. */
  refuseWhere(match: ((request: RecordedRequest) => boolean) | undefined, status?: number): void;
  /** Alert ids the receiver accepted (answered 2xx), in arrival order, with their arrival times. */
  accepted(): Array<{ id: string; receivedAt: number }>;
  /** Resolves once `count` requests have arrived; rejects after `timeoutMs` (default 5 000). */
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

export interface FakeSlack extends FakeReceiver {
  /** Messages Slack would have posted (answered 200 `ok`). */
  readonly messages: Array<{ text?: string; blocks?: unknown[] }>;
}

export interface FakePagerDuty extends FakeReceiver {
  /** Events accepted (answered 202). */
  readonly events: Array<{
    routing_key: string;
    event_action: string;
    dedup_key?: string;
    payload: Record<string, unknown>;
  }>;
}

export interface FakeWebhookReceiver extends FakeReceiver {
  /** Deliveries whose signature verified (answered 204). */
  readonly deliveries: Array<{ id: string; timestampSec: number; body: unknown }>;
  /** The verification result of every request that got that far, in order. */
  readonly verifications: WebhookVerification[];
}

type Answer = { status: number; body?: string; json?: unknown; headers?: Record<string, string> };
type Script = { hang: true } | ({ hang?: false; status: number } & ScriptOptions);

/** Slack: 200 `ok`; 400 `invalid_payload` / `invalid_blocks` for what Slack would refuse; 404 `no_service` on another path. */
export async function startFakeSlack(): Promise<FakeSlack> {
  const path = `/services/T${token(8)}/B${token(8)}/${token(24)}`;
  const messages: FakeSlack['messages'] = [];
  const receiver = await startReceiver(
    path,
    (request) => {
      if (request.path !== path) return { status: 404, body: 'no_service' };
      const problem = slackProblem(request.body);
      if (problem !== undefined) return { status: 400, body: problem };
      messages.push(request.body as FakeSlack['messages'][number]);
      return { status: 200, body: 'ok' };
    },
    (status) => (status === 429 ? 'rate_limited' : status >= 500 ? 'rollup_error' : 'invalid_payload'),
    (request) => /alert `([0-9a-f]{32})`/.exec(request.raw)?.[1],
  );
  return Object.assign(receiver, { messages });
}

/** PagerDuty Events API v2: 202 `{status:'success'}`; 400 `invalid event` for what PagerDuty would refuse. */
export async function startFakePagerDuty(options: { routingKey?: string } = {}): Promise<FakePagerDuty> {
  const events: FakePagerDuty['events'] = [];
  const receiver = await startReceiver(
    '/v2/enqueue',
    (request) => {
      const errors = pagerDutyProblems(request.body, options.routingKey);
      if (errors.length > 0)
        return { status: 400, json: { status: 'invalid event', message: 'Event object is invalid', errors } };
      const event = request.body as FakePagerDuty['events'][number];
      events.push(event);
      return {
        status: 202,
        json: { status: 'success', message: 'Event processed', dedup_key: event.dedup_key ?? token(16) },
      };
    },
    (status) =>
      JSON.stringify(
        status === 429
          ? { status: 'throttle event', message: 'Requests for this service are arriving too quickly' }
          : { status: 'error', message: `HTTP ${status}` },
      ),
    (request) => (request.body as { dedup_key?: string } | undefined)?.dedup_key,
  );
  return Object.assign(receiver, { events });
}

/** A Standard Webhooks receiver: verifies each signature with `secret`; 204 when valid, 401 when not. */
export async function startFakeWebhookReceiver(options: {
  secret: string;
  toleranceSec?: number;
}): Promise<FakeWebhookReceiver> {
  const deliveries: FakeWebhookReceiver['deliveries'] = [];
  const verifications: WebhookVerification[] = [];
  const receiver = await startReceiver(
    '/hooks/auditwatch',
    (request) => {
      const verification = verifyWebhookSignature(options.secret, request.headers, request.raw, options.toleranceSec);
      verifications.push(verification);
      if (!verification.ok) return { status: 401, json: { error: `signature ${verification.reason}` } };
      deliveries.push({ id: verification.id, timestampSec: verification.timestampSec, body: request.body });
      return { status: 204 };
    },
    (status) => JSON.stringify({ error: `HTTP ${status}` }),
    (request) => (typeof request.headers['webhook-id'] === 'string' ? request.headers['webhook-id'] : undefined),
  );
  return Object.assign(receiver, { deliveries, verifications });
}

/** An alert with every field set; `overrides` replace whole fields. */
export function alertFixture(overrides: Partial<Alert> = {}): Alert {
  return {
    id: '0123456789abcdef0123456789abcdef',
    rule: 'auth-brute-force',
    ruleVersion: '1.2.0',
    title: 'Brute force against a Kafka credential',
    severity: 'high',
    tags: ['attack.credential_access', 'T1110'],
    time: '2024-05-01T12:00:00.000Z',
    trigger: 'auth-00000042',
    key: { credentialId: 'ABCDEFGHIJKLMNOP', clientIp: '203.0.113.7' },
    count: 12,
    window: '1m',
    events: ['auth-00000042', 'auth-00000041', 'auth-00000040'],
    summary: '12 failed authentications with credential ABCDEFGHIJKLMNOP from 203.0.113.7 in 1m',
    context: {
      method: 'kafka.Authentication',
      credentialId: 'ABCDEFGHIJKLMNOP',
      clientIp: '203.0.113.7',
      cluster: 'lkc-abc123',
      organization: 'org-1111',
    },
    ...overrides,
  };
}

/** The secrets found in every rendering of `value` (String, message, JSON, inspect with stack): none is the goal. */
export function secretLeaks(value: unknown, secrets: readonly string[]): string[] {
  const renderings = [
    String(value),
    (value as { message?: unknown } | null)?.message,
    safeJson(value),
    inspect(value, { depth: 8, showHidden: true }),
  ];
  return secrets.filter((secret) => renderings.some((text) => typeof text === 'string' && text.includes(secret)));
}

async function startReceiver(
  path: string,
  answer: (request: RecordedRequest) => Answer,
  scriptedBody: (status: number) => string,
  idOf: (request: RecordedRequest) => string | undefined,
): Promise<FakeReceiver> {
  const requests: RecordedRequest[] = [];
  const script: Script[] = [];
  let delayMs = 0;
  let refuse: { match: (request: RecordedRequest) => boolean; status: number } | undefined;
  let outage: { until: number; answer: Script } = { until: 0, answer: { status: 0 } };
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const request: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        raw,
        body: parseJson(raw),
        receivedAt: Date.now(),
      };
      request.alertId = idOf(request);
      requests.push(request);
      for (const wake of waiters) wake();
      const refused: Script | undefined = refuse?.match(request) === true ? { status: refuse.status } : undefined;
      const next: Script | undefined =
        script.shift() ?? refused ?? (Date.now() < outage.until ? outage.answer : undefined);
      if (next?.hang === true) return;
      const reply: Answer =
        next === undefined
          ? answer(request)
          : {
              status: next.status,
              body: next.body ?? scriptedBody(next.status),
              headers: next.retryAfter === undefined ? {} : { 'retry-after': String(next.retryAfter) },
            };
      const respond = () => {
        request.status = reply.status;
        send(res, reply);
      };
      if (delayMs > 0) setTimeout(respond, delayMs);
      else respond();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    failNext(count, status, options = {}) {
      for (let i = 0; i < count; i++) script.push({ status, ...options });
    },
    failFor(ms, status, options = {}) {
      outage = { until: Date.now() + ms, answer: { status, ...options } };
    },
    hangNext(count = 1) {
      for (let i = 0; i < count; i++) script.push({ hang: true });
    },
    delay(ms) {
      delayMs = ms;
    },
    refuseWhere(match, status = 500) {
      refuse = match === undefined ? undefined : { match, status };
    },
    accepted() {
      return requests
        .filter((r) => r.status !== undefined && r.status >= 200 && r.status < 300 && r.alertId !== undefined)
        .map((r) => ({ id: r.alertId!, receivedAt: r.receivedAt }));
    },
    waitForRequests(count, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (requests.length < count) return;
          cleanup();
          resolve(requests.slice(0, count));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`waited ${timeoutMs} ms for ${count} requests, got ${requests.length}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

function send(res: ServerResponse, reply: Answer): void {
  const headers = { ...reply.headers };
  let body = reply.body ?? '';
  if (reply.json !== undefined) {
    body = JSON.stringify(reply.json);
    headers['content-type'] = 'application/json';
  } else if (body !== '') headers['content-type'] = 'text/plain; charset=utf-8';
  res.writeHead(reply.status, headers).end(body);
}

/** What Slack would refuse, per the Block Kit limits; undefined when the message is acceptable. */
function slackProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return 'invalid_payload';
  const { text, blocks } = body as { text?: unknown; blocks?: unknown };
  if (typeof text !== 'string' && !Array.isArray(blocks)) return 'no_text';
  if (blocks === undefined) return undefined;
  if (!Array.isArray(blocks) || blocks.length > 50) return 'invalid_blocks';
  const textOk = (t: unknown, max: number, types: string[]): boolean => {
    if (typeof t !== 'object' || t === null) return false;
    const o = t as { type?: unknown; text?: unknown };
    return types.includes(String(o.type)) && typeof o.text === 'string' && o.text.length >= 1 && o.text.length <= max;
  };
  for (const block of blocks as Array<Record<string, unknown>>) {
    if (block.type === 'header' && textOk(block.text, 150, ['plain_text'])) continue;
    if (
      block.type === 'context' &&
      Array.isArray(block.elements) &&
      block.elements.length >= 1 &&
      block.elements.length <= 10 &&
      block.elements.every((e) => textOk(e, 3000, ['mrkdwn', 'plain_text']))
    )
      continue;
    if (block.type === 'section') {
      const fields = block.fields as unknown[] | undefined;
      const textValid = block.text === undefined || textOk(block.text, 3000, ['mrkdwn', 'plain_text']);
      const fieldsValid =
        fields === undefined ||
        (Array.isArray(fields) &&
          fields.length >= 1 &&
          fields.length <= 10 &&
          fields.every((f) => textOk(f, 2000, ['mrkdwn', 'plain_text'])));
      if (textValid && fieldsValid && (block.text !== undefined || fields !== undefined)) continue;
    }
    return 'invalid_blocks';
  }
  return undefined;
}

/** What PagerDuty's Events API v2 would refuse, as its `errors` list. */
function pagerDutyProblems(body: unknown, routingKey: string | undefined): string[] {
  if (typeof body !== 'object' || body === null) return ['Event object is not JSON'];
  const event = body as Record<string, unknown>;
  const payload = event.payload as Record<string, unknown> | null | undefined;
  const errors: string[] = [];
  if (typeof event.routing_key !== 'string' || event.routing_key === '')
    errors.push("'routing_key' is missing or blank");
  else if (routingKey !== undefined && event.routing_key !== routingKey) errors.push('Invalid routing key');
  if (!['trigger', 'acknowledge', 'resolve'].includes(String(event.event_action)))
    errors.push("'event_action' is invalid");
  if (event.event_action === 'trigger') {
    if (typeof payload !== 'object' || payload === null) return [...errors, "'payload' is missing"];
    if (typeof payload.summary !== 'string' || payload.summary === '' || payload.summary.length > 1024)
      errors.push("'payload.summary' must be 1 to 1024 characters");
    if (typeof payload.source !== 'string' || payload.source === '')
      errors.push("'payload.source' is missing or blank");
    if (!['critical', 'error', 'warning', 'info'].includes(String(payload.severity)))
      errors.push("'payload.severity' is invalid");
    const time = payload.timestamp;
    const timeParses =
      (typeof time === 'string' || typeof time === 'number') && !Number.isNaN(Date.parse(String(time)));
    if (time !== undefined && !timeParses) errors.push("'payload.timestamp' is invalid");
  }
  return errors;
}

function token(length: number): string {
  return randomBytes(length).toString('base64url').replace(/[-_]/g, 'x').slice(0, length);
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/** JSON.stringify as it behaves: undefined for undefined, functions and symbols (its declared type says string). */
const stringify: (value: unknown) => string | undefined = JSON.stringify;

function safeJson(value: unknown): string {
  try {
    return stringify(value) ?? '';
  } catch {
    return '';
  }
}
