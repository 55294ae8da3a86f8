import { describe, expect, it } from 'vitest';
import { decodeRecord } from '../../src/decode/decode.js';
import { fixtureEvent, fixtureLines } from '../support/fixtures.js';

const REAL = 'real-events.jsonl';

describe('decode: real Confluent events (S1–S8)', () => {
  it('decodes every line', () => {
    const lines = fixtureLines(REAL);
    expect(lines).toHaveLength(8);
    for (const line of lines) expect(decodeRecord(line).ok).toBe(true);
  });

  it('S1: CC broker authorization with numeric principal, RBAC, snake_case request and ids beyond 2^53', () => {
    const { event, timeMs } = fixtureEvent(REAL, '49114e95-52fb-44b0-a8f8-c92ac73c6744');
    expect(event).toMatchObject({
      time: '2022-11-30T04:09:09.999Z',
      type: 'io.confluent.kafka.server/authorization',
      category: 'authorization',
      method: 'kafka.DeleteRecords',
      principal: 'User:111569',
      principalId: 'u-425jq2',
      clientId: expect.stringMatching(/^_confluent-ksql-pksqlc-dzk2oquery_CTAS/) as unknown,
      connectionId: '166974528338100003',
      requestId: '166978134999900003',
      outcome: 'success',
      granted: true,
      decidedBy: 'rbac',
      operation: 'Delete',
      resourceType: 'Topic',
      patternType: 'LITERAL',
      role: 'OrganizationAdmin',
      change: true,
      organization: '822519a6-994c-43e6-a4df-9d877520f892',
      environment: 'env-xg59z',
      cluster: 'lkc-9kg320',
      topic: '_confluent-ksql-pksqlc-dzk2oquery_CTAS_CUSTOMER_ACTIVITES_SUMMARY_31-Aggregate-GroupBy-repartition',
    });
    expect(timeMs).toBe(Date.UTC(2022, 10, 30, 4, 9, 9, 999));
    expect(event.superUser).toBeUndefined();
  });

  it('S2: control-plane request with principal object, email, cloudResources, requestId[] and clientAddress[]', () => {
    const { event } = fixtureEvent(REAL, 'd15fc480-e158-4ad9-927d-4714b9062818');
    expect(event).toMatchObject({
      category: 'request',
      method: 'GetKafkaClusters',
      service: 'crn://confluent.cloud/',
      principal: 'User:u-epvowm',
      principalId: 'u-epvowm',
      email: 'cstow+svcs-apac@confluent.io',
      clientIp: '110.33.56.219',
      requestId: '6a8eb203095fcfe9997fcdd78c3822a0',
      accessType: 'READ_ONLY',
      change: false,
      status: 'SUCCESS',
      outcome: 'success',
      organization: '822519a6-994c-43e6-a4df-9d877520f892',
      environment: 'env-xg59z',
      cloudResourceType: 'ENVIRONMENT',
      cloudResourceId: 'env-xg59z',
    });
  });

  it('S3: CP 5.x (specversion 0.3, empty CRN authority, client_address with a leading slash, ACL)', () => {
    const { event } = fixtureEvent(REAL, 'b17cc9c7-96f0-413a-b94c-124e21834a55');
    expect(event).toMatchObject({
      specversion: '0.3',
      principal: 'User:producer',
      clientIp: '172.27.0.3',
      clientId: 'adminclient-1',
      decidedBy: 'acl',
      cluster: 'STOiZ_jWTxqgum3T5zEoqA',
      topic: 'bar',
      outcome: 'success',
    });
    expect(event.principalId).toBeUndefined();
  });

  it('S4: CP 7 mTLS authentication: certificate DN as credential, \\u003d escapes, empty principalResourceId, 6-digit fraction', () => {
    const { event } = fixtureEvent(REAL, 'fbdeefc6-2ae9-4ae9-88cc-159c4f360c0e');
    expect(event).toMatchObject({
      time: '2023-02-21T06:07:38.958Z',
      category: 'authentication',
      method: 'kafka.Authentication',
      principal: 'User:alice',
      mechanism: 'SSL',
      credentialId: 'CN=alice@mydomain.example,O=World Domination Inc.,L=McMahons Point,ST=NSW,C=AU',
      clientIp: '172.21.0.1',
      status: 'SUCCESS',
      outcome: 'success',
      cluster: 'EyVCDzKYSc2vXhyD-z9PXg',
    });
    expect(event.principalId).toBeUndefined();
    expect(event.message).toBeUndefined();
  });

  it('S5: a real denial with no deciding rule', () => {
    const { event } = fixtureEvent(REAL, '91b3626d-4b1a-49e0-9921-bdf120ced00d');
    expect(event).toMatchObject({
      granted: false,
      outcome: 'denied',
      decidedBy: 'none',
      operation: 'Describe',
      topic: 'no.rb.no.acl',
      clientId: 'console-producer',
    });
  });

  it('S6: camelCase request keys, super-user authorization, short CRN, source and subject differ', () => {
    const { event } = fixtureEvent(REAL, 'fc0f727d-899a-4a22-ad8b-a866871a9d37');
    expect(event).toMatchObject({
      clientId: 'adminclient-42',
      superUser: true,
      decidedBy: 'superuser',
      cluster: 'lkc-a1b2c',
      topic: 'departures',
    });
    expect(event.organization).toBeUndefined();
    expect(event.subject).toBe('crn://confluent.cloud/kafka=lkc-a2b2c');
  });

  it('S7: mds.Authorize on an environment CRN', () => {
    const { event } = fixtureEvent(REAL, 'f07bdde7-c633-41c9-abab-5ff3539e9967');
    expect(event).toMatchObject({
      method: 'mds.Authorize',
      service: 'crn://confluent.cloud/',
      operation: 'CreateCloudCluster',
      role: 'OrganizationAdmin',
      principalId: 'u-1abc2d',
      environment: 'env-1ab2c',
      organization: '1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d',
      outcome: 'success',
    });
    expect(event.cluster).toBeUndefined();
  });

  it('S8: a change (accessType MODIFICATION) with cloudResources without scope', () => {
    const { event } = fixtureEvent(REAL, '441a4cb2-5db4-4abf-85db-fada577ad120');
    expect(event).toMatchObject({
      method: 'ClaimPromoCode',
      accessType: 'MODIFICATION',
      change: true,
      cloudResourceType: 'ORGANIZATION',
      organization: 'e702dd15-ef01-412f-8460-33c94404b582',
      clientIp: '1.2.3.4',
      email: 'someone@example.com',
    });
  });

  it('keeps every digit of integers beyond 2^53, wherever they are', () => {
    const line = fixtureLines(REAL)[0]!;
    expect(line).toContain('166974528338100003');
    expect(JSON.stringify(JSON.parse(line))).not.toContain('166974528338100003');
    const result = decodeRecord(line);
    expect(result.ok && result.event.connectionId).toBe('166974528338100003');
  });
});
