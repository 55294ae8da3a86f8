import { describe, expect, it } from 'vitest';
import { contextOf } from '../../src/alerts/alert.js';
import { decodeObject } from '../../src/decode/decode.js';
import { withoutSecrets } from '../../src/decode/request-data.js';
import { decodedFixtures, fixtureEvent } from '../support/fixtures.js';

const CAT = 'catalog-events.jsonl';
const ORG = '11111111-2222-3333-4444-555555555555';
const ev = (id: string) => fixtureEvent(CAT, id).event;

describe('decode: the rest of Confluent’s event catalogue (synthetic, from the documented structure)', () => {
  it('identity provider created: provider id, identity CRN of an SSO user, exposure', () => {
    expect(ev('cat-0001-create-idp')).toMatchObject({
      method: 'CreateIdentityProvider',
      identityProvider: 'op-abc123',
      cloudResourceType: 'IDENTITY_PROVIDER',
      change: true,
      exposure: 'CUSTOMER',
      identity: `crn://confluent.cloud/organization=${ORG}/sso-connection=conn-corp/identity=ops@example.com`,
      organization: ORG,
    });
  });

  it('identity pool updated: pool and its provider from the cloud resources', () => {
    expect(ev('cat-0002-update-pool')).toMatchObject({
      identityPool: 'pool-Xy12',
      identityProvider: 'op-abc123',
      change: true,
    });
  });

  it('an identity-pool principal: the provider comes from authenticationInfo.identity', () => {
    expect(ev('cat-0003-pool-authorize')).toMatchObject({
      principal: 'User:pool-Xy12',
      principalId: 'pool-Xy12',
      identityProvider: 'op-abc123',
      environment: 'env-abc12',
    });
  });

  it('user deletion and invitation are changes on a USER resource', () => {
    expect(ev('cat-0004-delete-user')).toMatchObject({
      method: 'DeleteUser',
      cloudResourceType: 'USER',
      cloudResourceId: 'u-gone01',
      change: true,
    });
    expect(ev('cat-0005-invite')).toMatchObject({ method: 'InviteUser', change: true, outcome: 'success' });
  });

  it('API key owner: another principal, or the actor itself (owner.id and spec.owner.id)', () => {
    expect(ev('cat-0006-apikey-for-sa')).toMatchObject({
      principal: 'User:u-ops001',
      targetPrincipal: 'User:sa-admin01',
      targetIsSelf: false,
    });
    expect(ev('cat-0007-apikey-self')).toMatchObject({
      principal: 'User:sa-etl001',
      targetPrincipal: 'User:sa-etl001',
      targetIsSelf: true,
    });
    expect(ev('cat-0001-create-idp').targetIsSelf).toBeUndefined();
  });

  it('role bindings compare their target with the actor too', () => {
    const { event } = fixtureEvent('synthetic-events.jsonl', 'syn-0006-bind-orgadmin');
    expect(event).toMatchObject({ targetPrincipal: 'User:sa-newadmin', targetIsSelf: false });
  });

  it('perimeter: IP filter deletion, peering on a network', () => {
    expect(ev('cat-0008-delete-ipfilter')).toMatchObject({
      method: 'DeleteIpFilter',
      cloudResourceType: 'IP_FILTER',
      cloudResourceId: 'ipf-123',
      change: true,
    });
    expect(ev('cat-0009-create-peering')).toMatchObject({
      network: 'n-abc123',
      cloudResourceType: 'PEERING',
      environment: 'env-abc12',
    });
  });

  it('cluster link creation on the broker', () => {
    expect(ev('cat-0010-cluster-link')).toMatchObject({
      method: 'kafka.CreateClusterLinks',
      cluster: 'lkc-abc123',
      credentialId: 'LINKKEY000000001',
      change: true,
    });
  });

  it('connector destination and class from the config; secret keys never read', () => {
    const { event } = fixtureEvent(CAT, 'cat-0011-connector-update');
    expect(event).toMatchObject({
      connector: 'lcc-s3sink1',
      connectorClass: 'S3_SINK',
      connectorDestination: 'outside-bucket',
      cluster: 'lkc-abc123',
    });
    expect(JSON.stringify(event)).not.toContain('SECRETVALUE123');
  });

  it('connection URLs lose user info, query strings and JDBC properties', () => {
    const { event } = fixtureEvent(CAT, 'cat-0012-jdbc-connector');
    expect(event.connectorDestination).toBe('jdbc:postgresql://db.example.com:5432/sales');
    expect(JSON.stringify(event)).not.toContain('hunter2');
    expect(withoutSecrets('mongodb+srv://u:p@cluster0.example.net/db')).toBe('mongodb+srv://cluster0.example.net/db');
    expect(withoutSecrets('jdbc:sqlserver://db.example.com:1433;user=sa;password=x')).toBe(
      'jdbc:sqlserver://db.example.com:1433',
    );
    expect(withoutSecrets('user:pass@host')).toBe('host');
  });

  it('custom connector plugin upload', () => {
    expect(ev('cat-0013-custom-plugin')).toMatchObject({
      cloudResourceType: 'CUSTOM_CONNECTOR_PLUGIN',
      connectorClass: 'com.example.SinkConnector',
      change: true,
    });
  });

  it('Flink statement, every key snake_case: region, statement, principal, request metadata', () => {
    expect(ev('cat-0014-flink-statement')).toMatchObject({
      method: 'CreateStatement',
      principal: 'User:u-dev001',
      email: 'dev@example.com',
      flinkRegion: 'AWS.eu-central-1',
      statement: 'insert-orders-copy',
      environment: 'env-abc12',
      clientIp: '203.0.113.30',
      requestId: 'f11e0c0ffee',
      accessType: 'MODIFICATION',
      change: true,
      exposure: 'CUSTOMER',
      time: '2026-03-04T13:00:00.123Z',
    });
  });

  it('failed Flink authentication: credential, region from the subject CRN, extra top-level keys ignored', () => {
    expect(ev('cat-0015-flink-auth-fail')).toMatchObject({
      category: 'authentication',
      outcome: 'failure',
      credentialId: 'FLINKKEY00000001',
      flinkRegion: 'AWS.eu-central-1',
    });
  });

  it('Tableflow table creation', () => {
    expect(ev('cat-0016-tableflow')).toMatchObject({
      method: 'TableflowCreateTable',
      cluster: 'lkc-abc123',
      change: true,
    });
  });

  it('Schema Registry authentication failure fills what the authentication rules group and match on', () => {
    const { event } = fixtureEvent(CAT, 'cat-0017-sr-auth-fail');
    expect(event).toMatchObject({
      category: 'authentication',
      method: 'schema-registry.Authentication',
      outcome: 'failure',
      credentialId: 'SRKEY00000000002',
      clientIp: '203.0.113.40',
      schemaRegistry: 'lsrc-q1w2e3',
      environment: 'env-abc12',
    });
    expect(event.principal).toBeUndefined();
  });

  it('Schema Registry subject: from a subject= CRN, and from a Subject authorization', () => {
    expect(ev('cat-0018-sr-delete-subject')).toMatchObject({
      schemaSubject: 'orders-value',
      schemaRegistry: 'lsrc-q1w2e3',
      change: true,
      outcome: 'success',
    });
    expect(ev('cat-0019-sr-authz-denied')).toMatchObject({
      schemaSubject: 'payments-value',
      outcome: 'denied',
      category: 'authorization',
    });
  });

  it('Access Transparency: employee location and job family', () => {
    const { event } = fixtureEvent(CAT, 'cat-0020-staff-access');
    const employee = { employeeBaseLocation: 'IN', employeeJobFamily: 'Support Engineer' };
    expect(event).toMatchObject({ category: 'access-transparency', cluster: 'lkc-abc123', ...employee });
    expect(contextOf(event)).toMatchObject(employee);
  });

  it('every event of the file decodes', () => {
    expect(decodedFixtures(CAT)).toHaveLength(20);
  });
});

describe('decode: hostile or unexpected request data', () => {
  const base = {
    id: 'h1',
    type: 'io.confluent.cloud/request',
    source: 'crn://confluent.cloud/',
    specversion: '1.0',
    time: '2026-01-01T00:00:00Z',
  };
  const decode = (data: unknown) => {
    const result = decodeObject({ ...base, data });
    if (!result.ok) throw new Error(result.message);
    return result.event;
  };

  it.each([
    ['owner is an array', { request: { data: { owner: ['sa-1'] } } }],
    ['config is a string', { request: { data: { config: 'x' } } }],
    ['config values are objects', { request: { data: { config: { 'connector.class': {}, 's3.bucket.name': [1] } } } }],
    ['identity is a number', { authenticationInfo: { identity: 5, exposure: {} } }],
    ['identity is not a CRN', { authenticationInfo: { identity: 'nope' } }],
    ['request data is null', { request: { data: null } }],
  ])('%s: fields absent, no throw', (_name, data) => {
    const event = decode(data);
    expect(event.targetPrincipal).toBeUndefined();
    expect(event.connectorClass).toBeUndefined();
    expect(event.connectorDestination).toBeUndefined();
    expect(event.identityProvider).toBeUndefined();
  });

  it('inherited keys are not read from the config', () => {
    const event = decode(JSON.parse('{"request":{"data":{"config":{"__proto__":{"connector.class":"Evil"}}}}}'));
    expect(event.connectorClass).toBeUndefined();
  });

  it('long destinations are bounded', () => {
    const event = decode({ request: { data: { config: { 's3.bucket.name': 'b'.repeat(5000) } } } });
    expect(event.connectorDestination?.length).toBe(1024);
  });
});
