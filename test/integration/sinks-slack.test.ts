import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { SinkError } from '../../src/sinks/sink.js';
import type { SlackBlock } from '../../src/sinks/slack-message.js';
import { SlackSink } from '../../src/sinks/slack.js';
import { alertFixture, secretLeaks, startFakeSlack, type FakeSlack } from '../support/fake-sinks.js';

let slack: FakeSlack;
let secrets: string[];
const signal = new AbortController().signal;

beforeEach(async () => {
  slack = await startFakeSlack();
  const url = new URL(slack.url);
  // The whole URL, its path and its token segment are each secret.
  secrets = [slack.url, url.pathname, url.pathname.split('/').at(-1)!];
});
afterEach(() => slack.close());

async function failure(sink: SlackSink): Promise<SinkError> {
  const error = await sink.deliver(alertFixture(), signal).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SinkError);
  expect(error).toMatchObject({ code: ErrorCode.sink, context: { sink: 'slack' } });
  expect(secretLeaks(error, secrets)).toEqual([]);
  return error as SinkError;
}

describe('SlackSink', () => {
  it('posts a Block Kit message that the fake Slack accepts', async () => {
    const sink = new SlackSink({ name: 'slack', webhookUrl: slack.url });
    await sink.deliver(alertFixture(), signal);
    expect(slack.messages).toHaveLength(1);
    const [request] = slack.requests;
    expect(request).toMatchObject({ method: 'POST', status: 200, headers: { 'content-type': 'application/json' } });
    const message = slack.messages[0]! as { text: string; blocks: SlackBlock[] };
    expect(message.text).toContain('[HIGH] Brute force against a Kafka credential');
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Brute force against a Kafka credential', emoji: false },
    });
    const facts = message.blocks[2] as Extract<SlackBlock, { type: 'section' }>;
    const fields = facts.fields!.map((f) => f.text);
    expect(fields).toContain('*credentialId*\n`ABCDEFGHIJKLMNOP`');
    expect(fields).toContain('*Count*\n12 in `1m`');
    expect(secretLeaks(sink, secrets)).toEqual([]);
  });

  it('the fake refuses what Slack would refuse, so the acceptance above means something', async () => {
    const post = (body: unknown) =>
      fetch(slack.url, { method: 'POST', body: JSON.stringify(body) }).then(async (r) => [r.status, await r.text()]);
    expect(await post({ blocks: [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }] })).toEqual([
      400,
      'invalid_blocks',
    ]);
    expect(
      await post({
        blocks: [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'a' })) }],
      }),
    ).toEqual([400, 'invalid_blocks']);
    expect(await post({ blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'a' } }] })).toEqual([
      400,
      'invalid_blocks',
    ]);
    expect(await post({})).toEqual([400, 'no_text']);
    expect(await post({ text: 'ok' })).toEqual([200, 'ok']);
  });

  it('429 with Retry-After is retryable and carries the wait', async () => {
    slack.failNext(1, 429, { retryAfter: 1 });
    const error = await failure(new SlackSink({ name: 'slack', webhookUrl: slack.url }));
    expect(error).toMatchObject({ retryable: true, retryAfterMs: 1000, status: 429 });
  });

  it('500 is retryable; 400 invalid_payload is not', async () => {
    const sink = new SlackSink({ name: 'slack', webhookUrl: slack.url });
    slack.failNext(1, 500);
    slack.failNext(1, 400);
    expect(await failure(sink)).toMatchObject({
      retryable: true,
      status: 500,
      message: 'slack: HTTP 500: rollup_error',
    });
    expect(await failure(sink)).toMatchObject({
      retryable: false,
      status: 400,
      message: 'slack: HTTP 400: invalid_payload',
    });
    await sink.deliver(alertFixture(), signal);
    expect(slack.requests.map((r) => r.status)).toEqual([500, 400, 200]);
  });

  it('a wrong webhook path (404 no_service) is not retryable and does not name the URL', async () => {
    const wrong = `${slack.url.replace(/\/[^/]+$/, '')}/WRONGTOKEN123456`;
    secrets.push(wrong, 'WRONGTOKEN123456');
    expect(await failure(new SlackSink({ name: 'slack', webhookUrl: wrong }))).toMatchObject({
      retryable: false,
      status: 404,
    });
  });

  it('times out when Slack never answers, as retryable', async () => {
    slack.hangNext();
    const error = await failure(new SlackSink({ name: 'slack', webhookUrl: slack.url, timeoutMs: 200 }));
    expect(error).toMatchObject({ retryable: true, message: 'slack: timed out after 200 ms' });
    expect(slack.requests).toHaveLength(1);
  });
});
