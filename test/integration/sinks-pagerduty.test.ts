import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Severity } from '../../src/alerts/alert.js';
import { ErrorCode } from '../../src/errors.js';
import { PagerDutySink } from '../../src/sinks/pagerduty.js';
import { SinkError } from '../../src/sinks/sink.js';
import { alertFixture, secretLeaks, startFakePagerDuty, type FakePagerDuty } from '../support/fake-sinks.js';

const ROUTING_KEY = 'R0UT1NGK3Y-d4e5f6a7b8c9d0e1f2a3';
let pd: FakePagerDuty;
const signal = new AbortController().signal;

beforeEach(async () => {
  pd = await startFakePagerDuty({ routingKey: ROUTING_KEY });
});
afterEach(() => pd.close());

function sink(options: { routingKey?: string; timeoutMs?: number } = {}): PagerDutySink {
  return new PagerDutySink({
    name: 'pagerduty',
    routingKey: options.routingKey ?? ROUTING_KEY,
    url: pd.url,
    timeoutMs: options.timeoutMs,
  });
}

async function failure(target: PagerDutySink, secret = ROUTING_KEY): Promise<SinkError> {
  const error = await target.deliver(alertFixture(), signal).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SinkError);
  expect(error).toMatchObject({ code: ErrorCode.sink, context: { sink: 'pagerduty' } });
  expect(secretLeaks(error, [secret])).toEqual([]);
  return error as SinkError;
}

describe('PagerDutySink', () => {
  it('sends an Events API v2 trigger that the fake accepts with 202', async () => {
    await sink().deliver(alertFixture(), signal);
    expect(pd.requests[0]).toMatchObject({
      status: 202,
      path: '/v2/enqueue',
      headers: { 'content-type': 'application/json' },
    });
    expect(pd.events).toHaveLength(1);
    const event = pd.events[0]!;
    expect(event).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: '0123456789abcdef0123456789abcdef',
      client: 'auditwatch',
    });
    expect(event.payload).toMatchObject({
      source: 'auditwatch/org-1111/lkc-abc123',
      severity: 'error',
      timestamp: '2024-05-01T12:00:00.000Z',
      component: 'auth-brute-force',
      custom_details: {
        rule: 'auth-brute-force',
        key: { credentialId: 'ABCDEFGHIJKLMNOP', clientIp: '203.0.113.7' },
        count: 12,
        window: '1m',
      },
    });
    expect(secretLeaks(sink(), [ROUTING_KEY])).toEqual([]);
  });

  it('maps every severity and keeps the dedup key on a retry', async () => {
    const target = sink();
    for (const severity of ['critical', 'high', 'medium', 'low'] as Severity[])
      await target.deliver(alertFixture({ severity }), signal);
    await target.deliver(alertFixture({ severity: 'low' }), signal);
    expect(pd.events.map((e) => e.payload.severity)).toEqual(['critical', 'error', 'warning', 'info', 'info']);
    expect(new Set(pd.events.map((e) => e.dedup_key))).toEqual(new Set(['0123456789abcdef0123456789abcdef']));
  });

  it('429 and 500 are retryable, 429 with its Retry-After', async () => {
    pd.failNext(1, 429, { retryAfter: 2 });
    pd.failNext(1, 500);
    expect(await failure(sink())).toMatchObject({ retryable: true, status: 429, retryAfterMs: 2000 });
    expect(await failure(sink())).toMatchObject({ retryable: true, status: 500 });
  });

  it('400 invalid event is not retryable and never shows the routing key', async () => {
    const wrong = 'WR0NGK3Y-ffffffffffffffffffffffff';
    const error = await failure(sink({ routingKey: wrong }), wrong);
    expect(error).toMatchObject({ retryable: false, status: 400 });
    expect(error.message).toContain('Invalid routing key');
    // A receiver that echoes the key back: the echo is removed.
    pd.failNext(1, 400, { body: `{"message":"bad routing_key ${ROUTING_KEY}"}` });
    const echoed = await failure(sink());
    expect(echoed.message).toContain('bad routing_key [redacted]');
  });

  it('times out when PagerDuty never answers, as retryable', async () => {
    pd.hangNext();
    expect(await failure(sink({ timeoutMs: 200 }))).toMatchObject({
      retryable: true,
      message: 'pagerduty: timed out after 200 ms',
    });
  });
});
