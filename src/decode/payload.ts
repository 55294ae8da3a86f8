import type { AuditEvent, Category, Outcome } from './audit-event.js';
import { crnValue, parseCrn } from './crn.js';
import { at, bool, first, get, ipAddress, isObject, text, type Json } from './read.js';

/** The part of an AuditEvent that comes from `data` (and the envelope CRNs). */
export type Payload = Omit<AuditEvent, 'id' | 'time' | 'type' | 'category' | 'specversion' | 'source'>;

const FAILED_AUTH_PRINCIPAL = 'None:UNKNOWN_USER';

/** Fills the normalized fields from the `data` object of any of the three shapes. */
export function readPayload(data: Json, category: Category, envelope: { source: string; subject?: string }): Payload {
  const authn = get(data, 'authenticationInfo');
  const authz = get(data, 'authorizationInfo');
  const request = get(data, 'request');
  const requestData = get(request, 'data');
  const meta = get(data, 'requestMetadata');
  const method = text(get(data, 'methodName'));

  const fields: Omit<Payload, 'outcome'> = {
    method,
    service: text(get(data, 'serviceName')),
    subject: envelope.subject,
    resource: text(get(data, 'resourceName')),
    ...principalOf(authn),
    mechanism: text(at(authn, 'metadata', 'mechanism')),
    credentialId: text(at(authn, 'metadata', 'identifier')) ?? credentialOf(get(authn, 'credentials')),
    clientIp:
      ipAddress(get(data, 'clientAddress')) ??
      ipAddress(get(meta, 'clientAddress')) ??
      ipAddress(at(authz, 'ipfilterAuthorization', 'clientIp')),
    clientId: text(get(request, 'clientId')),
    connectionId: text(get(meta, 'connectionId')),
    requestId: text(first(get(meta, 'requestId'))),
    status: upper(at(data, 'result', 'status')) ?? upper(get(authn, 'result')) ?? upper(get(authz, 'result')),
    granted: bool(get(authz, 'granted')),
    decidedBy: decidedBy(authz),
    operation: text(get(authz, 'operation')),
    resourceType: text(get(authz, 'resourceType')),
    resourceName: text(get(authz, 'resourceName')),
    patternType: text(get(authz, 'patternType')),
    role: text(get(requestData, 'roleName')) ?? text(get(requestData, 'role')) ?? text(at(authz, 'rbacAuthorization', 'role')),
    targetPrincipal: targetPrincipal(get(requestData, 'principal')),
    superUser: bool(get(authz, 'superUserAuthorization')),
    accessType: upper(get(request, 'accessType')),
    message: text(at(data, 'result', 'message')),
  };
  return {
    ...fields,
    outcome: outcomeOf(category, fields, upper(get(authn, 'result')), upper(get(authz, 'result'))),
    change: isChange(method, fields.accessType),
    ...placeOf(data, fields, envelope.source),
  };
}

function upper(value: unknown): string | undefined {
  return text(value)?.toUpperCase();
}

/** Control-plane principals are objects; one key among them names the account kind. */
function principalOf(authn: unknown): Pick<AuditEvent, 'principal' | 'principalId' | 'email'> {
  const principal = get(authn, 'principal');
  const resourceId = text(get(authn, 'principalResourceId'));
  if (isObject(principal)) {
    const id = accountId(principal);
    return { principal: id && text(`User:${id}`), principalId: resourceId ?? id, email: text(get(principal, 'email')) };
  }
  const name = text(principal);
  const bareName = name?.slice(name.indexOf(':') + 1);
  const ownId = bareName !== undefined && /^(u|sa|pool)-/.test(bareName) ? bareName : undefined;
  return { principal: name, principalId: resourceId ?? ownId };
}

/** `{confluentUser: {resourceId}}`, `{confluentServiceAccount: {resourceId}}`, `{externalAccount: …}`, … */
function accountId(principal: Json): string | undefined {
  for (const [key, value] of Object.entries(principal).slice(0, 8)) {
    if (key === 'email' || !isObject(value)) continue;
    const id = text(get(value, 'resourceId')) ?? text(get(value, 'id'));
    if (id !== undefined) return id.startsWith('User:') ? id.slice(5) : id;
  }
  return undefined;
}

function targetPrincipal(value: unknown): string | undefined {
  if (isObject(value)) {
    const id = accountId(value);
    return id && text(`User:${id}`);
  }
  return text(value);
}

/** `{idSecretCredentials: {credentialId}}` and any sibling kind that names a credential id. */
function credentialOf(credentials: unknown): string | undefined {
  if (!isObject(credentials)) return undefined;
  for (const value of Object.values(credentials).slice(0, 8)) {
    const id = text(get(value, 'credentialId'));
    if (id !== undefined) return id;
  }
  return undefined;
}

function decidedBy(authz: unknown): string | undefined {
  if (!isObject(authz)) return undefined;
  if (bool(get(authz, 'superUserAuthorization')) === true) return 'superuser';
  if (get(authz, 'aclAuthorization') !== undefined) return 'acl';
  if (get(authz, 'rbacAuthorization') !== undefined) return 'rbac';
  if (get(authz, 'ipfilterAuthorization') !== undefined) return 'ipfilter';
  return get(authz, 'granted') === undefined ? undefined : 'none';
}

const AUTH_METHOD = /(^|\.)(authentication|authenticate|signin)$/i;

/** `failure` = authentication (or the request) failed; `denied` = authorization refused. */
function outcomeOf(category: Category, p: Omit<Payload, 'outcome'>, authnResult?: string, authzResult?: string): Outcome {
  if (authnResult === 'FAILURE' || p.principal === FAILED_AUTH_PRINCIPAL) return 'failure';
  const resultStatus = p.status;
  if (category === 'authentication' || (p.method !== undefined && AUTH_METHOD.test(p.method))) {
    const status = resultStatus ?? authnResult;
    if (status === undefined || status === 'UNSET') return 'unknown';
    return status === 'SUCCESS' ? 'success' : 'failure';
  }
  if (p.granted === false || authzResult === 'DENY') return 'denied';
  if (resultStatus !== undefined && resultStatus !== 'SUCCESS' && resultStatus !== 'UNSET' && resultStatus !== 'ALLOW') {
    return 'failure';
  }
  if (p.granted === true || authzResult === 'ALLOW' || resultStatus === 'SUCCESS' || authnResult === 'SUCCESS') {
    return 'success';
  }
  return 'unknown';
}

const CHANGE_VERB = /^(create|delete|update|alter|incrementalalter|bind|unbind|revoke|grant|invite|claim|add|remove|rotate|reset|set|pause|resume|restart|enable|disable|accept)/i;
const READ_VERB = /^(get|list|describe|read|fetch|metadata|search|lookup|validate|check|authorize|authenticate|authentication|signin|offset|find)/i;

/** Whether a method changes state: `accessType` first, else the verb of the method name. */
function isChange(method: string | undefined, accessType: string | undefined): boolean | undefined {
  if (accessType === 'MODIFICATION') return true;
  if (accessType === 'READ_ONLY') return false;
  if (method === undefined) return undefined;
  const verb = method.slice(method.lastIndexOf('.') + 1);
  if (CHANGE_VERB.test(verb)) return true;
  if (READ_VERB.test(verb)) return false;
  return undefined;
}

type Place = Pick<AuditEvent, 'organization' | 'environment' | 'cluster' | 'topic' | 'group' | 'schemaRegistry' | 'connector' | 'cloudResourceType' | 'cloudResourceId'>;

const CRN_FIELDS: ReadonlyArray<readonly [string, keyof Place]> = [
  ['organization', 'organization'],
  ['environment', 'environment'],
  ['kafka', 'cluster'],
  ['cloud-cluster', 'cluster'],
  ['topic', 'topic'],
  ['group', 'group'],
  ['schema-registry', 'schemaRegistry'],
  ['connector', 'connector'],
];

const CLOUD_RESOURCE_FIELDS: ReadonlyMap<string, keyof Place> = new Map([
  ['ORGANIZATION', 'organization'],
  ['ENVIRONMENT', 'environment'],
  ['CLOUD_CLUSTER', 'cluster'],
  ['KAFKA_CLUSTER', 'cluster'],
  ['SCHEMA_REGISTRY', 'schemaRegistry'],
  ['CONNECTOR', 'connector'],
]);

/** Where the event happened: CRNs first (most specific first), then `cloudResources`, then the authorized resource. */
function placeOf(data: Json, p: Omit<Payload, 'outcome'>, source: string): Place {
  const place: Place = {};
  for (const crnText of [p.resource, p.subject, source, p.service]) {
    const crn = crnText === undefined ? undefined : parseCrn(crnText);
    if (crn === undefined) continue;
    for (const [type, field] of CRN_FIELDS) place[field] ??= crnValue(crn, type);
  }
  const resources = get(data, 'cloudResources');
  if (Array.isArray(resources)) {
    for (const entry of resources.slice(0, 16)) {
      const main = get(entry, 'resource');
      const type = text(get(main, 'type'));
      place.cloudResourceType ??= type;
      place.cloudResourceId ??= text(get(main, 'resourceId'));
      const scope = at(entry, 'scope', 'resources');
      for (const r of [main, ...(Array.isArray(scope) ? scope.slice(0, 16) : [])]) {
        const field = CLOUD_RESOURCE_FIELDS.get(text(get(r, 'type'))?.toUpperCase() ?? '');
        if (field !== undefined) place[field] ??= text(get(r, 'resourceId'));
      }
    }
  }
  if (p.resourceType === 'Topic') place.topic ??= p.resourceName;
  if (p.resourceType === 'Group') place.group ??= p.resourceName;
  return place;
}
