/**
 * Writes the synthetic behaviour-test fixtures of the rules that watch the rest
 * of Confluent's catalogue (identity, network, data movement, Stream
 * Governance): rules/tests/*.jsonl. Run `npx tsx scripts/make-catalog-fixtures.ts`
 * after changing a builder; make-rule-fixtures.ts writes the others.
 */
import { writeFileSync } from 'node:fs';
import {
  at,
  controlPlane,
  DAY,
  ENV,
  HOUR,
  jsonLines,
  kafkaAuthz,
  MINUTE,
  ORG,
  type RawEvent,
} from '../test/support/events.js';

const T = '2026-03-02T10:00:00.000Z'; // a Monday, 10:00 UTC
const dir = new URL('../rules/tests/', import.meta.url);

function write(name: string, events: RawEvent[]): void {
  writeFileSync(new URL(`${name}.jsonl`, dir), jsonLines(events));
}

const orgScope = [{ type: 'ORGANIZATION', resourceId: ORG }];
const envScope = [...orgScope, { type: 'ENVIRONMENT', resourceId: ENV }];
const clusterScope = [...envScope, { type: 'CLOUD_CLUSTER', resourceId: 'lkc-abc123' }];

/** The Flink examples in Confluent's docs spell every key of `data` in snake_case. */
function snakeCase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeCase);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeCase(v)]),
  );
}
const snakeData = (event: RawEvent): RawEvent => ({ ...event, data: snakeCase(event.data) });

// Identity and access.
const idp = (method: string, ms: number, failed = false) =>
  controlPlane({
    time: at(T, ms),
    method,
    email: 'ops@example.com',
    scope: orgScope,
    resource: { type: 'IDENTITY_PROVIDER', resourceId: 'op-abc123' },
    failed,
  });
write('identity-provider-changed.fires', [
  idp('CreateIdentityProvider', 0),
  controlPlane({
    time: at(T, MINUTE),
    method: 'UpdateIdentityPool',
    scope: orgScope,
    resource: { type: 'IDENTITY_POOL', resourceId: 'pool-Xy12' },
    requestData: { filter: 'true' },
  }),
]);
write('identity-provider-changed.quiet', [
  controlPlane({ time: T, method: 'ListIdentityProviders', accessType: 'READ_ONLY', scope: orgScope }),
  idp('DeleteIdentityProvider', MINUTE, true),
]);

write('sso-changed.fires', [
  controlPlane({
    time: T,
    method: 'UpdateSsoConfig',
    scope: orgScope,
    resource: { type: 'ORGANIZATION', resourceId: ORG },
  }),
]);
write('sso-changed.quiet', [
  controlPlane({ time: T, method: 'GetSsoConfig', accessType: 'READ_ONLY' }),
  controlPlane({ time: T, method: 'UpdateOrganization', requestData: { display_name: 'Acme' } }),
]);

const user = (method: string, id: string, ms: number, by = 'u-ops001') =>
  controlPlane({
    time: at(T, ms),
    method,
    user: by,
    scope: orgScope,
    resource: { type: 'USER', resourceId: id },
    requestData: { email: `${id}@example.com` },
  });
write('user-deleted.fires', [user('DeleteUser', 'u-gone01', 0)]);
write('user-deleted.quiet', [user('GetUsers', 'u-gone01', 0), user('InviteUser', 'u-new001', MINUTE)]);

write(
  'user-invitation-burst.fires',
  [1, 2, 3, 4, 5].map((n) => user('InviteUser', `u-guest0${n}`, n * 5 * MINUTE)),
);
write('user-invitation-burst.quiet', [
  ...[1, 2, 3, 4].map((n) => user('InviteUser', `u-new00${n}`, n * 5 * MINUTE)),
  ...[1, 2, 3, 4, 5].map((n) => user('InviteUser', `u-slow00${n}`, n * 25 * MINUTE, 'u-hr0001')),
]);

const apiKey = (by: string, owner: string, ms: number, failed = false) =>
  controlPlane({
    time: at(T, ms),
    method: 'CreateAPIKey',
    user: by,
    scope: envScope,
    resource: { type: 'API_KEY', resourceId: `KEY${owner.toUpperCase().replace(/-/g, '')}`.slice(0, 16) },
    requestData: { owner: { id: owner }, resource: { id: 'lkc-abc123' } },
    failed,
  });
write('api-key-for-other-principal.fires', [apiKey('u-ops001', 'sa-billing1', 0)]);
write('api-key-for-other-principal.quiet', [
  apiKey('u-ops001', 'u-ops001', 0),
  apiKey('sa-etl001', 'sa-etl001', MINUTE),
  apiKey('u-ops001', 'sa-billing1', 2 * MINUTE, true),
]);

const grant = (sa: string, role: string, ms: number) =>
  controlPlane({
    time: at(T, ms),
    method: 'CreateRoleBinding',
    scope: orgScope,
    resource: { type: 'ROLE_BINDING', resourceId: `rb-${sa}` },
    requestData: { principal: `User:${sa}`, role_name: role },
  });
write('admin-service-account-key.fires', [
  grant('sa-admin01', 'CloudClusterAdmin', 0),
  apiKey('u-ops001', 'sa-admin01', 2 * HOUR),
]);
write('admin-service-account-key.quiet', [
  grant('sa-reader1', 'DeveloperRead', 0),
  apiKey('u-ops001', 'sa-reader1', HOUR),
  grant('sa-admin02', 'OrganizationAdmin', 0),
  apiKey('u-ops001', 'sa-admin02', 8 * DAY),
]);

// Network and perimeter.
const ipFilterChange = (method: string, type: string, id: string, ms: number) =>
  controlPlane({
    time: at(T, ms),
    method,
    scope: orgScope,
    resource: { type, resourceId: id },
    requestData: { filter_name: 'office-only' },
  });
write('ip-filter-changed.fires', [
  ipFilterChange('DeleteIpFilter', 'IP_FILTER', 'ipf-123', 0),
  ipFilterChange('UpdateIpGroup', 'IP_GROUP', 'ipg-1', MINUTE),
]);
write('ip-filter-changed.quiet', [
  controlPlane({ time: T, method: 'ListIpFilters', accessType: 'READ_ONLY', scope: orgScope }),
]);

const networkScope = [...envScope, { type: 'NETWORK', resourceId: 'n-abc123' }];
write('network-perimeter-changed.fires', [
  controlPlane({
    time: T,
    method: 'CreatePeering',
    scope: networkScope,
    resource: { type: 'PEERING', resourceId: 'peer-1' },
  }),
  controlPlane({
    time: at(T, HOUR),
    method: 'CreatePrivateLinkAccess',
    scope: networkScope,
    resource: { type: 'PRIVATE_LINK_ACCESS', resourceId: 'pla-1' },
  }),
]);
write('network-perimeter-changed.quiet', [
  controlPlane({
    time: T,
    method: 'GetNetwork',
    accessType: 'READ_ONLY',
    scope: envScope,
    resource: { type: 'NETWORK', resourceId: 'n-abc123' },
  }),
  controlPlane({
    time: T,
    method: 'DeleteNetwork',
    scope: envScope,
    resource: { type: 'NETWORK', resourceId: 'n-abc123' },
  }),
]);

// Data movement.
const link = (method: string, ms: number) =>
  kafkaAuthz({
    time: at(T, ms),
    principal: 'User:sa-link001',
    method,
    operation: 'Alter',
    resourceType: 'Cluster',
    resourceName: 'kafka-cluster',
    granted: true,
    type: 'request',
  });
write('cluster-link-changed.fires', [link('kafka.DeleteClusterLinks', 0), link('kafka.AlterMirrors', 30 * MINUTE)]);
write('cluster-link-changed.quiet', [link('kafka.DescribeClusterLinks', 0), link('kafka.ListClusterLinks', MINUTE)]);

const s3Sink = (bucket: string) => ({
  'connector.class': 'S3_SINK',
  's3.bucket.name': bucket,
  'aws.secret.access.key': 'NOT-READ',
});
const connector = (method: string, destination: string | undefined, ms: number) =>
  controlPlane({
    time: at(T, ms),
    method,
    user: 'sa-etl001',
    scope: clusterScope,
    resource: { type: 'CONNECTOR', resourceId: 'lcc-s3sink1' },
    requestData: destination === undefined ? undefined : { config: s3Sink(destination) },
  });
write('connector-destination-changed.fires', [
  connector('CreateConnector', 'company-lake', 0),
  connector('CreateOrUpdateConnector', 'outside-bucket', DAY),
]);
write('connector-destination-changed.quiet', [
  connector('CreateConnector', 'company-lake', 0),
  connector('CreateOrUpdateConnector', 'company-lake', DAY),
  connector('PauseConnector', undefined, DAY + HOUR),
  connector('ResumeConnector', undefined, DAY + 2 * HOUR),
]);

const plugin = (method: string, accessType?: 'READ_ONLY') =>
  controlPlane({
    time: T,
    method,
    accessType,
    scope: orgScope,
    resource: { type: 'CUSTOM_CONNECTOR_PLUGIN', resourceId: 'ccp-4x2' },
  });
write('custom-connector-plugin-uploaded.fires', [plugin('CreateCustomConnectorPlugin')]);
write('custom-connector-plugin-uploaded.quiet', [
  plugin('ListCustomConnectorPlugins', 'READ_ONLY'),
  plugin('GetCustomConnectorPlugin', 'READ_ONLY'),
]);

const flinkScope = [...envScope, { type: 'FLINK_REGION', resourceId: 'AWS.eu-central-1' }];
const statement = (user: string, name: string, ms: number) =>
  snakeData(
    controlPlane({
      time: at(T, ms),
      method: 'CreateStatement',
      user,
      scope: flinkScope,
      resource: { type: 'FLINK_STATEMENT', resourceId: name },
    }),
  );
write('flink-statement-new-principal.fires', [
  statement('u-dev001', 'daily-agg', 0),
  statement('u-dev001', 'daily-agg-2', DAY),
  statement('u-intrude', 'copy-all', 8 * DAY),
]);
write('flink-statement-new-principal.quiet', [
  statement('u-dev001', 'daily-agg', 0),
  statement('u-dev002', 'hourly-agg', HOUR),
  ...[1, 2, 3, 8, 9].map((d) => statement(d % 2 === 0 ? 'u-dev001' : 'u-dev002', `run-${d}`, d * DAY)),
]);

const tableflow = (method: string, accessType?: 'READ_ONLY') =>
  controlPlane({
    time: T,
    method,
    accessType,
    scope: clusterScope,
    resource: { type: 'TABLEFLOW_TOPIC', resourceId: 'orders' },
  });
write('tableflow-table-created.fires', [tableflow('TableflowCreateTable')]);
write('tableflow-table-created.quiet', [
  tableflow('TableflowListTables', 'READ_ONLY'),
  tableflow('TableflowGetTable', 'READ_ONLY'),
]);

// Stream Governance.
const srScope = [...envScope, { type: 'SCHEMA_REGISTRY', resourceId: 'lsrc-q1w2e3' }];
const deleteSubject = (subject: string, ms: number, by = 'sa-schemas1') =>
  controlPlane({
    time: at(T, ms),
    method: 'schema-registry.DeleteSubject',
    type: 'io.confluent.sg.server/request',
    user: by,
    scope: srScope,
    resource: { type: 'SUBJECT', resourceId: subject },
  });
write(
  'mass-schema-deletion.fires',
  Array.from({ length: 10 }, (_, i) => deleteSubject(`topic-${i}-value`, i * 30_000)),
);
write('mass-schema-deletion.quiet', [
  ...Array.from({ length: 9 }, (_, i) => deleteSubject(`topic-${i}-value`, i * 30_000)),
  ...Array.from({ length: 10 }, (_, i) => deleteSubject(`old-${i}-value`, i * 5 * MINUTE, 'sa-cleanup2')),
]);

// Schema Registry failures in the documented shape, for the authentication rules.
const srFail = (ms: number): RawEvent => {
  const event = controlPlane({
    time: at(T, ms),
    method: 'schema-registry.Authentication',
    type: 'io.confluent.sg.server/authentication',
    scope: envScope,
    resource: { type: 'SCHEMA_REGISTRY', resourceId: 'lsrc-q1w2e3' },
    credential: 'SRBRUTEKEY000001',
    failed: true,
    ip: '203.0.113.60',
  });
  const data = event.data as { authenticationInfo: Record<string, unknown> };
  delete data.authenticationInfo.principal; // A failed authentication names no principal.
  return event;
};
write(
  'failed-auth-burst.sr.fires',
  [0, 5, 10, 15, 20].map((s) => srFail(s * 1000)),
);
