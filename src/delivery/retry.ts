import { setTimeout as sleep } from 'node:timers/promises';
import type { Alert } from '../alerts/alert.js';
import { SinkError, type Sink } from '../sinks/sink.js';
import { backoffMs } from './backoff.js';

export type DeliveryOutcome = { status: 'delivered' } | { status: 'dead'; reason: string } | { status: 'aborted' };

export interface RetryOptions {
  /** Epoch ms after which retrying stops. */
  giveUpAt: number;
  /** Timeout of one attempt, in ms. */
  attemptTimeoutMs: number;
  /** Aborts waiting and the attempt in flight. */
  signal: AbortSignal;
  /** Called after each attempt with its outcome and duration in seconds. */
  onAttempt?(outcome: 'success' | 'retry' | 'failure', seconds: number, error?: SinkError): void;
  now?: () => number;
}

/**
 * Delivers one alert to one sink in this process, retrying with the service's
 * backoff until it is delivered, hopeless, too old or aborted. For the commands
 * that deliver without queues (`sinks test`, `replay --deliver`); the service
 * delivers through the BullMQ queues (delivery-workers.ts).
 */
export async function deliverWithRetry(sink: Sink, alert: Alert, o: RetryOptions): Promise<DeliveryOutcome> {
  const now = o.now ?? Date.now;
  const aborted = (): boolean => o.signal.aborted;
  for (let attempt = 0; ; attempt++) {
    if (aborted()) return { status: 'aborted' };
    const started = performance.now();
    try {
      await sink.deliver(alert, AbortSignal.any([o.signal, AbortSignal.timeout(o.attemptTimeoutMs)]));
      o.onAttempt?.('success', (performance.now() - started) / 1000);
      return { status: 'delivered' };
    } catch (caught) {
      if (aborted()) return { status: 'aborted' };
      const error = caught instanceof SinkError ? caught : new SinkError(sink.name, 'delivery failed', true);
      const wait = backoffMs(attempt, error.retryAfterMs);
      const hopeless = !error.retryable || now() + wait > o.giveUpAt;
      o.onAttempt?.(hopeless ? 'failure' : 'retry', (performance.now() - started) / 1000, error);
      if (hopeless) return { status: 'dead', reason: error.retryable ? `gave up: ${error.message}` : error.message };
      if (!(await sleep(wait, true, { signal: o.signal }).catch(() => false))) return { status: 'aborted' };
    }
  }
}
