import { hash } from 'node:crypto';
import type { AuditEvent, EventField } from '../decode/audit-event.js';

export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** An alert as it is stored in the outbox, sent to sinks and printed by replay. */
export interface Alert {
  /** Deterministic: the same rule, group key and triggering event always give the same id. */
  id: string;
  rule: string;
  ruleVersion: string;
  title: string;
  severity: Severity;
  tags: string[];
  /** The triggering event's time (RFC 3339 UTC). */
  time: string;
  /** Id of the event that raised the alert. */
  trigger: string;
  /** Group-by field → value. */
  key: Record<string, string>;
  /** Events (or distinct values) counted. */
  count: number;
  /** Window the count is over, e.g. `1m`, when the detector has one. */
  window?: string;
  /** Ids of evidence events, newest first, bounded. */
  events: string[];
  /** Distinct values counted (distinct detector), bounded. */
  values?: string[];
  /** baseline detector: the bucket's `count`, the key's usual `mean` ± `deviation`, and z = (count − mean) / deviation. */
  baseline?: { count: number; mean: number; deviation: number; z: number };
  /** One sentence for people; built from event values, which sinks escape. */
  summary: string;
  /** Selected fields of the triggering event, for context in sinks. */
  context: Partial<Record<EventField, string | boolean>>;
}

/** Fields copied into `Alert.context` when the triggering event has them. */
export const CONTEXT_FIELDS: readonly EventField[] = [
  'method',
  'principal',
  'principalId',
  'email',
  'credentialId',
  'clientIp',
  'clientId',
  'outcome',
  'status',
  'operation',
  'resourceType',
  'resourceName',
  'role',
  'targetPrincipal',
  'organization',
  'environment',
  'cluster',
  'topic',
  'connector',
  'cloudResourceType',
  'cloudResourceId',
  'network',
  'identityProvider',
  'identityPool',
  'schemaSubject',
  'statement',
  'connectorDestination',
  // Access Transparency: who at Confluent, from where; the context a responder matches against a support case.
  'employeeBaseLocation',
  'employeeJobFamily',
];

/** The canonical text of a group key: `field=value` pairs in group_by order, one per line. */
export function groupKeyText(groupBy: readonly EventField[], event: AuditEvent): string | undefined {
  // Concatenated rather than joined from an array: it is built for every planned operation.
  let text = '';
  for (const field of groupBy) {
    const value = event[field];
    if (value === undefined) return undefined;
    text += `${text === '' ? '' : '\n'}${field}=${String(value)}`;
  }
  return text;
}

/** Alert id: 32 hex digits of SHA-256 over rule, group key and triggering event id. */
export function alertId(ruleId: string, groupKey: string, eventId: string): string {
  return hash('sha256', `${ruleId}\u0000${groupKey}\u0000${eventId}`, 'hex').slice(0, 32);
}

export function contextOf(event: AuditEvent): Alert['context'] {
  const context: Alert['context'] = {};
  for (const field of CONTEXT_FIELDS) {
    const value = event[field];
    if (value !== undefined) context[field] = value;
  }
  return context;
}
