import { at, get, isObject, text, type Json } from './read.js';

/**
 * Readers of `request.data`, which Confluent documents per method with no
 * stability promise: each reader tries the few spellings seen in the docs and
 * gives up quietly on anything else.
 */

const ACCOUNT_ID = /^(u|sa|pool)-/;

/** `sa-abc` → `User:sa-abc`, the form `principal` has; other names stay as they are. */
export function asPrincipal(id: string | undefined): string | undefined {
  return id !== undefined && ACCOUNT_ID.test(id) ? `User:${id}` : id;
}

/** The owner of an API key being created: `owner`, `owner_id` or `spec.owner`, a string or `{id}`. */
export function keyOwner(requestData: unknown): string | undefined {
  if (!isObject(requestData)) return undefined;
  const owner = get(requestData, 'owner') ?? get(requestData, 'ownerId') ?? at(requestData, 'spec', 'owner');
  const id = isObject(owner) ? (text(get(owner, 'id')) ?? text(get(owner, 'resourceId'))) : text(owner);
  return asPrincipal(id);
}

/**
 * Configuration keys that name where a connector writes (sinks) or reads
 * (sources) outside Kafka, most specific first. Connector configs also hold
 * passwords: only these keys are ever read.
 */
const DESTINATION_KEYS = [
  's3.bucket.name',
  'gcs.bucket.name',
  'azblob.container.name',
  'azure.datalake.gen2.account.name',
  'bigquery.project',
  'snowflake.url.name',
  'http.api.url',
  'connection.url',
  'connection.uri',
  'connection.host',
  'mongodb.connection.string',
  'hostname',
  'database.hostname',
  'topics',
] as const;

export interface ConnectorConfig {
  connectorClass?: string;
  destination?: string;
}

const NO_CONFIG: ConnectorConfig = {};

/** `connector.class` and the destination of a connector request (`request.data.config`, or `request.data` itself). */
export function connectorConfig(requestData: unknown): ConnectorConfig {
  if (!isObject(requestData)) return NO_CONFIG;
  const nested = get(requestData, 'config');
  const config: Json = isObject(nested) ? nested : requestData;
  const connectorClass = text(own(config, 'connector.class')) ?? text(get(requestData, 'connectorClass'));
  let destination: string | undefined;
  for (const key of DESTINATION_KEYS) {
    destination = text(own(config, key));
    if (destination !== undefined) break;
  }
  if (connectorClass === undefined && destination === undefined) return NO_CONFIG;
  return { connectorClass, destination: destination && withoutSecrets(destination) };
}

function own(object: Json, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/**
 * A URL without what may be a secret: user info (`user:pass@`), query strings
 * and `;`-separated JDBC properties, which is where connection URLs carry
 * passwords. What is left still tells one destination from another.
 */
export function withoutSecrets(destination: string): string {
  let s = destination;
  const cut = s.search(/[?;]/);
  if (cut !== -1) s = s.slice(0, cut);
  const at = s.lastIndexOf('@');
  if (at !== -1) {
    const scheme = s.indexOf('//');
    s = scheme !== -1 && scheme < at ? s.slice(0, scheme + 2) + s.slice(at + 1) : s.slice(at + 1);
  }
  return s;
}
