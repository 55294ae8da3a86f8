import type { Alert } from '../alerts/alert.js';
import { postJson, sinkTimeout, sinkUrl, urlSecrets } from './http.js';
import type { Sink } from './sink.js';
import { signWebhook, webhookKey } from './webhook-signature.js';

export { verifyWebhookSignature, type WebhookHeaders, type WebhookVerification } from './webhook-signature.js';

/** `type` of every delivery, in the Standard Webhooks payload envelope. */
export const WEBHOOK_EVENT_TYPE = 'auditwatch.alert';

export interface WebhookSinkOptions {
  /** Configured sink name: a metric label and route target. */
  name: string;
  /** Receiver URL. Treated as a secret (it may carry a token): never logged nor put in an error. */
  url: string;
  /**
   * Signing secret. `whsec_<base64>`: the HMAC key is the decoded bytes (at least
   * 24). Any other value: the HMAC key is the string's own bytes (at least 24
   * printable ASCII characters); standardwebhooks receivers need `{ format: 'raw' }`
   * for it. Checked at construction; never logged nor put in an error.
   */
  secret: string;
  /** Timeout of one delivery attempt, in milliseconds; default 10 000. */
  timeoutMs?: number;
}

/** The JSON body of a delivery: the Standard Webhooks envelope around the alert. */
export interface WebhookPayload {
  type: typeof WEBHOOK_EVENT_TYPE;
  /** The alert's time (when the triggering event happened), RFC 3339. */
  timestamp: string;
  data: Alert;
}

/**
 * POSTs alerts as JSON signed per Standard Webhooks: `webhook-id` is the alert
 * id (the receiver's idempotency key, the same on every retry),
 * `webhook-timestamp` the send time in Unix seconds and `webhook-signature`
 * `v1,<base64 HMAC-SHA256>`; each attempt is signed afresh. The alert is sent
 * as data, unescaped: JSON is its encoding, and a receiver that renders it
 * must escape for its own markup.
 */
export class WebhookSink implements Sink {
  readonly kind = 'webhook' as const;
  readonly name: string;
  readonly #url: URL;
  readonly #key: Buffer;
  readonly #secrets: readonly string[];
  readonly #timeoutMs: number;

  constructor(options: WebhookSinkOptions) {
    this.name = options.name;
    this.#url = sinkUrl(options.name, 'url', options.url);
    this.#key = webhookKey(options.secret, options.name);
    this.#secrets = [options.url, ...urlSecrets(this.#url), options.secret, this.#key.toString('base64')];
    this.#timeoutMs = sinkTimeout(options.name, options.timeoutMs);
  }

  async deliver(alert: Alert, signal: AbortSignal): Promise<void> {
    const payload: WebhookPayload = { type: WEBHOOK_EVENT_TYPE, timestamp: alert.time, data: alert };
    const body = JSON.stringify(payload);
    const timestampSec = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': alert.id,
      'webhook-timestamp': String(timestampSec),
      'webhook-signature': signWebhook(this.#key, alert.id, timestampSec, body),
    };
    await postJson({
      sink: this.name,
      url: this.#url,
      body,
      headers,
      timeoutMs: this.#timeoutMs,
      signal,
      secrets: this.#secrets,
    });
  }
}
