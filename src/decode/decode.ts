import type { AuditEvent, Category } from './audit-event.js';
import { parseJson } from './json.js';
import { readEvent } from './payload.js';
import { bounded, get, isObject, text } from './read.js';
import { sharedText } from './shared-text.js';
import { canonicalTime, parseEventTime } from './time.js';

/** Why a record was not an audit event; a bounded set, used as a metric label. */
export type DecodeReason =
  | 'empty'
  | 'too_large'
  | 'invalid_utf8'
  | 'invalid_json'
  | 'not_object'
  | 'missing_field'
  | 'invalid_field'
  | 'invalid_time';

export const DECODE_REASONS: readonly DecodeReason[] = [
  'empty',
  'too_large',
  'invalid_utf8',
  'invalid_json',
  'not_object',
  'missing_field',
  'invalid_field',
  'invalid_time',
];

export interface DecodeOptions {
  /** Largest record accepted, in bytes; default 1 MiB. Real audit events are a few KB. */
  maxBytes?: number;
  /** Time to use when the event has no `time` (the Kafka record timestamp), epoch ms. */
  fallbackTimeMs?: number;
}

/** A decoded event plus its time as epoch milliseconds (what windows are computed on). */
export interface Decoded {
  ok: true;
  event: AuditEvent;
  timeMs: number;
}

/** A record that is not an audit event. `message` never quotes the record's content. */
export interface DecodeFailure {
  ok: false;
  reason: DecodeReason;
  message: string;
}

export type DecodeResult = Decoded | DecodeFailure;

/** Orders by event time, then id, so a batch is evaluated the same way whatever order it arrived in. */
export function byEventTime(a: Decoded, b: Decoded): number {
  return a.timeMs - b.timeMs || (a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0);
}

export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;
const MAX_ID_LENGTH = 256;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function fail(reason: DecodeReason, message: string): DecodeFailure {
  return { ok: false, reason, message };
}

/** Decodes one record value (bytes from Kafka, or a line of a JSON-lines file). Never throws. */
export function decodeRecord(value: Uint8Array | string | null | undefined, options: DecodeOptions = {}): DecodeResult {
  if (value === null || value === undefined || value.length === 0) return fail('empty', 'record has no value');
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_EVENT_BYTES;
  let textValue: string;
  if (typeof value === 'string') {
    if (value.length > maxBytes || Buffer.byteLength(value) > maxBytes) return tooLarge(maxBytes);
    textValue = value;
  } else {
    if (value.length > maxBytes) return tooLarge(maxBytes);
    try {
      textValue = utf8.decode(value);
    } catch {
      return fail('invalid_utf8', 'record is not valid UTF-8');
    }
  }
  let parsed: unknown;
  try {
    parsed = parseJson(textValue);
  } catch (error) {
    // Engine messages quote the input; keep only where it broke.
    const position = /position (\d+)/.exec(String(error))?.[1];
    return fail(
      'invalid_json',
      position === undefined ? 'record is not valid JSON' : `record is not valid JSON (at position ${position})`,
    );
  }
  if (!isObject(parsed)) return fail('not_object', 'record is JSON but not an object');
  return decodeObject(parsed, options.fallbackTimeMs);
}

function tooLarge(maxBytes: number): DecodeFailure {
  return fail('too_large', `record is larger than ${maxBytes} bytes`);
}

const ENVELOPE = ['id', 'type', 'source', 'specversion'] as const;

/** Decodes an already parsed CloudEvent object. */
export function decodeObject(raw: Record<string, unknown>, fallbackTimeMs?: number): DecodeResult {
  // Filled for every name below before it is read: a missing one returns early.
  const envelope = {} as Record<(typeof ENVELOPE)[number], string>;
  for (const name of ENVELOPE) {
    const value = raw[name];
    if (value === undefined || value === null || value === '')
      return fail('missing_field', `missing required field "${name}"`);
    if (typeof value !== 'string' && !(name === 'specversion' && typeof value === 'number')) {
      return fail('invalid_field', `field "${name}" must be a string`);
    }
    envelope[name] = String(value);
  }
  if (envelope.id.length > MAX_ID_LENGTH)
    return fail('invalid_field', `field "id" is longer than ${MAX_ID_LENGTH} characters`);

  let timeMs: number | undefined;
  let time: string;
  const rawTime = raw.time;
  if (rawTime === undefined || rawTime === null) {
    if (fallbackTimeMs === undefined) return fail('missing_field', 'missing field "time" and no record timestamp');
    timeMs = fallbackTimeMs;
    time = new Date(timeMs).toISOString();
  } else {
    timeMs = typeof rawTime === 'string' ? parseEventTime(rawTime) : undefined;
    if (timeMs === undefined) return fail('invalid_time', 'field "time" is not an RFC 3339 time');
    time = canonicalTime(rawTime as string, timeMs);
  }

  const kind = eventKind(envelope.type);
  const data = isObject(raw.data) ? raw.data : {};
  const event = readEvent(data, {
    id: envelope.id,
    time,
    type: kind.type,
    category: kind.category,
    specversion: sharedText(bounded(envelope.specversion)),
    source: bounded(envelope.source),
    subject: text(get(raw, 'subject')),
  });
  return { ok: true, event, timeMs };
}

/** An event type as the event keeps it (one shared copy), and its category. */
interface EventKind {
  type: string;
  category: Category;
}

/** Bounds of the kinds remembered: entries, and the longest type. */
const KINDS_KEPT = 256;
const KIND_MAX_LENGTH = 256;
const kinds = new Map<string, EventKind>();

/** The kind of a `type`, remembered: a stream has a handful of types, and every event carries one. */
function eventKind(type: string): EventKind {
  let kind = kinds.get(type);
  if (kind === undefined) {
    kind = { type: bounded(type), category: categoryOf(type) };
    if (type.length <= KIND_MAX_LENGTH) {
      if (kinds.size >= KINDS_KEPT) kinds.clear();
      kinds.set(type, kind);
    }
  }
  return kind;
}

/**
 * Category by lower-case `type` suffix. The values are these constants, not
 * slices of the type: a slice would keep the whole type text alive with the event.
 */
const CATEGORIES: ReadonlyMap<string, Category> = new Map(
  (['authentication', 'authorization', 'request', 'access-transparency'] as const).map((c) => [c, c]),
);

/** `io.confluent.kafka.server/authentication` → `authentication`; unknown suffixes → `other`. */
export function categoryOf(type: string): Category {
  return CATEGORIES.get(type.slice(type.lastIndexOf('/') + 1).toLowerCase()) ?? 'other';
}
