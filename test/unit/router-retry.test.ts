import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/alert.js';
import { backoffMs } from '../../src/delivery/backoff.js';
import { deliverWithRetry } from '../../src/delivery/retry.js';
import { Router } from '../../src/alerts/router.js';
import { SinkError, type Sink } from '../../src/sinks/sink.js';

const alert = { id: 'a1', rule: 'failed-auth-burst', severity: 'high', tags: ['T1110'] } as Alert;

describe('Router', () => {
  it('unions the sinks of every route whose filters all hold', () => {
    const router = new Router([
      { sinks: ['pagerduty'], severity: ['high', 'critical'] },
      { sinks: ['slack', 'webhook'] },
      { sinks: ['soc'], rules: ['destructive-change'] },
      { sinks: ['iam'], tags: ['T1110'] },
    ]);
    expect(router.sinksFor(alert).sort()).toEqual(['iam', 'pagerduty', 'slack', 'webhook']);
    expect(router.sinksFor({ ...alert, severity: 'low', tags: [] }).sort()).toEqual(['slack', 'webhook']);
  });
});

describe('backoff and retry', () => {
  it('grows exponentially with jitter and honours Retry-After', () => {
    expect(backoffMs(0, 0, () => 0)).toBe(500);
    expect(backoffMs(3, 0, () => 1)).toBe(8_000);
    expect(backoffMs(30, 0, () => 1)).toBe(300_000);
    expect(backoffMs(0, 7_000, () => 1)).toBe(7_000);
  });

  function flakySink(failures: SinkError[]): Sink & { calls: number } {
    return {
      name: 'flaky',
      kind: 'webhook',
      calls: 0,
      deliver() {
        const failure = failures[this.calls++];
        return failure ? Promise.reject(failure) : Promise.resolve();
      },
    };
  }

  it('retries retryable failures and reports each attempt', async () => {
    const sink = flakySink([
      new SinkError('flaky', '500', true, undefined, 500),
      new SinkError('flaky', '429', true, 10, 429),
    ]);
    const attempts: string[] = [];
    const outcome = await deliverWithRetry(sink, alert, {
      giveUpAt: Date.now() + 60_000,
      attemptTimeoutMs: 1_000,
      signal: new AbortController().signal,
      onAttempt: (o) => attempts.push(o),
    });
    expect(outcome).toEqual({ status: 'delivered' });
    expect(attempts).toEqual(['retry', 'retry', 'success']);
  }, 10_000);

  it('gives up at once on a non-retryable failure, and past the horizon on retryable ones', async () => {
    const bad = await deliverWithRetry(flakySink([new SinkError('flaky', 'HTTP 400', false, undefined, 400)]), alert, {
      giveUpAt: Date.now() + 60_000,
      attemptTimeoutMs: 1_000,
      signal: new AbortController().signal,
    });
    expect(bad).toEqual({ status: 'dead', reason: 'flaky: HTTP 400' });
    const late = await deliverWithRetry(flakySink([new SinkError('flaky', 'HTTP 503', true)]), alert, {
      giveUpAt: Date.now() + 10,
      attemptTimeoutMs: 1_000,
      signal: new AbortController().signal,
    });
    expect(late).toMatchObject({ status: 'dead', reason: expect.stringMatching(/^gave up/) as unknown });
  });

  it('stops waiting when aborted, leaving the alert undelivered', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 50);
    const outcome = await deliverWithRetry(flakySink([new SinkError('flaky', '429', true, 60_000, 429)]), alert, {
      giveUpAt: Date.now() + 3_600_000,
      attemptTimeoutMs: 1_000,
      signal: stop.signal,
    });
    expect(outcome).toEqual({ status: 'aborted' });
  });
});
