import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { signWebhook, verifyWebhookSignature, webhookKey } from '../../src/sinks/webhook-signature.js';
import { secretLeaks } from '../support/fake-sinks.js';

// The example from the Standard Webhooks specification and its reference libraries.
const SPEC = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const NOW = SPEC.timestamp * 1000;
const headers = (overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> => ({
  'webhook-id': SPEC.id,
  'webhook-timestamp': String(SPEC.timestamp),
  'webhook-signature': SPEC.signature,
  ...overrides,
});

describe('Standard Webhooks signatures', () => {
  it('signs the specification example to its published signature', () => {
    expect(signWebhook(webhookKey(SPEC.secret), SPEC.id, SPEC.timestamp, SPEC.body)).toBe(SPEC.signature);
  });

  it('verifies a valid delivery, from a header record or a fetch Headers', () => {
    expect(verifyWebhookSignature(SPEC.secret, headers(), SPEC.body, 300, NOW)).toEqual({
      ok: true,
      id: SPEC.id,
      timestampSec: SPEC.timestamp,
    });
    expect(
      verifyWebhookSignature(
        SPEC.secret,
        new Headers(headers() as Record<string, string>),
        Buffer.from(SPEC.body),
        300,
        NOW,
      ).ok,
    ).toBe(true);
    const upper = {
      'Webhook-Id': SPEC.id,
      'Webhook-Timestamp': String(SPEC.timestamp),
      'Webhook-Signature': SPEC.signature,
    };
    expect(verifyWebhookSignature(SPEC.secret, upper, SPEC.body, 300, NOW).ok).toBe(true);
  });

  it('fails with another secret, an altered body, id or timestamp', () => {
    const other = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    expect(verifyWebhookSignature(other, headers(), SPEC.body, 300, NOW)).toEqual({ ok: false, reason: 'signature' });
    expect(verifyWebhookSignature(SPEC.secret, headers(), '{"test": 2432232315}', 300, NOW)).toEqual({
      ok: false,
      reason: 'signature',
    });
    expect(verifyWebhookSignature(SPEC.secret, headers({ 'webhook-id': 'msg_other' }), SPEC.body, 300, NOW)).toEqual({
      ok: false,
      reason: 'signature',
    });
    expect(
      verifyWebhookSignature(
        SPEC.secret,
        headers({ 'webhook-timestamp': String(SPEC.timestamp + 1) }),
        SPEC.body,
        300,
        NOW,
      ),
    ).toEqual({ ok: false, reason: 'signature' });
  });

  it('rejects timestamps outside the tolerance and malformed headers', () => {
    expect(verifyWebhookSignature(SPEC.secret, headers(), SPEC.body, 300, NOW + 301_000)).toEqual({
      ok: false,
      reason: 'timestamp',
    });
    expect(verifyWebhookSignature(SPEC.secret, headers(), SPEC.body, 300, NOW - 301_000)).toEqual({
      ok: false,
      reason: 'timestamp',
    });
    expect(verifyWebhookSignature(SPEC.secret, headers(), SPEC.body, 300, NOW + 299_000).ok).toBe(true);
    expect(
      verifyWebhookSignature(SPEC.secret, headers({ 'webhook-timestamp': '1614265330.5' }), SPEC.body, 300, NOW),
    ).toEqual({ ok: false, reason: 'timestamp' });
    expect(
      verifyWebhookSignature(SPEC.secret, headers({ 'webhook-signature': undefined }), SPEC.body, 300, NOW),
    ).toEqual({ ok: false, reason: 'headers' });
  });

  it('accepts any matching v1 signature in a space-separated list, and only v1', () => {
    const list = `v1,${'A'.repeat(43)}= ${SPEC.signature}`;
    expect(verifyWebhookSignature(SPEC.secret, headers({ 'webhook-signature': list }), SPEC.body, 300, NOW).ok).toBe(
      true,
    );
    expect(
      verifyWebhookSignature(
        SPEC.secret,
        headers({ 'webhook-signature': SPEC.signature.replace('v1,', 'v2,') }),
        SPEC.body,
        300,
        NOW,
      ).ok,
    ).toBe(false);
    expect(
      verifyWebhookSignature(SPEC.secret, headers({ 'webhook-signature': `${SPEC.signature}==` }), SPEC.body, 300, NOW)
        .ok,
    ).toBe(false);
  });
});

describe('webhook secrets', () => {
  it('uses the decoded bytes of whsec_ secrets and the raw bytes of others', () => {
    expect(webhookKey(SPEC.secret)).toEqual(Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64'));
    expect(webhookKey('raw-secret-of-twenty-four+chars')).toEqual(Buffer.from('raw-secret-of-twenty-four+chars'));
  });

  it('rejects malformed or short secrets without echoing them', () => {
    const bad = [
      'whsec_c2hvcnQ=', // 5 bytes
      'whsec_not base64 at all, SUPERSECRET-1!',
      'whsec_SUPERSECRET-2***aaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      'SUPERSECRET-3', // raw, too short
      'SUPERSECRET-4 with spaces is not accepted',
      'SUPERSECRET-5-ünïcödé-is-not-ascii-at-all',
    ];
    for (const secret of bad) {
      let caught: unknown;
      try {
        webhookKey(secret, 'oncall');
      } catch (error) {
        caught = error;
      }
      expect(caught, secret).toMatchObject({ code: ErrorCode.config, context: { sink: 'oncall', field: 'secret' } });
      expect(secretLeaks(caught, [secret, secret.slice(6)])).toEqual([]);
    }
  });
});
