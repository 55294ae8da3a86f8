import type { Alert } from '../alerts/alert.js';
import { AuditwatchError, ErrorCode } from '../errors.js';

/** Where alerts go. One instance per configured sink; `deliver` is called by the dispatcher. */
export interface Sink {
  /** Configured name (`slack`, `pagerduty`, `oncall-webhook`, …): a metric label and route target. */
  readonly name: string;
  readonly kind: SinkKind;
  /**
   * Delivers one alert, or throws a SinkError. Must be safe to call again for
   * the same alert (the dispatcher retries; the alert id is the idempotency key).
   */
  deliver(alert: Alert, signal: AbortSignal): Promise<void>;
}

export type SinkKind = 'slack' | 'pagerduty' | 'webhook' | 'alertmanager' | 'stdout';

/** A failed delivery. Messages and context never contain the sink's URL, token or key. */
export class SinkError extends AuditwatchError {
  constructor(
    sink: string,
    message: string,
    /** Worth retrying (timeouts, 429, 5xx, connection errors); false for other 4xx. */
    readonly retryable: boolean,
    /** The receiver asked to wait this long (Retry-After), in ms. */
    readonly retryAfterMs?: number,
    /** HTTP status, when there was a response. */
    readonly status?: number,
  ) {
    super(ErrorCode.sink, `${sink}: ${message}`, { sink });
  }
}
