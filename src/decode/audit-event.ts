/**
 * The normalized, flat view of one Confluent audit event. These names are the
 * vocabulary of rule files, so they are part of the product: add fields, never
 * rename them. A field is absent (undefined, and left out of JSON) when the
 * event carries no such value.
 */
export interface AuditEvent {
  /** CloudEvents `id` (a UUID); the deduplication key. */
  id: string;
  /** Event time as RFC 3339 UTC with milliseconds, e.g. `2022-11-30T04:09:09.999Z`. */
  time: string;
  /** CloudEvents `type`, e.g. `io.confluent.kafka.server/authorization`. */
  type: string;
  /** Derived from `type`. */
  category: Category;
  /** CloudEvents `specversion` (`1.0`, or `0.3` on Confluent Platform 5.x). */
  specversion: string;
  /** `data.methodName`, e.g. `kafka.Authentication`, `CreateAPIKey`, `mds.Authorize`. */
  method?: string;
  /** `data.serviceName`: the CRN of the service that emitted the event. */
  service?: string;
  /** CloudEvents `source`: the CRN of the emitter. */
  source: string;
  /** CloudEvents `subject`: the CRN of the affected resource. */
  subject?: string;
  /** `data.resourceName`: the CRN the request targets. */
  resource?: string;
  /** One string form for every shape: `User:sa-abc123`, `User:alice`, `None:UNKNOWN_USER`. */
  principal?: string;
  /** The `u-`/`sa-`/`pool-` resource id of the principal when known. */
  principalId?: string;
  /** The principal's e-mail address when the event carries one. */
  email?: string;
  /** Authentication mechanism: `SASL_SSL/PLAIN`, `SSL`, `HTTP_BASIC`, … */
  mechanism?: string;
  /** The credential presented: API key, numeric user id or certificate DN. */
  credentialId?: string;
  /** Client IP address: no leading `/`, no port. */
  clientIp?: string;
  /** Kafka `client.id` (attacker-controlled text). */
  clientId?: string;
  /** Connection id as an exact decimal string (they exceed 2^53). */
  connectionId?: string;
  /** Request id as an exact string (first element when the event has an array). */
  requestId?: string;
  /** `success`, `failure` (authentication or request failed), `denied` or `unknown`. */
  outcome: Outcome;
  /** The raw result status string (`SUCCESS`, `UNAUTHENTICATED`, `FAILURE`, …). */
  status?: string;
  /** `authorizationInfo.granted`. */
  granted?: boolean;
  /** Which rule decided an authorization: `superuser`, `acl`, `rbac` or `none`. */
  decidedBy?: string;
  /** `authorizationInfo.operation`: `Read`, `Write`, `Create`, `CreateCloudCluster`, … */
  operation?: string;
  /** `authorizationInfo.resourceType`: `Topic`, `Group`, `Cluster`, … */
  resourceType?: string;
  /** `authorizationInfo.resourceName`: topic name, group id, `kafka-cluster`, … */
  resourceName?: string;
  /** `authorizationInfo.patternType`: `LITERAL` or `PREFIXED`. */
  patternType?: string;
  /** The RBAC role that allowed the action, or the role granted by a role-binding request. */
  role?: string;
  /** The principal a role-binding request grants to or revokes from, or the owner of an API key being created. */
  targetPrincipal?: string;
  /** Whether `targetPrincipal` is the acting principal itself (an API key for oneself); absent without both. */
  targetIsSelf?: boolean;
  /** `authorizationInfo.superUserAuthorization`. */
  superUser?: boolean;
  /** `request.accessType`: `READ_ONLY`, `MODIFICATION` or `UNKNOWN`. */
  accessType?: string;
  /** Whether the method changes something (from `accessType`, else from the method name). */
  change?: boolean;
  /** Type of the main `cloudResources` resource: `API_KEY`, `ENVIRONMENT`, `SERVICE_ACCOUNT`, … */
  cloudResourceType?: string;
  /** Id of the main `cloudResources` resource. */
  cloudResourceId?: string;
  /** Organization id (UUID) from the event's CRNs or cloud resources. */
  organization?: string;
  /** Environment id (`env-…`). */
  environment?: string;
  /** Kafka cluster id (`lkc-…`, or a base64 id on Confluent Platform). */
  cluster?: string;
  /** Topic name. */
  topic?: string;
  /** Consumer group id. */
  group?: string;
  /** Schema Registry cluster id (`lsrc-…`). */
  schemaRegistry?: string;
  /** Connector id (`lcc-…`). */
  connector?: string;
  /** Network id (`n-…`) of networking requests. */
  network?: string;
  /** `authenticationInfo.identity`: the CRN of the external identity (SSO connection or OAuth identity provider) behind the principal. */
  identity?: string;
  /** OAuth/OIDC identity provider id (`op-…`), from the identity CRN or the request's cloud resources. */
  identityProvider?: string;
  /** Identity pool id (`pool-…`) a request manages. */
  identityPool?: string;
  /** `authenticationInfo.exposure`, e.g. `CUSTOMER`. */
  exposure?: string;
  /** Flink region (`AWS.eu-central-1`) from a `flink-region=` CRN. */
  flinkRegion?: string;
  /** Flink statement name. */
  statement?: string;
  /** Schema Registry subject, from a `subject=` CRN or a `Subject` authorization. */
  schemaSubject?: string;
  /** `connector.class` of a connector request's configuration. */
  connectorClass?: string;
  /** Where a connector request sends or reads data (bucket, container, URL host); credentials and query strings removed. */
  connectorDestination?: string;
  /** Access Transparency: country code of the Confluent employee (`employee_base_location`). */
  employeeBaseLocation?: string;
  /** Access Transparency: job family of the Confluent employee (`employee_job_family`). */
  employeeJobFamily?: string;
  /** `result.message`: free text from the server, never to be matched on. */
  message?: string;
}

export type Category = 'authentication' | 'authorization' | 'request' | 'access-transparency' | 'other';
export type Outcome = 'success' | 'failure' | 'denied' | 'unknown';

/** The value type of each normalized field, for rule validation and documentation. */
export const EVENT_FIELDS = {
  id: 'string',
  time: 'string',
  type: 'string',
  category: 'string',
  specversion: 'string',
  method: 'string',
  service: 'string',
  source: 'string',
  subject: 'string',
  resource: 'string',
  principal: 'string',
  principalId: 'string',
  email: 'string',
  mechanism: 'string',
  credentialId: 'string',
  clientIp: 'string',
  clientId: 'string',
  connectionId: 'string',
  requestId: 'string',
  outcome: 'string',
  status: 'string',
  granted: 'boolean',
  decidedBy: 'string',
  operation: 'string',
  resourceType: 'string',
  resourceName: 'string',
  patternType: 'string',
  role: 'string',
  targetPrincipal: 'string',
  targetIsSelf: 'boolean',
  superUser: 'boolean',
  accessType: 'string',
  change: 'boolean',
  cloudResourceType: 'string',
  cloudResourceId: 'string',
  organization: 'string',
  environment: 'string',
  cluster: 'string',
  topic: 'string',
  group: 'string',
  schemaRegistry: 'string',
  connector: 'string',
  network: 'string',
  identity: 'string',
  identityProvider: 'string',
  identityPool: 'string',
  exposure: 'string',
  flinkRegion: 'string',
  statement: 'string',
  schemaSubject: 'string',
  connectorClass: 'string',
  connectorDestination: 'string',
  employeeBaseLocation: 'string',
  employeeJobFamily: 'string',
  message: 'string',
} as const satisfies Record<keyof AuditEvent, 'string' | 'boolean'>;

export type EventField = keyof typeof EVENT_FIELDS;
export const EVENT_FIELD_NAMES = Object.keys(EVENT_FIELDS) as EventField[];
