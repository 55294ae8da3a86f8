import { setTimeout as sleep } from 'node:timers/promises';
import { SinkError, type Sink } from '../sinks/sink.js';
import type { Alert } from './alert.js';

/** First retry after 1 s, doubling, at most 5 minutes between attempts. */
const BASE_MS = 1_000;
const MAX_MS = 300_000;

/** Exponential backoff with full jitter, but never sooner than the receiver's Retry-After. */
export function backoffMs(attempt: number, retryAfterMs = 0, random: () => number = Math.random): number {
  const exponential = Math.min(MAX_MS, BASE_MS * 2 ** Math.min(attempt, 20));
  return Math.max(retryAfterMs, exponential / 2 + (random() * exponential) / 2);
}

export type DeliveryOutcome = { status: 'delivered' } | { status: 'dead'; reason: string } | { status: 'aborted' };

export interface RetryOptions {
  /** Epoch ms after which retrying stops and the alert is dead-lettered. */
  giveUpAt: number;
  /** Timeout of one attempt, in ms. */
  attemptTimeoutMs: number;
  /** Aborts waiting and the attempt in flight (shutdown). */
  signal: AbortSignal;
  /** Called after each attempt with its outcome and duration (metrics, logs). */
  onAttempt?(outcome: 'success' | 'retry' | 'failure', seconds: number, error?: SinkError): void;
  /** Called while waiting between attempts, about every 10 s (keeps an outbox claim fresh). */
  onWait?(): Promise<void>;
  now?: () => number;
}

/** Delivers one alert to one sink, retrying until it is delivered, hopeless, too old or aborted. */
export async function deliverWithRetry(sink: Sink, alert: Alert, o: RetryOptions): Promise<DeliveryOutcome> {
  const now = o.now ?? Date.now;
  for (let attempt = 0; ; attempt++) {
    if (o.signal.aborted) return { status: 'aborted' };
    const started = performance.now();
    try {
      await sink.deliver(alert, AbortSignal.any([o.signal, AbortSignal.timeout(o.attemptTimeoutMs)]));
      o.onAttempt?.('success', (performance.now() - started) / 1000);
      return { status: 'delivered' };
    } catch (caught) {
      if (o.signal.aborted) return { status: 'aborted' };
      const error = caught instanceof SinkError ? caught : new SinkError(sink.name, 'delivery failed', true);
      const wait = backoffMs(attempt, error.retryAfterMs);
      const hopeless = !error.retryable || now() + wait > o.giveUpAt;
      o.onAttempt?.(hopeless ? 'failure' : 'retry', (performance.now() - started) / 1000, error);
      if (hopeless) return { status: 'dead', reason: error.retryable ? `gave up: ${error.message}` : error.message };
      if (!(await pause(wait, o))) return { status: 'aborted' };
    }
  }
}

/** Waits `ms`, calling onWait every 10 s; false when aborted. */
async function pause(ms: number, o: RetryOptions): Promise<boolean> {
  let left = ms;
  while (left > 0) {
    const step = Math.min(left, 10_000);
    try {
      await sleep(step, undefined, { signal: o.signal });
    } catch {
      return false;
    }
    left -= step;
    if (left > 0) await o.onWait?.();
  }
  return true;
}
