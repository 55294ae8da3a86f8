import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/alert.js';
import { EVENT_FIELD_NAMES } from '../../src/decode/audit-event.js';
import { ErrorCode } from '../../src/errors.js';
import { AlertmanagerSink, type AlertmanagerSinkOptions } from '../../src/sinks/alertmanager.js';
import { SinkError } from '../../src/sinks/sink.js';
import { AlertmanagerServer, alertmanagerBinary, BASIC_AUTH } from '../support/alertmanager-server.js';
import { alertFixture, secretLeaks } from '../support/fake-sinks.js';
import { ATTACKER_TEXT, CONTROL_OR_BIDI } from '../support/hostile-text.js';
import { maybeUnset } from '../support/hooks.js';

/** The sink against a real, standalone Alertmanager (Debian's prometheus-alertmanager 0.25). */
if (alertmanagerBinary === undefined && process.env.CI === 'true') {
  throw new Error(
    'prometheus-alertmanager not found: run scripts/local-services.sh install (CI=true: failing instead of skipping)',
  );
}

const signal = new AbortController().signal;
const LABEL_NAMES = new Set(['alertname', 'severity', 'rule', 'auditwatch_alert_id', ...EVENT_FIELD_NAMES]);
let counter = 0;

/** A fresh alert happening now (Alertmanager lists only alerts that have not ended). */
function alert(overrides: Partial<Alert> = {}): Alert {
  counter += 1;
  return alertFixture({
    id: `${Date.now().toString(16)}${String(counter).padStart(8, '0')}`.padEnd(32, 'a'),
    time: new Date().toISOString(),
    ...overrides,
  });
}

async function failure(promise: Promise<void>, secrets: readonly string[]): Promise<SinkError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SinkError);
  expect(error).toMatchObject({ code: ErrorCode.sink });
  expect(secretLeaks(error, secrets)).toEqual([]);
  return error as SinkError;
}

describe.skipIf(alertmanagerBinary === undefined)('AlertmanagerSink against a real Alertmanager', () => {
  let am: AlertmanagerServer;
  const sink = (options: Partial<AlertmanagerSinkOptions> = {}) =>
    new AlertmanagerSink({ name: 'alertmanager', url: am.url, ...options });
  const byId = async (id: string) => (await am.alerts()).filter((a) => a.labels.auditwatch_alert_id === id);

  beforeAll(async () => {
    am = await AlertmanagerServer.start();
  });
  afterAll(() => maybeUnset(am)?.stop());

  it('the alert appears with its labels, annotations, start, end and generator URL', async () => {
    const sent = alert();
    const before = Date.now();
    await sink({ resolveAfterMs: 2 * 3_600_000, generatorUrl: 'https://grafana.example/d/auditwatch' }).deliver(
      sent,
      signal,
    );
    const [got, ...more] = await byId(sent.id);
    expect(more).toEqual([]);
    expect(got!.labels).toEqual({
      alertname: 'auth-brute-force',
      severity: 'high',
      rule: 'auth-brute-force',
      auditwatch_alert_id: sent.id,
      credentialId: 'ABCDEFGHIJKLMNOP',
      clientIp: '203.0.113.7',
    });
    expect(got!.annotations).toEqual({
      summary: sent.title,
      description: sent.summary,
      evidence: 'auth-00000042 auth-00000041 auth-00000040',
      count: '12',
      window: '1m',
      rule_version: '1.2.0',
      trigger: 'auth-00000042',
      tags: 'attack.credential_access T1110',
    });
    expect(got!.status.state).toBe('active');
    expect(Date.parse(got!.startsAt)).toBe(Date.parse(sent.time));
    // Two hours after the later of the alert's time and the send time.
    const endsAt = Date.parse(got!.endsAt);
    expect(endsAt).toBeGreaterThanOrEqual(before + 2 * 3_600_000 - 1000);
    expect(endsAt).toBeLessThanOrEqual(Date.now() + 2 * 3_600_000 + 1000);
    expect(got!.generatorURL).toBe('https://grafana.example/d/auditwatch');
  });

  it('delivering the same alert id twice gives one alert; another id is another alert', async () => {
    const sent = alert();
    await sink().deliver(sent, signal);
    const first = await byId(sent.id);
    await sink().deliver(sent, signal);
    const second = await byId(sent.id);
    expect(second).toHaveLength(1);
    expect(second[0]!.fingerprint).toBe(first[0]!.fingerprint);
    const other = alert({ key: sent.key });
    await sink().deliver(other, signal);
    expect(await byId(other.id)).toHaveLength(1);
    expect((await byId(other.id))[0]!.fingerprint).not.toBe(first[0]!.fingerprint);
  });

  it('an alert raised long ago still arrives firing (a late delivery is not an already-resolved alert)', async () => {
    const sent = alert({ time: '2024-05-01T12:00:00.000Z' });
    await sink().deliver(sent, signal);
    const [got] = await byId(sent.id);
    expect(got!.startsAt).toBe('2024-05-01T12:00:00.000Z');
    expect(Date.parse(got!.endsAt)).toBeGreaterThan(Date.now() + 3_500_000);
  });

  it('attacker text: no label name from it, values flat and at most 256 characters, accepted by Alertmanager', async () => {
    const long = `${ATTACKER_TEXT}${'W'.repeat(100 * 1024)}`;
    const sent = alert({
      title: ATTACKER_TEXT,
      summary: long,
      key: { credentialId: ATTACKER_TEXT, clientId: long, [ATTACKER_TEXT]: 'x', evil_label: 'y', __name__: 'z' },
      events: [ATTACKER_TEXT, long, 'evt-1'],
      trigger: long,
    });
    await sink().deliver(sent, signal);
    const [got] = await byId(sent.id);
    expect(Object.keys(got!.labels).sort()).toEqual([
      'alertname',
      'auditwatch_alert_id',
      'clientId',
      'credentialId',
      'rule',
      'severity',
    ]);
    for (const name of Object.keys(got!.labels)) expect(LABEL_NAMES.has(name)).toBe(true);
    for (const value of Object.values(got!.labels)) {
      expect(value.length).toBeLessThanOrEqual(256);
      expect(value).not.toMatch(CONTROL_OR_BIDI);
    }
    for (const value of Object.values(got!.annotations)) {
      expect(value.length).toBeLessThanOrEqual(1024);
      expect(value).not.toMatch(CONTROL_OR_BIDI);
    }
    expect(got!.labels.clientId!.endsWith('…')).toBe(true);
    expect(got!.labels.credentialId).toContain('<!channel> <!here>');
  });

  it('a 4xx from Alertmanager (wrong route prefix) is not retryable and does not name the URL', async () => {
    const url = `${am.url}/no-such-prefix-0123456789`;
    const error = await failure(sink({ url }).deliver(alert(), signal), [url, 'no-such-prefix-0123456789']);
    expect(error).toMatchObject({ retryable: false });
    expect(error.status).toBeGreaterThanOrEqual(400);
    expect(error.status).toBeLessThan(500);
  });

  it('an unreachable Alertmanager is retryable', async () => {
    const error = await failure(sink({ url: 'http://127.0.0.1:1', timeoutMs: 2000 }).deliver(alert(), signal), []);
    expect(error.retryable).toBe(true);
  });
});

describe.skipIf(alertmanagerBinary === undefined)(
  'AlertmanagerSink with basic auth (exporter-toolkit web config)',
  () => {
    let am: AlertmanagerServer;
    beforeAll(async () => {
      am = await AlertmanagerServer.start({ basicAuth: true });
    });
    afterAll(() => maybeUnset(am)?.stop());

    it('delivers with basic_auth, and with credentials in the URL', async () => {
      const a = alert();
      await new AlertmanagerSink({
        name: 'am',
        url: am.url,
        basicAuth: { username: BASIC_AUTH.username, password: BASIC_AUTH.password },
      }).deliver(a, signal);
      const withUserInfo = am.url.replace(
        'http://',
        `http://${BASIC_AUTH.username}:${encodeURIComponent(BASIC_AUTH.password)}@`,
      );
      const b = alert();
      const sink = new AlertmanagerSink({ name: 'am', url: withUserInfo });
      expect(secretLeaks(sink, [BASIC_AUTH.password])).toEqual([]);
      await sink.deliver(b, signal);
      const ids = (await am.alerts()).map((x) => x.labels.auditwatch_alert_id);
      expect(ids).toEqual(expect.arrayContaining([a.id, b.id]));
    });

    it('a wrong password is a 401: not retryable, and no credential in the error', async () => {
      const wrong = 'wrong-password-0123456789';
      const sink = new AlertmanagerSink({
        name: 'am',
        url: am.url,
        basicAuth: { username: BASIC_AUTH.username, password: wrong },
      });
      const basic = Buffer.from(`${BASIC_AUTH.username}:${wrong}`).toString('base64');
      const error = await failure(sink.deliver(alert(), signal), [wrong, basic]);
      expect(error).toMatchObject({ retryable: false, status: 401 });
    });
  },
);

describe('AlertmanagerSink status mapping and headers (a local HTTP server answering as scripted)', () => {
  const answers: Array<{ status: number; body?: string; retryAfter?: string }> = [];
  const seen: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => {
      const answer = answers.shift() ?? { status: 200 };
      res
        .writeHead(answer.status, answer.retryAfter === undefined ? {} : { 'retry-after': answer.retryAfter })
        .end(answer.body ?? '');
    });
  });
  let url: string;
  const TOKEN = 'am-bearer-token-0123456789abcdef';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alertmanager`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const sink = () =>
    new AlertmanagerSink({ name: 'am', url, bearerToken: TOKEN, headers: { 'X-Scope-OrgID': 'tenant-security' } });

  it('POSTs to <url>/api/v2/alerts with the bearer token and the configured headers', async () => {
    await sink().deliver(alert(), signal);
    const last = seen.at(-1)!;
    expect(last.path).toBe('/alertmanager/api/v2/alerts');
    expect(last.headers).toMatchObject({
      authorization: `Bearer ${TOKEN}`,
      'x-scope-orgid': 'tenant-security',
      'content-type': 'application/json',
    });
  });

  it('400 is not retryable; 429 (with Retry-After), 500 and 503 are; an echoed token is removed', async () => {
    answers.push(
      { status: 400, body: '"invalid label set"' },
      { status: 429, retryAfter: '3' },
      { status: 500 },
      { status: 503, body: `no ${TOKEN} here` },
    );
    expect(await failure(sink().deliver(alert(), signal), [TOKEN])).toMatchObject({ retryable: false, status: 400 });
    expect(await failure(sink().deliver(alert(), signal), [TOKEN])).toMatchObject({
      retryable: true,
      status: 429,
      retryAfterMs: 3000,
    });
    expect(await failure(sink().deliver(alert(), signal), [TOKEN])).toMatchObject({ retryable: true, status: 500 });
    const echoed = await failure(sink().deliver(alert(), signal), [TOKEN]);
    expect(echoed).toMatchObject({ retryable: true, status: 503 });
    expect(echoed.message).toContain('[redacted]');
  });
});
