import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../errors.js';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256
 * over `<webhook-id>.<webhook-timestamp>.<body>`, sent as `v1,<base64>`.
 */

const PREFIX = 'whsec_';
/** Shortest key accepted, in bytes (the spec asks for 24 to 64). */
const MIN_KEY_BYTES = 24;
/** How far a timestamp may be from now when verifying, in seconds; the spec's default. */
export const DEFAULT_TOLERANCE_SEC = 300;

/**
 * The HMAC key of a secret. `whsec_<base64>` (the spec's form): the base64-decoded
 * bytes, at least 24. Any other string: its own bytes, which must be at least 24
 * printable ASCII characters without spaces — receivers using the standardwebhooks
 * libraries pass `{ format: 'raw' }` for such a secret (by default they would
 * base64-decode it). Throws a ConfigError that never contains the secret.
 */
export function webhookKey(secret: string, sink = 'webhook'): Buffer {
  const problem = [
    `sink ${sink}: secret must be whsec_ followed by the base64 of at least ${MIN_KEY_BYTES} random bytes,`,
    `or at least ${MIN_KEY_BYTES} printable ASCII characters without spaces`,
  ].join(' ');
  const invalid = new ConfigError([problem], { sink, field: 'secret' });
  if (typeof secret !== 'string') throw invalid;
  if (secret.startsWith(PREFIX)) {
    const encoded = secret.slice(PREFIX.length);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw invalid;
    const key = Buffer.from(encoded, 'base64');
    // Buffer.from ignores what it cannot decode; re-encoding shows whether it was all valid.
    if (key.toString('base64').replace(/=+$/, '') !== encoded.replace(/=+$/, '') || key.length < MIN_KEY_BYTES)
      throw invalid;
    return key;
  }
  if (!/^[\x21-\x7e]+$/.test(secret) || secret.length < MIN_KEY_BYTES) throw invalid;
  return Buffer.from(secret, 'ascii');
}

/** The `webhook-signature` value (`v1,<base64>`) for one message. */
export function signWebhook(key: Buffer, id: string, timestampSec: number, body: string | Buffer): string {
  const hmac = createHmac('sha256', key).update(`${id}.${timestampSec}.`);
  return `v1,${hmac.update(body).digest('base64')}`;
}

/** Headers as node:http gives them (lower-case names) or as a fetch `Headers`. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

export type WebhookVerification =
  { ok: true; id: string; timestampSec: number } | { ok: false; reason: 'headers' | 'timestamp' | 'signature' };

/**
 * Verifies a Standard Webhooks delivery: the three headers are present, the
 * timestamp is within `toleranceSec` of `nowMs` (replay protection), and one of
 * the space-separated `v1,` signatures matches (constant-time compare). `body`
 * must be the raw bytes received, before any JSON parsing.
 */
export function verifyWebhookSignature(
  secret: string,
  headers: WebhookHeaders,
  body: string | Buffer,
  toleranceSec: number = DEFAULT_TOLERANCE_SEC,
  nowMs: number = Date.now(),
): WebhookVerification {
  const key = webhookKey(secret);
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (id === undefined || timestamp === undefined || signatures === undefined || id === '')
    return { ok: false, reason: 'headers' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'timestamp' };
  const timestampSec = Number(timestamp);
  if (Math.abs(nowMs / 1000 - timestampSec) > toleranceSec) return { ok: false, reason: 'timestamp' };
  const expected = Buffer.from(signWebhook(key, id, timestampSec, body));
  for (const entry of signatures.split(' ')) {
    // Compared as text, like the reference libraries: no lenient base64 decoding of what was sent.
    const given = Buffer.from(entry);
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true, id, timestampSec };
  }
  return { ok: false, reason: 'signature' };
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const found = Object.keys(headers).find((key) => key.toLowerCase() === name);
  const value = found === undefined ? undefined : headers[found];
  if (Array.isArray(value)) return name === 'webhook-signature' ? value.join(' ') : undefined;
  return value;
}
