import type { Alert } from '../alerts/alert.js';
import { postJson, sinkTimeout, sinkUrl, urlSecrets } from './http.js';
import type { Sink } from './sink.js';
import { slackMessage } from './slack-message.js';

export interface SlackSinkOptions {
  /** Configured sink name: a metric label and route target. */
  name: string;
  /** Slack incoming-webhook URL. A secret: kept in a private field, never logged nor put in an error. */
  webhookUrl: string;
  /** Timeout of one delivery attempt, in milliseconds; default 10 000. */
  timeoutMs?: number;
}

/**
 * Posts alerts to a Slack incoming webhook as Block Kit messages (see
 * slack-message.ts for the layout and escaping). Slack answers 200 `ok`; 429
 * carries Retry-After. Slack has no idempotency key, so a retry after a timeout
 * whose request did arrive shows the alert twice.
 */
export class SlackSink implements Sink {
  readonly kind = 'slack' as const;
  readonly name: string;
  readonly #url: URL;
  readonly #secrets: readonly string[];
  readonly #timeoutMs: number;

  constructor(options: SlackSinkOptions) {
    this.name = options.name;
    this.#url = sinkUrl(options.name, 'webhookUrl', options.webhookUrl);
    this.#secrets = [options.webhookUrl, ...urlSecrets(this.#url)];
    this.#timeoutMs = sinkTimeout(options.name, options.timeoutMs);
  }

  async deliver(alert: Alert, signal: AbortSignal): Promise<void> {
    await postJson({
      sink: this.name,
      url: this.#url,
      body: JSON.stringify(slackMessage(alert)),
      timeoutMs: this.#timeoutMs,
      signal,
      secrets: this.#secrets,
    });
  }
}
