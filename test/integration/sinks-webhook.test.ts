import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { SinkError } from '../../src/sinks/sink.js';
import { verifyWebhookSignature, WebhookSink } from '../../src/sinks/webhook.js';
import {
  alertFixture,
  secretLeaks,
  startFakeWebhookReceiver,
  type FakeWebhookReceiver,
} from '../support/fake-sinks.js';

const KEY_B64 = Buffer.from('HOOKKEY-0123456789abcdefghijklmn').toString('base64');
const SECRET = `whsec_${KEY_B64}`;
const RAW_SECRET = 'RAWHOOKSECRET-0123456789-abcdefghij';
const URL_TOKEN = 'URLTOKEN-9a8b7c6d5e4f';
const signal = new AbortController().signal;
let receiver: FakeWebhookReceiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function start(secret = SECRET): Promise<{ receiver: FakeWebhookReceiver; url: string }> {
  receiver = await startFakeWebhookReceiver({ secret });
  return { receiver, url: `${receiver.url}?token=${URL_TOKEN}` };
}

async function failure(sink: WebhookSink): Promise<SinkError> {
  const error = await sink.deliver(alertFixture(), signal).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SinkError);
  expect(error).toMatchObject({ code: ErrorCode.sink, context: { sink: 'hook' } });
  expect(secretLeaks(error, [SECRET, KEY_B64, RAW_SECRET, URL_TOKEN, receiver!.url])).toEqual([]);
  return error as SinkError;
}

describe('WebhookSink', () => {
  it('posts the alert in a Standard Webhooks envelope with a signature the receiver verifies', async () => {
    const { receiver, url } = await start();
    const before = Math.floor(Date.now() / 1000);
    await new WebhookSink({ name: 'hook', url, secret: SECRET }).deliver(alertFixture(), signal);
    expect(receiver.requests[0]).toMatchObject({
      status: 204,
      headers: { 'content-type': 'application/json', 'webhook-id': '0123456789abcdef0123456789abcdef' },
    });
    expect(receiver.deliveries).toHaveLength(1);
    const delivery = receiver.deliveries[0]!;
    expect(delivery.id).toBe('0123456789abcdef0123456789abcdef');
    expect(delivery.timestampSec).toBeGreaterThanOrEqual(before);
    expect(delivery.timestampSec).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(delivery.body).toEqual({
      type: 'auditwatch.alert',
      timestamp: '2024-05-01T12:00:00.000Z',
      data: alertFixture(),
    });
  });

  it('the signature fails with a wrong secret, an altered body or an altered timestamp', async () => {
    const { receiver, url } = await start();
    await new WebhookSink({ name: 'hook', url, secret: SECRET }).deliver(alertFixture(), signal);
    const { headers, raw } = receiver.requests[0]!;
    expect(verifyWebhookSignature(SECRET, headers, raw).ok).toBe(true);
    expect(verifyWebhookSignature(`whsec_${Buffer.alloc(32, 9).toString('base64')}`, headers, raw)).toEqual({
      ok: false,
      reason: 'signature',
    });
    expect(verifyWebhookSignature(SECRET, headers, raw.replace('"count":12', '"count":13'))).toEqual({
      ok: false,
      reason: 'signature',
    });
    const earlier = { ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) - 1) };
    expect(verifyWebhookSignature(SECRET, earlier, raw)).toEqual({ ok: false, reason: 'signature' });
  });

  it('signs with the raw bytes of a secret without the whsec_ prefix', async () => {
    const { receiver, url } = await start(RAW_SECRET);
    await new WebhookSink({ name: 'hook', url, secret: RAW_SECRET }).deliver(alertFixture(), signal);
    expect(receiver.deliveries).toHaveLength(1);
    const { headers, raw } = receiver.requests[0]!;
    // The key is the secret's own bytes: the same bytes written as whsec_<base64> verify too.
    expect(verifyWebhookSignature(`whsec_${Buffer.from(RAW_SECRET).toString('base64')}`, headers, raw).ok).toBe(true);
  });

  it('a receiver holding another secret answers 401, which is not retryable', async () => {
    const { receiver, url } = await start(`whsec_${Buffer.alloc(32, 3).toString('base64')}`);
    const error = await failure(new WebhookSink({ name: 'hook', url, secret: SECRET }));
    expect(error).toMatchObject({ retryable: false, status: 401 });
    expect(receiver.verifications).toEqual([{ ok: false, reason: 'signature' }]);
  });

  it('429 with Retry-After and 500 are retryable, 400 is not; a retry keeps webhook-id and re-signs', async () => {
    const { receiver, url } = await start();
    const sink = new WebhookSink({ name: 'hook', url, secret: SECRET });
    receiver.failNext(1, 429, { retryAfter: 5 });
    receiver.failNext(1, 500);
    receiver.failNext(1, 400);
    expect(await failure(sink)).toMatchObject({ retryable: true, status: 429, retryAfterMs: 5000 });
    expect(await failure(sink)).toMatchObject({ retryable: true, status: 500 });
    expect(await failure(sink)).toMatchObject({ retryable: false, status: 400 });
    await sink.deliver(alertFixture(), signal);
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id']))).toEqual(
      new Set(['0123456789abcdef0123456789abcdef']),
    );
    expect(receiver.deliveries).toHaveLength(1);
  });

  it('times out when the receiver never answers, as retryable', async () => {
    const { receiver, url } = await start();
    receiver.hangNext();
    expect(await failure(new WebhookSink({ name: 'hook', url, secret: SECRET, timeoutMs: 200 }))).toMatchObject({
      retryable: true,
      message: 'hook: timed out after 200 ms',
    });
  });

  it('keeps the URL and secret out of the sink object', async () => {
    const { url } = await start();
    expect(secretLeaks(new WebhookSink({ name: 'hook', url, secret: SECRET }), [SECRET, KEY_B64, URL_TOKEN])).toEqual(
      [],
    );
  });
});
