import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { createSinks } from '../../src/sinks/create-sinks.js';
import { MAX_RETRY_AFTER_MS, parseRetryAfter, urlSecrets } from '../../src/sinks/http.js';
import { PagerDutySink } from '../../src/sinks/pagerduty.js';
import { SlackSink } from '../../src/sinks/slack.js';
import { WebhookSink } from '../../src/sinks/webhook.js';
import { secretLeaks } from '../support/fake-sinks.js';

function thrown(make: () => unknown): unknown {
  try {
    make();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');

  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter('Wed, 01 May 2024 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wednesday, 01-May-24 12:00:05 GMT', now)).toBe(5000);
  });

  it('treats past dates as 0, caps long waits and ignores garbage', () => {
    expect(parseRetryAfter('Wed, 01 May 2024 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('999999', now)).toBe(MAX_RETRY_AFTER_MS);
    for (const garbage of [null, '', '-1', 'soon', '1e3', '0x10', '2024-05-01'])
      expect(parseRetryAfter(garbage, now), String(garbage)).toBeUndefined();
  });
});

describe('urlSecrets', () => {
  it('lists the URL, its path and query, and long segments and values', () => {
    const secrets = urlSecrets(
      new URL('https://hooks.slack.com/services/T0AAAA/B0BBBBBBBB/XyZsecretToken123?token=qwertyuiop&x=1'),
    );
    expect(secrets).toEqual(
      expect.arrayContaining([
        'https://hooks.slack.com/services/T0AAAA/B0BBBBBBBB/XyZsecretToken123?token=qwertyuiop&x=1',
        '/services/T0AAAA/B0BBBBBBBB/XyZsecretToken123',
        'XyZsecretToken123',
        'B0BBBBBBBB',
        'qwertyuiop',
      ]),
    );
    expect(secrets).not.toContain('x');
  });
});

describe('sink options', () => {
  const SLACK_URL = 'https://hooks.slack.com/services/T0/B0/SLACKSECRET0123456789';

  it('refuses bad URLs, keys, secrets and timeouts with a ConfigError that names the field, not the value', () => {
    const cases: Array<[() => unknown, string, string]> = [
      [
        () => new SlackSink({ name: 's', webhookUrl: 'hooks.slack.com/SLACKSECRET-no-scheme' }),
        'webhookUrl',
        'SLACKSECRET-no-scheme',
      ],
      [() => new SlackSink({ name: 's', webhookUrl: 'ftp://x/SLACKSECRET-ftp' }), 'webhookUrl', 'SLACKSECRET-ftp'],
      [() => new SlackSink({ name: 's', webhookUrl: SLACK_URL, timeoutMs: 0 }), 'timeoutMs', 'SLACKSECRET0123456789'],
      [() => new PagerDutySink({ name: 'p', routingKey: 'ROUTING KEY WITH SPACES' }), 'routingKey', 'ROUTING KEY'],
      [() => new PagerDutySink({ name: 'p', routingKey: '' }), 'routingKey', 'no-secret-in-this-case'],
      [
        () => new PagerDutySink({ name: 'p', routingKey: 'ROUTINGKEY42', url: 'not a url ROUTINGKEY42' }),
        'url',
        'ROUTINGKEY42',
      ],
      [() => new WebhookSink({ name: 'w', url: 'https://example.com/hook', secret: 'whsec_SHORT' }), 'secret', 'SHORT'],
      [() => new WebhookSink({ name: 'w', url: 'javascript:HOOKSECRET', secret: 'whsec_SHORT' }), 'url', 'HOOKSECRET'],
    ];
    for (const [make, field, secret] of cases) {
      const error = thrown(make);
      expect(error, field).toMatchObject({ code: ErrorCode.config, context: { field } });
      expect(secretLeaks(error, [secret])).toEqual([]);
    }
  });

  it('keeps secrets out of the sink objects themselves (private fields)', () => {
    const sinks = [
      new SlackSink({ name: 'slack', webhookUrl: SLACK_URL }),
      new PagerDutySink({ name: 'pd', routingKey: 'ROUTINGKEYSECRET00000000000000' }),
      new WebhookSink({
        name: 'hook',
        url: 'https://example.com/h?token=HOOKURLSECRET',
        secret: 'raw-HOOKSIGNINGSECRET-000000',
      }),
    ];
    for (const sink of sinks)
      expect(secretLeaks(sink, ['SLACKSECRET', 'ROUTINGKEYSECRET', 'HOOKURLSECRET', 'HOOKSIGNINGSECRET'])).toEqual([]);
  });

  it('createSinks builds one sink per spec, of the right kind', () => {
    const sinks = createSinks(
      [
        { name: 'slack', type: 'slack', webhook_url: SLACK_URL },
        { name: 'pd', type: 'pagerduty', routing_key: 'abc' },
        {
          name: 'hook',
          type: 'webhook',
          url: 'https://example.com/h',
          secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
        },
        { name: 'out', type: 'stdout' },
      ],
      { timeoutMs: 5000 },
    );
    expect(sinks.map((s) => [s.name, s.kind])).toEqual([
      ['slack', 'slack'],
      ['pd', 'pagerduty'],
      ['hook', 'webhook'],
      ['out', 'stdout'],
    ]);
    expect(
      thrown(() => createSinks([{ name: 'hook', type: 'webhook', url: 'https://example.com/h', secret: 'short' }])),
    ).toMatchObject({ code: ErrorCode.config });
  });
});
