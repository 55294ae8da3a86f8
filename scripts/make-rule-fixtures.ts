/**
 * Writes the synthetic event fixtures of the built-in rules' behaviour tests
 * (rules/tests/*.jsonl). Run `npx tsx scripts/make-rule-fixtures.ts` after
 * changing a builder; the files are committed so `rules test` needs no build step.
 */
import { writeFileSync } from 'node:fs';
import {
  at,
  controlPlane,
  DAY,
  HOUR,
  ipFilter,
  jsonLines,
  kafkaAuth,
  kafkaAuthz,
  MINUTE,
  ORG,
  ENV,
  SECOND,
  type RawEvent,
} from '../test/support/events.js';

const T = '2026-03-02T10:00:00.000Z'; // a Monday, 10:00 UTC
const dir = new URL('../rules/tests/', import.meta.url);

function write(name: string, events: RawEvent[]): void {
  writeFileSync(new URL(`${name}.jsonl`, dir), jsonLines(events));
}

const fail = (credential: string, ms: number, ip = '203.0.113.9') =>
  kafkaAuth({ time: at(T, ms), credential, ip, ok: false });
const ok = (credential: string, ms: number, ip = '10.0.0.7', cluster?: string) =>
  kafkaAuth({ time: at(T, ms), credential, ip, ok: true, principal: 'User:sa-app001', cluster });

write(
  'failed-auth-burst.fires',
  [0, 5, 10, 20, 30, 40].map((s) => fail('BRUTEKEY00000001', s * 1000)),
);
write('failed-auth-burst.quiet', [
  ...[0, 10, 20, 30].map((s) => fail('FEWKEY0000000001', s * 1000)),
  ...[0, 45, 90, 135, 180].map((s) => fail('SLOWKEY000000001', s * 1000)),
]);

write(
  'credential-stuffing.fires',
  [1, 2, 3, 4, 5].map((n) => fail(`STUFFKEY0000000${n}`, n * 20_000, '203.0.113.50')),
);
write('credential-stuffing.quiet', [
  ...[1, 2, 3, 4, 5, 6].map((n) => fail('SAMEKEY000000001', n * 10_000, '203.0.113.51')),
  ...[1, 2, 3, 4, 5].map((n) => fail(`SPREADKEY000000${n}`, n * 10_000, `198.51.100.${n}`)),
]);

write('brute-force-success.fires', [
  fail('GUESSKEY00000001', 0),
  fail('GUESSKEY00000001', 30_000),
  fail('GUESSKEY00000001', 60_000),
  ok('GUESSKEY00000001', 5 * MINUTE, '203.0.113.9'),
]);
write('brute-force-success.quiet', [
  fail('TYPOKEY000000001', 0),
  ok('TYPOKEY000000001', 10_000),
  ...[0, 1, 2].map((n) => fail('LATEKEY000000001', n * 1000)),
  ok('LATEKEY000000001', 30 * MINUTE),
]);

write('api-key-new-ip.fires', [ok('APPKEY0000000001', 0, '10.0.0.7'), ok('APPKEY0000000001', 2 * DAY, '203.0.113.77')]);
write('api-key-new-ip.quiet', [
  ok('APPKEY0000000009', 0, '10.0.0.7'),
  ok('APPKEY0000000009', 2 * HOUR, '10.0.0.8'),
  ok('APPKEY0000000009', 2 * DAY, '10.0.0.7'),
  ok('APPKEY0000000009', 3 * DAY, '10.0.0.8'),
]);

write('api-key-new-cluster.fires', [
  ok('APPKEY0000000002', 0, '10.0.0.7', 'lkc-abc123'),
  ok('APPKEY0000000002', 2 * DAY, '10.0.0.7', 'lkc-other9'),
]);
write('api-key-new-cluster.quiet', [
  ok('APPKEY0000000008', 0, '10.0.0.7', 'lkc-abc123'),
  ok('APPKEY0000000008', 2 * DAY, '10.0.0.7', 'lkc-abc123'),
]);

write('api-key-dormant-reuse.fires', [ok('OLDKEY0000000001', 0), ok('OLDKEY0000000001', 31 * DAY)]);
write(
  'api-key-dormant-reuse.quiet',
  [0, 1, 2, 3, 4, 5].map((d) => ok('DAILYKEY00000001', d * DAY)),
);

const signIn = (email: string, ms: number, failed: boolean) =>
  controlPlane({
    time: at(T, ms),
    method: 'SignIn',
    user: 'u-victim1',
    email,
    accessType: 'READ_ONLY',
    failed,
    ip: '192.0.2.44',
  });
write(
  'signin-failure-burst.fires',
  [0, 1, 2, 3, 4].map((m) => signIn('victim@example.com', m * MINUTE, true)),
);
write(
  'signin-failure-burst.quiet',
  [0, 1, 2, 3, 4, 5].map((m) => signIn('busy@example.com', m * MINUTE, false)),
);

const SATURDAY_NIGHT = '2026-03-07T23:30:00.000Z';
const TUESDAY = '2026-03-03T14:00:00.000Z';
write('after-hours-org-change.fires', [
  controlPlane({
    time: SATURDAY_NIGHT,
    method: 'CreateAPIKey',
    email: 'ops@example.com',
    resource: { type: 'API_KEY', resourceId: 'NEWKEY0000000001' },
  }),
  controlPlane({
    time: at(SATURDAY_NIGHT, 5 * MINUTE),
    method: 'CreateServiceAccount',
    email: 'ops@example.com',
    resource: { type: 'SERVICE_ACCOUNT', resourceId: 'sa-new001' },
  }),
]);
write('after-hours-org-change.quiet', [
  controlPlane({ time: TUESDAY, method: 'CreateAPIKey', email: 'ops@example.com' }),
  controlPlane({ time: SATURDAY_NIGHT, method: 'GetAPIKeys', accessType: 'READ_ONLY' }),
  controlPlane({ time: SATURDAY_NIGHT, method: 'CreateAPIKey', failed: true }),
]);

const bind = (role: string, failed = false) =>
  controlPlane({
    time: at(T, HOUR),
    method: 'BindRoleForPrincipal',
    email: 'ops@example.com',
    resource: { type: 'ROLE_BINDING', resourceId: 'rb-1' },
    requestData: { principal: 'User:sa-newadmin', role_name: role },
    failed,
  });
write('privileged-role-granted.fires', [bind('OrganizationAdmin')]);
write('privileged-role-granted.quiet', [bind('DeveloperRead'), bind('OrganizationAdmin', true)]);

const clusterScope = [
  { type: 'ORGANIZATION', resourceId: ORG },
  { type: 'ENVIRONMENT', resourceId: ENV },
];
write('destructive-change.fires', [
  controlPlane({
    time: T,
    method: 'DeleteKafkaCluster',
    scope: clusterScope,
    resource: { type: 'CLOUD_CLUSTER', resourceId: 'lkc-abc123' },
  }),
]);
write('destructive-change.quiet', [
  kafkaAuthz({
    time: T,
    principal: 'User:sa-app001',
    method: 'kafka.DeleteTopics',
    operation: 'Delete',
    resourceType: 'Topic',
    resourceName: 'old-topic',
    granted: true,
  }),
  controlPlane({
    time: T,
    method: 'DeleteKafkaCluster',
    failed: true,
    scope: clusterScope,
    resource: { type: 'CLOUD_CLUSTER', resourceId: 'lkc-abc123' },
  }),
]);

write('exfiltration-path-created.fires', [
  controlPlane({
    time: T,
    method: 'CreateConnector',
    user: 'sa-etl001',
    scope: clusterScope,
    resource: { type: 'CONNECTOR', resourceId: 'lcc-s3sink1' },
  }),
]);
write('exfiltration-path-created.quiet', [
  controlPlane({ time: T, method: 'ListConnectors', accessType: 'READ_ONLY' }),
]);

write('confluent-staff-access.fires', [
  controlPlane({
    time: T,
    method: 'confluent.privileged.access',
    type: 'io.confluent.cloud/access-transparency',
    user: 'u-support',
    accessType: 'READ_ONLY',
  }),
]);
write('confluent-staff-access.quiet', [controlPlane({ time: T, method: 'GetKafkaClusters', accessType: 'READ_ONLY' })]);

write('ip-filter-denied.fires', [
  ipFilter({ time: T, ip: '192.0.2.200', denied: true }),
  ipFilter({ time: at(T, MINUTE), ip: '192.0.2.200', denied: true }),
]);
write('ip-filter-denied.quiet', [ipFilter({ time: T, ip: '10.1.1.1', denied: false })]);

const del = (topic: string, ms: number) =>
  kafkaAuthz({
    time: at(T, ms),
    principal: 'User:sa-cleanup1',
    method: 'kafka.DeleteTopics',
    operation: 'Delete',
    resourceType: 'Topic',
    resourceName: topic,
    granted: true,
    type: 'request',
  });
write(
  'mass-topic-deletion.fires',
  ['a', 'b', 'c', 'd', 'e'].map((t, i) => del(`orders-${t}`, i * MINUTE)),
);
write(
  'mass-topic-deletion.quiet',
  [0, 1, 2, 3, 4, 5].map((i) => del('orders-a', i * MINUTE)),
);

const deny = (topic: string, ms: number) =>
  kafkaAuthz({
    time: at(T, ms),
    principal: 'User:sa-probe01',
    method: 'kafka.Metadata',
    operation: 'Describe',
    resourceType: 'Topic',
    resourceName: topic,
    granted: false,
  });
write(
  'permission-probing.fires',
  ['payments', 'payroll', 'customers', 'secrets', 'audit'].map((t, i) => deny(t, i * 30_000)),
);
write(
  'permission-probing.quiet',
  [0, 1, 2, 3, 4, 5, 6].map((i) => deny('payments', i * 30_000)),
);

write('acl-change.fires', [
  kafkaAuthz({
    time: T,
    principal: 'User:sa-deploy01',
    method: 'kafka.CreateAcls',
    operation: 'Alter',
    resourceType: 'Cluster',
    resourceName: 'kafka-cluster',
    granted: true,
    type: 'request',
  }),
]);
write('acl-change.quiet', [
  kafkaAuthz({
    time: T,
    principal: 'User:sa-deploy01',
    method: 'kafka.DescribeAcls',
    operation: 'Describe',
    resourceType: 'Cluster',
    resourceName: 'kafka-cluster',
    granted: true,
  }),
]);

write('audit-log-silence', [ok('APPKEY0000000001', 0)]);

// Baseline rules (rules/volume.yaml): an hour of a key's usual traffic, which the tests repeat as history
// (`history: { repeat: 80, every: 1h }`, so the key has learned for 3 days 8 hours), then the hour under test.
const H = '2026-03-02T00:00:00.000Z';
const TEST_HOUR = at(H, 80 * HOUR);
/** `counts[i]` events in the i-th 10-minute bucket from `start`, spread inside it; make(ms, n) builds one. */
const buckets = (start: string, counts: number[], make: (time: string, n: number) => RawEvent): RawEvent[] =>
  counts.flatMap((c, i) =>
    Array.from({ length: c }, (_, j) =>
      make(at(start, i * 10 * MINUTE + Math.floor(((j + 1) * 10 * MINUTE) / (c + 1))), j),
    ),
  );

const keyAuth = (credential: string) => (time: string) =>
  kafkaAuth({ time, credential, ip: '10.0.0.7', ok: true, principal: 'User:sa-app001' });
write('api-key-volume-spike.history', buckets(H, [3, 5, 4, 6, 2, 5], keyAuth('APPKEY0000000003')));
write('api-key-volume-spike.fires', buckets(TEST_HOUR, [4, 40], keyAuth('APPKEY0000000003')));
write('api-key-volume-spike.quiet', [
  ...buckets(TEST_HOUR, [4, 12, 9, 3], keyAuth('APPKEY0000000003')),
  ...buckets(TEST_HOUR, [0, 60], keyAuth('NEWKEY0000000007')),
]);

const denied = (principal: string) => (time: string, n: number) =>
  kafkaAuthz({
    time,
    principal,
    method: 'kafka.Metadata',
    operation: 'Describe',
    resourceType: 'Topic',
    resourceName: `payments-${n % 2}`,
    granted: false,
  });
write('principal-denial-spike.history', buckets(H, [2, 3, 1, 4, 2, 3], denied('User:sa-misconf1')));
write('principal-denial-spike.fires', buckets(TEST_HOUR, [3, 30], denied('User:sa-misconf1')));
write('principal-denial-spike.quiet', [
  ...buckets(TEST_HOUR, [3, 8, 4], denied('User:sa-misconf1')),
  ...buckets(TEST_HOUR, [0, 25], denied('User:sa-fresh01')),
]);

const touch = (offset: number) => (time: string, n: number) =>
  kafkaAuthz({
    time,
    principal: 'User:sa-app001',
    method: 'kafka.Metadata',
    operation: 'Describe',
    resourceType: 'Topic',
    resourceName: `orders-${(n + offset) % 60}`,
    granted: true,
  });
// Usually 3 to 5 of six topics per bucket; the spike touches 40 different ones.
write(
  'principal-resource-spread.history',
  [3, 4, 5, 4, 3, 4].flatMap((c, i) => buckets(at(H, i * 10 * MINUTE), [c], touch(i % 2))),
);
write('principal-resource-spread.fires', [
  ...buckets(TEST_HOUR, [4], touch(0)),
  ...buckets(at(TEST_HOUR, 10 * MINUTE), [40], touch(10)),
]);
write('principal-resource-spread.quiet', [
  ...buckets(TEST_HOUR, [12], touch(10)),
  ...Array.from({ length: 60 }, (_, n) => touch(0)(at(TEST_HOUR, 10 * MINUTE + n * 5 * SECOND), n % 6)),
]);

const change =
  (method: string, type: string, failed = false) =>
  (time: string, n: number) =>
    controlPlane({
      time,
      method,
      email: 'ops@example.com',
      resource: { type, resourceId: `${type.toLowerCase()}-${n}` },
      failed,
    });
write('org-change-spike.history', [
  ...buckets(H, [1], change('CreateAPIKey', 'API_KEY')),
  ...buckets(at(H, 30 * MINUTE), [1], change('BindRoleForPrincipal', 'ROLE_BINDING')),
]);
write('org-change-spike.fires', [
  ...buckets(at(TEST_HOUR, 10 * MINUTE), [6], change('CreateAPIKey', 'API_KEY')),
  ...buckets(at(TEST_HOUR, 10 * MINUTE), [6], change('CreateServiceAccount', 'SERVICE_ACCOUNT')),
]);
write('org-change-spike.quiet', [
  ...buckets(at(TEST_HOUR, 10 * MINUTE), [6], change('CreateAPIKey', 'API_KEY')),
  ...buckets(at(TEST_HOUR, 20 * MINUTE), [12], change('UpdateKafkaCluster', 'CLOUD_CLUSTER')),
  ...buckets(at(TEST_HOUR, 30 * MINUTE), [12], change('CreateAPIKey', 'API_KEY', true)),
  ...buckets(at(TEST_HOUR, 40 * MINUTE), [15], (time) =>
    controlPlane({ time, method: 'GetAPIKeys', email: 'ops@example.com', accessType: 'READ_ONLY' }),
  ),
]);
