/**
 * Builders of synthetic Confluent audit events in the real wire shapes (see
 * CONFLUENT-AUDIT-EVENTS.md): the broker shape for authentication and
 * authorization, the control-plane shape for organization changes. Every event
 * they make is synthetic; fixtures made from them say so.
 */
export type RawEvent = Record<string, unknown>;

export const ORG = '11111111-2222-3333-4444-555555555555';
export const ENV = 'env-abc12';

export function clusterCrn(cluster: string, env = ENV): string {
  return `crn://confluent.cloud/organization=${ORG}/environment=${env}/cloud-cluster=${cluster}/kafka=${cluster}`;
}

let sequence = 0;
function nextId(prefix: string): string {
  sequence++;
  return `${prefix}-${String(sequence).padStart(8, '0')}`;
}

export interface KafkaAuthOptions {
  id?: string;
  time: string;
  credential: string;
  ip: string;
  ok: boolean;
  principal?: string;
  cluster?: string;
  mechanism?: string;
  status?: string;
}

/** `kafka.Authentication`: a success names the principal; a failure is `None:UNKNOWN_USER`. */
export function kafkaAuth(o: KafkaAuthOptions): RawEvent {
  const crn = clusterCrn(o.cluster ?? 'lkc-abc123');
  return {
    specversion: '1.0',
    id: o.id ?? nextId('auth'),
    source: crn,
    subject: crn,
    type: 'io.confluent.kafka.server/authentication',
    datacontenttype: 'application/json',
    time: o.time,
    data: {
      serviceName: crn,
      methodName: 'kafka.Authentication',
      resourceName: crn,
      authenticationInfo: {
        principal: o.ok ? (o.principal ?? 'User:sa-app001') : 'None:UNKNOWN_USER',
        ...(o.ok ? { principalResourceId: (o.principal ?? 'User:sa-app001').replace(/^User:/, '') } : {}),
        metadata: { mechanism: o.mechanism ?? 'SASL_SSL/PLAIN', identifier: o.credential },
      },
      clientAddress: [{ ip: o.ip, port: 40000 + (sequence % 20000) }],
      requestMetadata: { connection_id: '166974528338100003' },
      result: {
        status: o.status ?? (o.ok ? 'SUCCESS' : 'UNAUTHENTICATED'),
        message: o.ok ? '' : 'Authentication failed',
      },
    },
  };
}

export interface KafkaAuthzOptions {
  id?: string;
  time: string;
  principal: string;
  method: string;
  operation: string;
  resourceType: string;
  resourceName: string;
  granted: boolean;
  cluster?: string;
  clientId?: string;
  ip?: string;
  type?: 'authorization' | 'request';
}

/** A broker authorization check (or admin request) on a topic, group or the cluster. */
export function kafkaAuthz(o: KafkaAuthzOptions): RawEvent {
  const cluster = o.cluster ?? 'lkc-abc123';
  const crn = clusterCrn(cluster);
  const resource =
    o.resourceType === 'Topic'
      ? `${crn}/topic=${o.resourceName}`
      : o.resourceType === 'Group'
        ? `${crn}/group=${o.resourceName}`
        : crn;
  return {
    specversion: '1.0',
    id: o.id ?? nextId('authz'),
    source: crn,
    subject: resource,
    type: `io.confluent.kafka.server/${o.type ?? 'authorization'}`,
    time: o.time,
    data: {
      serviceName: crn,
      methodName: o.method,
      resourceName: resource,
      authenticationInfo: { principal: o.principal, principalResourceId: o.principal.replace(/^User:/, '') },
      authorizationInfo: {
        granted: o.granted,
        operation: o.operation,
        resourceType: o.resourceType,
        resourceName: o.resourceName,
        patternType: 'LITERAL',
        ...(o.granted
          ? {
              rbacAuthorization: {
                role: 'DeveloperWrite',
                scope: {
                  outerScope: [`organization=${ORG}`, `environment=${ENV}`],
                  clusters: { 'kafka-cluster': cluster },
                },
              },
            }
          : {}),
      },
      request: { correlation_id: '17', client_id: o.clientId ?? 'app-client' },
      requestMetadata: { client_address: `/${o.ip ?? '10.0.0.5'}` },
    },
  };
}

/** `mds.Authorize`: the RBAC checks that make up most of a real audit log. */
export function mdsAuthorize(o: {
  id?: string;
  time: string;
  principal: string;
  operation?: string;
  granted?: boolean;
}): RawEvent {
  return {
    specversion: '1.0',
    id: o.id ?? nextId('mds'),
    source: 'crn://confluent.cloud/',
    subject: `crn://confluent.cloud/organization=${ORG}/environment=${ENV}`,
    type: 'io.confluent.kafka.server/authorization',
    time: o.time,
    data: {
      serviceName: 'crn://confluent.cloud/',
      methodName: 'mds.Authorize',
      resourceName: `crn://confluent.cloud/organization=${ORG}/environment=${ENV}`,
      authenticationInfo: { principal: o.principal },
      authorizationInfo: {
        granted: o.granted ?? true,
        operation: o.operation ?? 'AccessWithToken',
        resourceType: 'Environment',
        resourceName: 'environment',
        patternType: 'LITERAL',
        rbacAuthorization: { role: 'EnvironmentAdmin', scope: { outerScope: [`organization=${ORG}`] } },
      },
      request: { correlation_id: '-1' },
    },
  };
}

export interface ControlPlaneOptions {
  id?: string;
  time: string;
  method: string;
  user?: string;
  email?: string;
  ip?: string;
  accessType?: 'READ_ONLY' | 'MODIFICATION';
  resource?: { type: string; resourceId: string };
  scope?: Array<{ type: string; resourceId: string }>;
  requestData?: Record<string, unknown>;
  failed?: boolean;
  credential?: string;
  type?: string;
}

/** An `io.confluent.cloud/request` event (organization, IAM, RBAC, resources). */
export function controlPlane(o: ControlPlaneOptions): RawEvent {
  const user = o.user ?? 'u-ops001';
  const principal = user.startsWith('sa-')
    ? { confluentServiceAccount: { resourceId: user } }
    : { ...(o.email ? { email: o.email } : {}), confluentUser: { resourceId: user } };
  return {
    specversion: '1.0',
    id: o.id ?? nextId('cp'),
    source: 'crn://confluent.cloud/',
    subject: `crn://confluent.cloud/organization=${ORG}`,
    type: o.type ?? 'io.confluent.cloud/request',
    datacontenttype: 'application/json',
    time: o.time,
    data: {
      serviceName: 'crn://confluent.cloud/',
      methodName: o.method,
      cloudResources: [
        {
          scope: { resources: o.scope ?? [{ type: 'ORGANIZATION', resourceId: ORG }] },
          resource: o.resource ?? { type: 'ORGANIZATION', resourceId: ORG },
        },
      ],
      authenticationInfo: {
        principal,
        ...(o.credential ? { credentials: { idSecretCredentials: { credentialId: o.credential } } } : {}),
        result: o.failed ? 'FAILURE' : 'SUCCESS',
      },
      requestMetadata: { requestId: [nextId('req')], clientAddress: [{ ip: o.ip ?? '198.51.100.20' }] },
      request: { accessType: o.accessType ?? 'MODIFICATION', ...(o.requestData ? { data: o.requestData } : {}) },
      result: { status: o.failed ? 'FAILURE' : 'SUCCESS' },
    },
  };
}

/** `ip-filter.Authorize`: a request from outside the organization's allowed networks. */
export function ipFilter(o: { id?: string; time: string; ip: string; denied: boolean; user?: string }): RawEvent {
  return {
    specversion: '1.0',
    id: o.id ?? nextId('ipf'),
    source: 'crn://confluent.cloud/',
    type: 'io.confluent.cloud/authorization',
    time: o.time,
    data: {
      serviceName: 'crn://confluent.cloud/',
      methodName: 'ip-filter.Authorize',
      resourceName: `crn://confluent.cloud/organization=${ORG}`,
      authenticationInfo: { principal: { confluentUser: { resourceId: o.user ?? 'u-ops001' } } },
      authorizationInfo: { result: o.denied ? 'DENY' : 'ALLOW', ipfilterAuthorization: { clientIp: o.ip } },
    },
  };
}

/** Adds `ms` milliseconds to an RFC 3339 UTC time. */
export function at(base: string, ms: number): string {
  return new Date(Date.parse(base) + ms).toISOString();
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** JSON lines, one event per line. */
export function jsonLines(events: RawEvent[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n') + '\n';
}
