import type { AuditEvent } from './audit-event.js';
import { crnValue, type KnownCrn } from './crn.js';
import { at, get, text, type Json } from './read.js';

/** The fields that say where an event happened, filled from CRNs and cloud resources. */
export type PlaceField =
  | 'organization'
  | 'environment'
  | 'cluster'
  | 'topic'
  | 'group'
  | 'schemaRegistry'
  | 'connector'
  | 'network'
  | 'identityProvider'
  | 'identityPool'
  | 'flinkRegion'
  | 'statement'
  | 'schemaSubject';

type Place = Pick<AuditEvent, PlaceField | 'cloudResourceType' | 'cloudResourceId' | 'resourceType' | 'resourceName'>;

/** CRN element type → field, in precedence order (`kafka` before `cloud-cluster`). */
const CRN_FIELDS: ReadonlyArray<readonly [string, PlaceField]> = [
  ['organization', 'organization'],
  ['environment', 'environment'],
  ['kafka', 'cluster'],
  ['cloud-cluster', 'cluster'],
  ['topic', 'topic'],
  ['group', 'group'],
  ['schema-registry', 'schemaRegistry'],
  ['subject', 'schemaSubject'],
  ['connector', 'connector'],
  ['network', 'network'],
  ['identity-provider', 'identityProvider'],
  ['identity-pool', 'identityPool'],
  ['flink-region', 'flinkRegion'],
  ['statement', 'statement'],
];

/** `cloudResources` types → field. Upper case; Confluent adds types without notice, unknown ones are skipped. */
const CLOUD_RESOURCE_FIELDS: ReadonlyMap<string, PlaceField> = new Map([
  ['ORGANIZATION', 'organization'],
  ['ENVIRONMENT', 'environment'],
  ['CLOUD_CLUSTER', 'cluster'],
  ['KAFKA_CLUSTER', 'cluster'],
  ['SCHEMA_REGISTRY', 'schemaRegistry'],
  ['SUBJECT', 'schemaSubject'],
  ['CONNECTOR', 'connector'],
  ['NETWORK', 'network'],
  ['IDENTITY_PROVIDER', 'identityProvider'],
  ['IDENTITY_POOL', 'identityPool'],
  ['FLINK_REGION', 'flinkRegion'],
  ['FLINK_STATEMENT', 'statement'],
  ['STATEMENT', 'statement'],
]);

type Derived = ReadonlyArray<readonly [PlaceField, string]>;
const NOTHING: Derived = [];

/**
 * The place fields one CRN names, computed once per distinct CRN and kept in
 * its memo entry: the same few CRNs come with every event, and scanning each
 * for every field type on every event grew with each field added.
 */
function placeOf(known: KnownCrn): Derived {
  if (known.derived !== undefined) return known.derived as Derived;
  const crn = known.crn;
  let pairs: Array<readonly [PlaceField, string]> | undefined;
  if (crn !== undefined) {
    for (const [type, field] of CRN_FIELDS) {
      const value = text(crnValue(crn, type));
      if (value !== undefined) (pairs ??= []).push([field, value]);
    }
  }
  const derived = pairs ?? NOTHING;
  known.derived = derived;
  return derived;
}

/**
 * Where the event happened: CRNs first (most specific first), then
 * `cloudResources`, then the authorized resource. A field keeps the first
 * value found.
 */
export function addPlace(event: Place, data: Json, crns: ReadonlyArray<KnownCrn | undefined>): void {
  for (let i = 0; i < crns.length; i++) {
    const known = crns[i];
    // The CRNs are often the same text, and then the same memo entry; a repeat cannot add anything.
    if (known === undefined || crns.indexOf(known) < i) continue;
    for (const [field, value] of placeOf(known)) event[field] ??= value;
  }
  const resources = get(data, 'cloudResources');
  if (Array.isArray(resources)) {
    for (const entry of resources.slice(0, 16)) {
      const main = get(entry, 'resource');
      event.cloudResourceType ??= text(get(main, 'type'));
      event.cloudResourceId ??= text(get(main, 'resourceId'));
      addCloudResource(event, main);
      const scope = at(entry, 'scope', 'resources');
      if (Array.isArray(scope)) for (const r of scope.slice(0, 16)) addCloudResource(event, r);
    }
  }
  if (event.resourceType === 'Topic') event.topic ??= event.resourceName;
  else if (event.resourceType === 'Group') event.group ??= event.resourceName;
  else if (event.resourceType === 'Subject') event.schemaSubject ??= event.resourceName;
}

function addCloudResource(event: Place, resource: unknown): void {
  const type = text(get(resource, 'type'));
  if (type === undefined) return;
  const field = CLOUD_RESOURCE_FIELDS.get(type) ?? CLOUD_RESOURCE_FIELDS.get(type.toUpperCase());
  if (field !== undefined) event[field] ??= text(get(resource, 'resourceId'));
}
