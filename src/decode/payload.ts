import type { AuditEvent, Category, Outcome } from './audit-event.js';
import { knownCrn, type KnownCrn } from './crn.js';
import { addPlace } from './place.js';
import { at, bool, first, get, ipAddress, isObject, text, type Json } from './read.js';
import { connectorConfig, keyOwner } from './request-data.js';
import { sharedText } from './shared-text.js';

/** The envelope fields decodeObject has read and checked. */
export type Envelope = Pick<AuditEvent, 'id' | 'time' | 'type' | 'category' | 'specversion' | 'source' | 'subject'>;

/** The event under construction, as outcomeOf and addPlace read it. */
type Fields = Omit<AuditEvent, 'outcome'>;

const FAILED_AUTH_PRINCIPAL = 'None:UNKNOWN_USER';

/**
 * Builds the event from the envelope and the `data` object of any of the three
 * shapes. One object literal, no spreads: this runs for every event, and
 * spreading ~40 fields into a new object several times per event was a large
 * share of decoding time; one literal also gives every event the same shape.
 */
export function readEvent(data: Json, envelope: Envelope): AuditEvent {
  const authn = get(data, 'authenticationInfo');
  const authz = get(data, 'authorizationInfo');
  const request = get(data, 'request');
  const requestData = get(request, 'data');
  const meta = get(data, 'requestMetadata');
  const result = get(data, 'result');
  const method = sharedTextOf(get(data, 'methodName'));
  const authnResult = upper(get(authn, 'result'));
  const authzResult = upper(get(authz, 'result'));
  const who = principalOf(authn);
  const connector = connectorConfig(requestData);

  const source = knownCrn(envelope.source);
  const service = knownCrnOf(get(data, 'serviceName'));
  const subject = envelope.subject === undefined ? undefined : knownCrn(envelope.subject);
  const resource = knownCrnOf(get(data, 'resourceName'));
  const identity = knownCrnOf(get(authn, 'identity'));

  const event: AuditEvent = {
    id: envelope.id,
    time: envelope.time,
    type: envelope.type,
    category: envelope.category,
    specversion: envelope.specversion,
    source: source.text,
    method,
    service: service?.text,
    subject: subject?.text,
    resource: resource?.text,
    principal: who.principal,
    principalId: who.principalId,
    // Undefined unless the principal is an object; JSON leaves it out either way.
    email: who.email,
    mechanism: sharedTextOf(at(authn, 'metadata', 'mechanism')),
    credentialId: text(at(authn, 'metadata', 'identifier')) ?? credentialOf(get(authn, 'credentials')),
    clientIp:
      ipAddress(get(data, 'clientAddress')) ??
      ipAddress(get(meta, 'clientAddress')) ??
      ipAddress(at(authz, 'ipfilterAuthorization', 'clientIp')),
    clientId: text(get(request, 'clientId')),
    connectionId: text(get(meta, 'connectionId')),
    requestId: text(first(get(meta, 'requestId'))),
    status: upper(get(result, 'status')) ?? authnResult ?? authzResult,
    granted: bool(get(authz, 'granted')),
    decidedBy: decidedBy(authz),
    operation: sharedTextOf(get(authz, 'operation')),
    resourceType: sharedTextOf(get(authz, 'resourceType')),
    resourceName: text(get(authz, 'resourceName')),
    patternType: sharedTextOf(get(authz, 'patternType')),
    role:
      sharedTextOf(get(requestData, 'roleName')) ??
      sharedTextOf(get(requestData, 'role')) ??
      sharedTextOf(at(authz, 'rbacAuthorization', 'role')),
    targetPrincipal: targetPrincipal(get(requestData, 'principal')) ?? keyOwner(requestData),
    targetIsSelf: undefined,
    superUser: bool(get(authz, 'superUserAuthorization')),
    accessType: upper(get(request, 'accessType')),
    identity: identity?.text,
    exposure: upper(get(authn, 'exposure')),
    connectorClass: connector.connectorClass,
    connectorDestination: connector.destination,
    employeeBaseLocation: text(get(requestData, 'employeeBaseLocation')),
    employeeJobFamily: text(get(requestData, 'employeeJobFamily')),
    message: text(get(result, 'message')),
    // Filled by addPlace; listed here so that every event has the same shape.
    cloudResourceType: undefined,
    cloudResourceId: undefined,
    organization: undefined,
    environment: undefined,
    cluster: undefined,
    topic: undefined,
    group: undefined,
    schemaRegistry: undefined,
    connector: undefined,
    network: undefined,
    identityProvider: undefined,
    identityPool: undefined,
    flinkRegion: undefined,
    statement: undefined,
    schemaSubject: undefined,
    // Both derive from the fields above; set right after.
    outcome: 'unknown',
    change: undefined,
  };
  event.outcome = outcomeOf(event.category, event, authnResult, authzResult);
  event.change = isChange(method, event.accessType);
  event.targetIsSelf = isSelf(event.targetPrincipal, event.principal, event.principalId);
  addPlace(event, data, [resource, subject, source, service, identity]);
  return event;
}

/** A CRN field's text with its parsed CRN, one shared copy (see knownCrn); undefined when absent. */
function knownCrnOf(value: unknown): KnownCrn | undefined {
  const crnText = text(value);
  return crnText === undefined ? undefined : knownCrn(crnText);
}

/** A field of a small vocabulary (method, mechanism, operation, role, …): one shared copy (see sharedText). */
function sharedTextOf(value: unknown): string | undefined {
  const fieldText = text(value);
  return fieldText === undefined ? undefined : sharedText(fieldText);
}

/** An enum-like field in upper case (statuses, results, access types), one shared copy. */
function upper(value: unknown): string | undefined {
  const fieldText = text(value);
  return fieldText === undefined ? undefined : sharedText(fieldText.toUpperCase());
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

/** Whether a request's target is its actor: `User:sa-1` is `sa-1`'s own principal. */
function isSelf(
  target: string | undefined,
  principal: string | undefined,
  principalId: string | undefined,
): boolean | undefined {
  if (target === undefined || (principal === undefined && principalId === undefined)) return undefined;
  if (target === principal) return true;
  // Compared in place: no `User:${principalId}` string per event.
  return (
    principalId !== undefined &&
    target.length === principalId.length + 5 &&
    target.startsWith('User:') &&
    target.endsWith(principalId)
  );
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
function outcomeOf(category: Category, p: Fields, authnResult?: string, authzResult?: string): Outcome {
  if (authnResult === 'FAILURE' || p.principal === FAILED_AUTH_PRINCIPAL) return 'failure';
  const resultStatus = p.status;
  if (category === 'authentication' || (p.method !== undefined && AUTH_METHOD.test(p.method))) {
    const status = resultStatus ?? authnResult;
    if (status === undefined || status === 'UNSET') return 'unknown';
    return status === 'SUCCESS' ? 'success' : 'failure';
  }
  if (p.granted === false || authzResult === 'DENY') return 'denied';
  if (
    resultStatus !== undefined &&
    resultStatus !== 'SUCCESS' &&
    resultStatus !== 'UNSET' &&
    resultStatus !== 'ALLOW'
  ) {
    return 'failure';
  }
  if (p.granted === true || authzResult === 'ALLOW' || resultStatus === 'SUCCESS' || authnResult === 'SUCCESS') {
    return 'success';
  }
  return 'unknown';
}

const CHANGE_VERB = new RegExp(
  '^(create|delete|update|alter|incrementalalter|bind|unbind|revoke|grant|invite|claim|' +
    'add|remove|rotate|reset|set|pause|resume|restart|enable|disable|accept)',
  'i',
);
const READ_VERB =
  /^(get|list|describe|read|fetch|metadata|search|lookup|validate|check|authorize|authenticate|authentication|signin|offset|find)/i;

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
