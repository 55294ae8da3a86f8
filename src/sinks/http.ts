import { ConfigError } from '../errors.js';
import { packageVersion } from '../version.js';
import { boundedText } from './escape.js';
import { SinkError } from './sink.js';

/** Default timeout of one delivery attempt, in ms (matches the service's `deliveryTimeoutMs`). */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Most of a response body read, in bytes; the rest is cancelled unread. */
const MAX_BODY_BYTES = 4096;
/** Longest receiver reason put into an error message, in characters. */
const MAX_REASON = 200;
/** Longest wait a receiver may ask for with Retry-After, in ms; longer asks are capped. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/** One POST of a JSON document to a sink's receiver. */
export interface PostJsonRequest {
  /** Configured sink name, for error messages. */
  sink: string;
  url: URL;
  /** The serialised JSON, sent byte for byte (the webhook sink signs exactly these bytes). */
  body: string;
  /** Extra headers; `content-type` and `user-agent` are set here. */
  headers?: Record<string, string>;
  /** Timeout of this attempt in ms, covering connect, response and body. */
  timeoutMs: number;
  /** The caller's signal (the dispatcher's shutdown); combined with the timeout. */
  signal: AbortSignal;
  /** Secrets (URL parts, keys) removed from anything the receiver echoes before it reaches an error. */
  secrets: readonly string[];
}

/** A 2xx answer: its status and the first 4 KiB of its body, decoded as UTF-8. */
export interface PostJsonResponse {
  status: number;
  text: string;
}

/**
 * POSTs JSON with fetch and maps the outcome: 2xx → resolved; 429, 408, 5xx,
 * network errors and timeouts → retryable SinkError (with `retryAfterMs` from
 * Retry-After); 3xx and other 4xx → not retryable. Redirects are not followed:
 * a moved endpoint is a configuration problem, and following it would send an
 * alert somewhere nobody configured. Errors carry the status and a short plain-text
 * reason; never the URL, never the request body.
 */
export async function postJson(request: PostJsonRequest): Promise<PostJsonResponse> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: 'POST',
      headers: { ...request.headers, 'content-type': 'application/json', 'user-agent': `auditwatch/${packageVersion}` },
      body: request.body,
      signal: AbortSignal.any([request.signal, timeout]),
      redirect: 'manual',
    });
  } catch (error) {
    throw requestFailure(request, error, timeout);
  }
  const text = await readBounded(response, MAX_BODY_BYTES);
  const { status } = response;
  if (status >= 200 && status < 300) return { status, text };
  const reason = receiverReason(text, request.secrets);
  const message = `HTTP ${status}${reason === '' ? '' : `: ${reason}`}`;
  if (status >= 300 && status < 400)
    throw new SinkError(request.sink, `${message} (redirects are not followed)`, false, undefined, status);
  const retryable = status === 408 || status === 429 || status >= 500;
  const retryAfterMs = retryable ? parseRetryAfter(response.headers.get('retry-after')) : undefined;
  throw new SinkError(request.sink, message, retryable, retryAfterMs, status);
}

/**
 * Retry-After as milliseconds: delay-seconds (`120`, decimals tolerated) or an
 * HTTP date (a date in the past → 0). Capped at MAX_RETRY_AFTER_MS; anything
 * unparsable → undefined (the dispatcher's own backoff applies).
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d{1,12}(\.\d+)?$/.test(text)) return Math.min(Math.ceil(Number(text) * 1000), MAX_RETRY_AFTER_MS);
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

/**
 * The parts of a URL that may be secret (a Slack webhook's path, a token in a
 * query string), for `PostJsonRequest.secrets`: the whole URL, its path and
 * query, and each path segment and query value of 8 characters or more.
 */
export function urlSecrets(url: URL): string[] {
  const parts = [url.href, `${url.pathname}${url.search}`, url.pathname, url.search];
  for (const segment of url.pathname.split('/')) parts.push(segment, safeDecode(segment));
  for (const value of url.searchParams.values()) parts.push(value);
  return [...new Set(parts.filter((part) => part.length >= 8))];
}

/** Parses a sink's URL at construction; the error names the sink and field, never the value. */
export function sinkUrl(sink: string, field: string, value: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new ConfigError([`sink ${sink}: ${field} must be an http(s) URL`], { sink, field });
  }
  return url;
}

/** Validates an attempt timeout at construction: a whole number of ms, 1 ms to 10 minutes. */
export function sinkTimeout(sink: string, timeoutMs: number | undefined): number {
  const value = timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(value) || value < 1 || value > 600_000) {
    throw new ConfigError([`sink ${sink}: timeoutMs must be a whole number of milliseconds from 1 to 600000`], {
      sink,
      field: 'timeoutMs',
    });
  }
  return value;
}

function requestFailure(request: PostJsonRequest, error: unknown, timeout: AbortSignal): SinkError {
  if (timeout.aborted) return new SinkError(request.sink, `timed out after ${request.timeoutMs} ms`, true);
  if (request.signal.aborted) {
    // The caller's signal may itself carry a timeout (the dispatcher's attempt deadline).
    const timedOut = (request.signal.reason as { name?: unknown } | undefined)?.name === 'TimeoutError';
    return new SinkError(request.sink, timedOut ? 'timed out' : 'aborted', true);
  }
  // Only an error code, never a message: undici's messages can name the address or the URL.
  const code = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  const detail = typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? ` (${code})` : '';
  return new SinkError(request.sink, `request failed${detail}`, true);
}

/** Reads at most `maxBytes` of the body, then cancels the rest; never throws (the body is only a hint). */
async function readBounded(response: Response, maxBytes: number): Promise<string> {
  if (response.body === null) return '';
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // Timed out or reset mid-body: keep what arrived.
  }
  reader.cancel().catch(() => undefined);
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, maxBytes));
}

/** The receiver's words, flattened and short, with every secret it may have echoed removed. */
function receiverReason(text: string, secrets: readonly string[]): string {
  let scrubbed = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret !== '') scrubbed = scrubbed.split(secret).join('[redacted]');
  }
  return boundedText(scrubbed, MAX_REASON).trim();
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
