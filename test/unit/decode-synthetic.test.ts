import { describe, expect, it } from 'vitest';
import { EVENT_FIELD_NAMES } from '../../src/decode/audit-event.js';
import { categoryOf, decodeObject } from '../../src/decode/decode.js';
import { decodedFixtures, fixtureEvent } from '../support/fixtures.js';

const SYN = 'synthetic-events.jsonl';

describe('decode: synthetic events (shapes the public samples lack)', () => {
  it('failed Kafka authentication: UNKNOWN_USER, credential tried, newer clientAddress[], 9-digit fraction', () => {
    const { event } = fixtureEvent(SYN, 'syn-0001-failed-auth');
    expect(event).toMatchObject({
      time: '2026-03-02T09:15:01.123Z',
      principal: 'None:UNKNOWN_USER',
      credentialId: 'ABCDEFGHIJKLMNOP',
      mechanism: 'SASL_SSL/PLAIN',
      clientIp: '203.0.113.7',
      connectionId: '9007199254740993123',
      status: 'UNAUTHENTICATED',
      outcome: 'failure',
      message: 'Authentication failed',
    });
  });

  it('time offsets are converted to UTC and ports stripped from client_address', () => {
    const { event, timeMs } = fixtureEvent(SYN, 'syn-0002-auth-ok');
    expect(event.time).toBe('2026-03-02T08:15:02.500Z');
    expect(timeMs).toBe(Date.parse('2026-03-02T08:15:02.500Z'));
    expect(event.clientIp).toBe('198.51.100.4');
    expect(event.outcome).toBe('success');
  });

  it('Schema Registry failure: credentials.idSecretCredentials, IPv6, schema-registry CRN', () => {
    const { event } = fixtureEvent(SYN, 'syn-0003-sr-auth-fail');
    expect(event).toMatchObject({
      credentialId: 'SRKEY0000000001',
      clientIp: '2001:db8::5',
      outcome: 'failure',
      schemaRegistry: 'lsrc-q1w2e3',
      category: 'authentication',
    });
  });

  it('fully snake_case control-plane payload', () => {
    const { event } = fixtureEvent(SYN, 'syn-0004-signin-fail');
    expect(event).toMatchObject({
      method: 'SignIn',
      email: 'mallory@example.com',
      requestId: 'r-77',
      clientIp: '192.0.2.66',
      outcome: 'failure',
      accessType: 'READ_ONLY',
      organization: '11111111-2222-3333-4444-555555555555',
    });
    expect(event.principal).toBeUndefined();
  });

  it('ip-filter denial: client IP from ipfilterAuthorization, User: prefix stripped from resourceId', () => {
    const { event } = fixtureEvent(SYN, 'syn-0005-ipfilter-deny');
    expect(event).toMatchObject({
      outcome: 'denied',
      clientIp: '203.0.113.99',
      principal: 'User:sa-xyz789',
      principalId: 'sa-xyz789',
      credentialId: 'CLOUDKEY00000001',
      decidedBy: 'ipfilter',
    });
  });

  it('role binding: role and target principal from request.data', () => {
    const { event } = fixtureEvent(SYN, 'syn-0006-bind-orgadmin');
    expect(event).toMatchObject({
      role: 'OrganizationAdmin',
      targetPrincipal: 'User:sa-newadmin',
      change: true,
      principal: 'User:u-ops001',
    });
    expect(event.decidedBy).toBeUndefined();
  });

  it('cluster deletion: cluster, environment and organization from cloudResources', () => {
    const { event } = fixtureEvent(SYN, 'syn-0007-delete-cluster');
    expect(event).toMatchObject({
      cluster: 'lkc-abc123',
      environment: 'env-abc12',
      organization: '11111111-2222-3333-4444-555555555555',
      cloudResourceType: 'CLOUD_CLUSTER',
      change: true,
    });
  });

  it('connector id from a connector CRN, service-account principal', () => {
    expect(fixtureEvent(SYN, 'syn-0011-create-connector').event).toMatchObject({
      connector: 'lcc-s3sink1',
      principal: 'User:sa-etl001',
      credentialId: 'CLOUDKEY00000002',
      change: true,
      cluster: 'lkc-abc123',
    });
  });

  it('access transparency category', () => {
    expect(fixtureEvent(SYN, 'syn-0008-privileged-access').event).toMatchObject({
      category: 'access-transparency',
      method: 'confluent.privileged.access',
    });
  });

  it('CP with an MDS authority and a percent-encoded CRN value; attacker text kept verbatim as data', () => {
    const { event } = fixtureEvent(SYN, 'syn-0009-cp5-request');
    expect(event).toMatchObject({
      cluster: 'AbC_dEf-123',
      topic: 'orders/v1',
      time: '2026-03-03T19:00:00.000Z',
      clientId: '<!channel> *bold* <https://evil.example|click>',
    });
  });

  it('unknown fields are ignored; groups come from CRNs', () => {
    const { event } = fixtureEvent(SYN, 'syn-0010-group-denied');
    expect(event).toMatchObject({
      group: 'payments-consumer',
      outcome: 'denied',
      connectionId: '12345678901234567890',
    });
    expect(Object.keys(event).every((k) => (EVENT_FIELD_NAMES as string[]).includes(k))).toBe(true);
  });

  it('every normalized field is filled by at least one fixture', () => {
    const seen = new Set<string>();
    for (const name of ['real-events.jsonl', SYN, 'catalog-events.jsonl'])
      for (const d of decodedFixtures(name))
        for (const [k, v] of Object.entries(d.event)) if (v !== undefined) seen.add(k);
    expect(EVENT_FIELD_NAMES.filter((f) => !seen.has(f))).toEqual([]);
  });
});

describe('decode: tolerance', () => {
  const base = {
    id: 'e1',
    type: 'io.confluent.kafka.server/authorization',
    source: 'crn:///kafka=x',
    specversion: '1.0',
    time: '2026-01-01T00:00:00Z',
  };

  it('wrong types in optional fields make them absent, not the event invalid', () => {
    const result = decodeObject({
      ...base,
      subject: 7,
      data: {
        methodName: { x: 1 },
        authenticationInfo: 'nope',
        authorizationInfo: { granted: 'maybe', operation: [] },
        requestMetadata: { clientAddress: 42 },
      },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event.method).toBeUndefined();
    expect(result.event.granted).toBeUndefined();
    expect(result.event.clientIp).toBeUndefined();
    expect(result.event.outcome).toBe('unknown');
  });

  it('data that is not an object is treated as empty', () => {
    const result = decodeObject({ ...base, data: 'x' });
    expect(result.ok && result.event.category).toBe('authorization');
  });

  it('uses the record timestamp when time is missing, and fails without one', () => {
    const { time, ...noTime } = base;
    expect(time).toBeDefined();
    const withFallback = decodeObject(noTime, Date.UTC(2026, 0, 2));
    expect(withFallback.ok && withFallback.event.time).toBe('2026-01-02T00:00:00.000Z');
    expect(decodeObject(noTime)).toMatchObject({ ok: false, reason: 'missing_field' });
  });

  it('truncates very long attacker-controlled strings', () => {
    const result = decodeObject({ ...base, data: { request: { client_id: 'x'.repeat(100_000) } } });
    expect(result.ok && result.event.clientId?.length).toBe(1024);
  });

  it('does not read inherited properties', () => {
    const result = decodeObject({
      ...base,
      source: 'crn://confluent.cloud/',
      data: JSON.parse('{"cloudResources":[{"resource":{"type":"constructor","resourceId":"x"}}]}'),
    });
    expect(result.ok && result.event.cloudResourceType).toBe('constructor');
    expect(result.ok && result.event.cluster).toBeUndefined();
  });

  it.each([
    ['io.confluent.kafka.server/authentication', 'authentication'],
    ['io.confluent.sg.server/authentication', 'authentication'],
    ['io.confluent.cloud/request', 'request'],
    ['io.confluent.cloud/access-transparency', 'access-transparency'],
    ['io.confluent.something/new-kind', 'other'],
    ['no-slash', 'other'],
  ])('category of %s is %s', (type, category) => {
    expect(categoryOf(type)).toBe(category);
  });

  it.each([
    ['User:sa-1 granted', { authorizationInfo: { granted: true } }, 'success'],
    ['DENY', { authorizationInfo: { result: 'DENY' } }, 'denied'],
    ['UNSET', { result: { status: 'UNSET' } }, 'unknown'],
    ['request FAILURE', { result: { status: 'FAILURE' } }, 'failure'],
    [
      'authentication FAILURE beats ALLOW',
      { authenticationInfo: { result: 'FAILURE' }, authorizationInfo: { result: 'ALLOW' } },
      'failure',
    ],
    ['lower-case success', { result: { status: 'success' } }, 'success'],
  ])('outcome: %s', (_name, data, outcome) => {
    const result = decodeObject({ ...base, type: 'io.confluent.cloud/request', data });
    expect(result.ok && result.event.outcome).toBe(outcome);
  });
});
