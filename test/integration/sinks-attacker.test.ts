import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/alert.js';
import { PagerDutySink } from '../../src/sinks/pagerduty.js';
import { SlackSink } from '../../src/sinks/slack.js';
import { WebhookSink } from '../../src/sinks/webhook.js';
import {
  alertFixture,
  startFakePagerDuty,
  startFakeSlack,
  startFakeWebhookReceiver,
  type FakePagerDuty,
  type FakeSlack,
  type FakeWebhookReceiver,
} from '../support/fake-sinks.js';

/** Text an attacker controls through principal names, client ids and messages in audit events. */
const NASTY =
  '<!channel> <https://evil.example|click> @here *bold* _it_ ~s~ `code` <script>alert(1)</script> <@U123> &amp; \u0000\n\u2028\u2029\u202eevil';
const HUGE = `${NASTY} ${'A'.repeat(100 * 1024)}`;
// eslint-disable-next-line no-control-regex -- matches control characters on purpose
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const SECRET = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;

const attack: Alert = alertFixture({
  summary: `${NASTY} ${HUGE}`,
  key: { principal: NASTY, clientId: HUGE },
  context: { principal: NASTY, clientId: HUGE, clientIp: '203.0.113.7', cluster: `lkc-${NASTY}`, organization: HUGE },
  events: [NASTY, HUGE, 'evt-1'],
  values: [NASTY, HUGE],
});

/** Every string anywhere in a parsed JSON value. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
}

let slack: FakeSlack;
let pd: FakePagerDuty;
let hook: FakeWebhookReceiver;
let outcomes: PromiseSettledResult<void>[];
const signal = new AbortController().signal;

beforeAll(async () => {
  [slack, pd, hook] = await Promise.all([
    startFakeSlack(),
    startFakePagerDuty(),
    startFakeWebhookReceiver({ secret: SECRET }),
  ]);
  // Settled, not awaited one by one: each test then reports its own sink's failure.
  outcomes = await Promise.allSettled([
    new SlackSink({ name: 'slack', webhookUrl: slack.url }).deliver(attack, signal),
    new PagerDutySink({ name: 'pagerduty', routingKey: 'k', url: pd.url }).deliver(attack, signal),
    new WebhookSink({ name: 'hook', url: hook.url, secret: SECRET }).deliver(attack, signal),
  ]);
});
afterAll(() => Promise.all([slack.close(), pd.close(), hook.close()]));

describe('attacker-controlled text', () => {
  it('Slack: accepted within every Block Kit limit, with no mention, link, tag or formatting left live', () => {
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: undefined });
    // The fake Slack validated the limits (header 150, section 3000, fields 10 × 2000, 50 blocks) before answering 200.
    expect(slack.requests[0]!.status).toBe(200);
    const { raw } = slack.requests[0]!;
    for (const sequence of ['<!', '<http', '<@', '<script', '\\u0000', '\\n\\u2028', '\u202e'])
      expect(raw.includes(sequence), sequence).toBe(false);
    const texts = strings(slack.messages[0]);
    for (const text of texts) {
      // Newlines are the layout's own (label, then value); the attacker's became spaces, so no line starts with its text.
      const lines = text.split('\n');
      expect(
        /[<>]/.test(text) || lines.some((l) => CONTROL.test(l) || l.startsWith('evil')) || /[\u202a-\u202e]/.test(text),
        text.slice(0, 200),
      ).toBe(false);
      // Exact values sit in code spans, where Slack formats nothing; outside them no formatting may be live.
      const outsideCode = text.replace(/`[^`]*`/g, '');
      for (const live of ['*bold*', '_it_', '~s~', '`', '@here'])
        expect(outsideCode.includes(live), `${live} in ${outsideCode.slice(0, 200)}`).toBe(false);
    }
    expect(raw.length).toBeLessThan(40_000);
    // The attacker text is still there to read, as inert text.
    expect(texts.some((t) => t.includes('&lt;!channel&gt;'))).toBe(true);
  });

  it('PagerDuty: summary within 1 024 characters, every string flat and bounded, the event accepted', () => {
    expect(outcomes[1]).toEqual({ status: 'fulfilled', value: undefined });
    expect(pd.requests[0]!.status).toBe(202);
    const { payload } = pd.events[0]!;
    expect((payload.summary as string).length).toBeLessThanOrEqual(1024);
    for (const text of strings(payload)) {
      expect(text).not.toMatch(CONTROL);
      expect(text.length).toBeLessThanOrEqual(1024);
    }
    expect(pd.requests[0]!.raw.length).toBeLessThan(64 * 1024);
  });

  it('webhook: the alert arrives exactly as data, and the signature holds over U+2028 and friends', () => {
    expect(outcomes[2]).toEqual({ status: 'fulfilled', value: undefined });
    expect(hook.requests[0]!.status).toBe(204);
    expect(hook.deliveries[0]!.body).toEqual({ type: 'auditwatch.alert', timestamp: attack.time, data: attack });
  });
});
