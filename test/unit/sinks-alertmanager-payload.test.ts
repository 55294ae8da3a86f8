import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode } from '../../src/errors.js';
import { alertmanagerAlert, AlertmanagerSink } from '../../src/sinks/alertmanager.js';
import { createSinks } from '../../src/sinks/create-sinks.js';
import { alertFixture, secretLeaks } from '../support/fake-sinks.js';

const NOW = Date.parse('2024-05-01T12:30:00.000Z');

function thrown(make: () => unknown): unknown {
  try {
    make();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
}

describe('alertmanagerAlert', () => {
  it('ends resolve_after after the later of the alert time and now', () => {
    const fresh = alertmanagerAlert(alertFixture({ time: '2024-05-01T13:00:00.000Z' }), {
      now: NOW,
      resolveAfterMs: 600_000,
    });
    expect(fresh).toMatchObject({ startsAt: '2024-05-01T13:00:00.000Z', endsAt: '2024-05-01T13:10:00.000Z' });
    const late = alertmanagerAlert(alertFixture({ time: '2024-05-01T12:00:00.000Z' }), { now: NOW });
    expect(late).toMatchObject({ startsAt: '2024-05-01T12:00:00.000Z', endsAt: '2024-05-01T13:30:00.000Z' });
    expect(late.generatorURL).toBeUndefined();
  });

  it('takes key labels only from event field names, drops empty values, keeps its own four labels', () => {
    const { labels } = alertmanagerAlert(
      alertFixture({ key: { principal: 'User:1', 'not a field': 'x', clientIp: '', alertname: 'spoof' } }),
      { now: NOW },
    );
    expect(labels).toEqual({
      principal: 'User:1',
      alertname: 'auth-brute-force',
      severity: 'high',
      rule: 'auth-brute-force',
      auditwatch_alert_id: '0123456789abcdef0123456789abcdef',
    });
  });
});

describe('AlertmanagerSink configuration', () => {
  const base = { name: 'am', url: 'https://am.example:9093' };
  it.each([
    ['resolve_after', { resolveAfterMs: 1000 }],
    ['headers', { headers: { 'Bad Header': 'x' } }],
    ['headers', { headers: { 'Content-Type': 'text/plain' } }],
    ['headers', { headers: { 'X-A': 'line\r\nbreak' } }],
    ['bearer_token', { bearerToken: 't', basicAuth: { username: 'u', password: 'p' } }],
    ['headers', { bearerToken: 'token', headers: { Authorization: 'Basic x' } }],
    ['generator_url', { generatorUrl: 'javascript:alert(1)' }],
    ['url', { url: 'ftp://am.example' }],
  ])('%s: a ConfigError naming the field, never a value', (field, options) => {
    const error = thrown(() => new AlertmanagerSink({ ...base, ...options }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: ErrorCode.config, context: { sink: 'am', field } });
    expect(secretLeaks(error, ['line\r\nbreak', 'javascript:alert(1)'])).toEqual([]);
  });

  it('credentials in the URL and basic_auth together are refused; the password is not in the error', () => {
    const error = thrown(
      () =>
        new AlertmanagerSink({
          ...base,
          url: 'https://u:s3cret-pass-123@am.example',
          basicAuth: { username: 'u', password: 'p' },
        }),
    );
    expect(error).toMatchObject({ code: ErrorCode.config, context: { field: 'url' } });
    expect(secretLeaks(error, ['s3cret-pass-123'])).toEqual([]);
  });

  it('createSinks builds it from a config-file spec, resolve_after as a duration', () => {
    const [sink] = createSinks([
      {
        name: 'am',
        type: 'alertmanager',
        url: 'https://am.example',
        resolve_after: '4h',
        headers: { 'X-Scope-OrgID': 't' },
      },
    ]);
    expect(sink).toBeInstanceOf(AlertmanagerSink);
    expect(sink!.kind).toBe('alertmanager');
  });
});
