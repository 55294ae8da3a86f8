import { isIP } from 'node:net';

/** A JSON object as it came off the wire: every value is unchecked. */
export type Json = Record<string, unknown>;

/** Longest string auditwatch keeps from an event field; longer values are cut and marked. */
export const MAX_FIELD_LENGTH = 1024;

const snakeNames = new Map<string, string>();

function snakeCase(camel: string): string {
  let snake = snakeNames.get(camel);
  if (snake === undefined) {
    snake = camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    snakeNames.set(camel, snake);
  }
  return snake;
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a key in either spelling Confluent uses: camelCase (docs, newer
 * events) or snake_case (captured events). Only own properties count.
 */
export function get(value: unknown, camelName: string): unknown {
  if (!isObject(value)) return undefined;
  if (Object.hasOwn(value, camelName)) return value[camelName];
  const snake = snakeCase(camelName);
  return snake !== camelName && Object.hasOwn(value, snake) ? value[snake] : undefined;
}

/** Follows a path of camelCase keys, each in either spelling. */
export function at(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) current = get(current, key);
  return current;
}

/** A bounded string from a string or number field; anything else is absent. Empty is absent. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string' || value === '') return undefined;
  return bounded(value);
}

/** A text cut to the longest field auditwatch keeps, with `…` where it was cut. */
export function bounded(value: string): string {
  return value.length > MAX_FIELD_LENGTH ? `${value.slice(0, MAX_FIELD_LENGTH - 1)}…` : value;
}

/** The first element of an array, or the value itself. */
export function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

/** `true`/`false`, also from the strings `"true"`/`"false"`; anything else is absent. */
export function bool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/**
 * An IP address from any of the shapes Confluent writes: `{ip, port}`, an array
 * of those, `"/172.27.0.3"`, `"host/10.0.0.1"`, `"10.0.0.1:9092"`, `"[::1]:9092"`.
 * Returns undefined unless the result is a valid IPv4 or IPv6 address.
 */
export function ipAddress(value: unknown): string | undefined {
  const candidate = first(value);
  const raw = isObject(candidate) ? get(candidate, 'ip') : candidate;
  if (typeof raw !== 'string' || raw.length > 256) return undefined;
  let s = raw.trim();
  s = s.slice(s.lastIndexOf('/') + 1);
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
  if (bracketed?.[1] !== undefined) s = bracketed[1];
  else if (/^[\d.]+:\d+$/.test(s)) s = s.slice(0, s.indexOf(':'));
  return isIP(s) === 0 ? undefined : s;
}
