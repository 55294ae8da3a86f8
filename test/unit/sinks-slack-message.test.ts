import { describe, expect, it } from 'vitest';
import {
  joinBounded,
  SLACK_LIMITS,
  slackMessage,
  type SlackBlock,
  type SlackTextObject,
} from '../../src/sinks/slack-message.js';
import { alertFixture } from '../support/fake-sinks.js';

type Block<T extends SlackBlock['type']> = Extract<SlackBlock, { type: T }>;

function texts(blocks: SlackBlock[]): SlackTextObject[] {
  return blocks.flatMap((b) =>
    b.type === 'header'
      ? [b.text]
      : b.type === 'context'
        ? b.elements
        : [...(b.text ? [b.text] : []), ...(b.fields ?? [])],
  );
}

describe('slackMessage', () => {
  it('lays out header, summary, fields, context, evidence and footer', () => {
    const message = slackMessage(alertFixture());
    expect(message.blocks.map((b) => b.type)).toEqual([
      'header',
      'section',
      'section',
      'section',
      'section',
      'context',
    ]);
    const [header, summary, facts, context, evidence, footer] = message.blocks as [
      Block<'header'>,
      Block<'section'>,
      Block<'section'>,
      Block<'section'>,
      Block<'section'>,
      Block<'context'>,
    ];
    expect(header.text).toEqual({ type: 'plain_text', text: 'Brute force against a Kafka credential', emoji: false });
    expect(summary.text!.text).toBe(
      '12 failed authentications with credential ABCDEFGHIJKLMNOP from 203.0.113.7 in 1m',
    );
    expect(facts.fields!.map((f) => f.text)).toEqual([
      '*Severity*\nHIGH',
      '*Rule*\n`auth-brute-force`',
      '*Count*\n12 in `1m`',
      '*Time*\n`2024-05-01T12:00:00.000Z`',
      '*credentialId*\n`ABCDEFGHIJKLMNOP`',
      '*clientIp*\n`203.0.113.7`',
    ]);
    expect(context.text!.text).toContain('*cluster:* `lkc-abc123`');
    expect(evidence.text!.text).toBe('*Evidence events* (3)\n`auth-00000042`, `auth-00000041`, `auth-00000040`');
    expect(footer.elements[0]!.text).toContain('`0123456789abcdef0123456789abcdef`');
    expect(message.text).toBe(
      '[HIGH] Brute force against a Kafka credential: 12 failed authentications with credential ABCDEFGHIJKLMNOP from 203.0.113.7 in 1m',
    );
    expect(message.unfurl_links).toBe(false);
  });

  it('marks every mrkdwn object verbatim, so Slack does not auto-link', () => {
    const mrkdwn = texts(slackMessage(alertFixture()).blocks).filter((t) => t.type === 'mrkdwn');
    expect(mrkdwn.length).toBeGreaterThan(5);
    for (const t of mrkdwn) expect(t.verbatim).toBe(true);
  });

  it('keeps within 10 fields when there are many group-by fields', () => {
    const key = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`field${i}`, `value${i}`]));
    const facts = slackMessage(alertFixture({ key })).blocks[2] as { fields: SlackTextObject[] };
    expect(facts.fields).toHaveLength(SLACK_LIMITS.fields);
    expect(facts.fields.at(-1)!.text).toMatch(/^\*More key fields\*\nfield5 `value5`\n.*field8 `value8`$/s);
  });

  it('lists ten evidence events and counts the rest', () => {
    const events = Array.from({ length: 25 }, (_, i) => `evt-${i}`);
    const evidence = slackMessage(alertFixture({ events })).blocks.find(
      (b) => b.type === 'section' && b.text?.text.startsWith('*Evidence'),
    ) as { text: SlackTextObject };
    expect(evidence.text.text).toMatch(/^\*Evidence events\* \(25\)\n`evt-0`, .*`evt-9` … and 15 more$/);
  });

  it('adds distinct values when the alert has them, and omits context when empty', () => {
    const types = slackMessage(alertFixture({ values: ['a', 'b'], context: {} })).blocks.map((b) =>
      b.type === 'section' ? b.text?.text.split('\n')[0] : b.type,
    );
    expect(types).toEqual([
      'header',
      '12 failed authentications with credential ABCDEFGHIJKLMNOP from 203.0.113.7 in 1m',
      undefined,
      '*Evidence events* (3)',
      '*Distinct values* (2)',
      'context',
    ]);
  });

  it('keeps a huge alert within every Slack limit', () => {
    const big = 'x'.repeat(100_000);
    const context = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`f${i}`, big]));
    const message = slackMessage(
      alertFixture({
        title: big,
        summary: big,
        key: { a: big, b: big },
        context,
        events: [big, big],
        values: [big],
        tags: [big],
      }),
    );
    expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    expect(message.text.length).toBeLessThanOrEqual(SLACK_LIMITS.text);
    for (const block of message.blocks) {
      if (block.type === 'header') expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
      if (block.type === 'section') {
        expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
        for (const f of block.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
      }
      if (block.type === 'context')
        for (const e of block.elements) expect(e.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
    }
    const context21 = message.blocks[3] as { text: SlackTextObject };
    expect(context21.text.text).toMatch(/… and \d+ more$/);
  });
});

describe('joinBounded', () => {
  it('keeps whole items and counts the dropped ones within max', () => {
    expect(joinBounded(['aaaa', 'bbbb', 'cccc'], ', ', 100)).toBe('aaaa, bbbb, cccc');
    const cut = joinBounded(['aaaa', 'bbbb', 'cccc', 'dddd'], ', ', 26);
    expect(cut).toBe('aaaa, bbbb, … and 2 more');
    expect(cut.length).toBeLessThanOrEqual(26);
    expect(joinBounded(['x'.repeat(50)], '\n', 10)).toBe('…');
  });
});
