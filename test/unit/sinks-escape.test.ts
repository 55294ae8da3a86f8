import { describe, expect, it } from 'vitest';
import { boundedText, slackCode, slackPlain, slackText } from '../../src/sinks/escape.js';

// eslint-disable-next-line no-control-regex -- matches control characters on purpose
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Every `&` must start one of Slack's three entities. */
const BARE_AMPERSAND = /&(?!amp;|lt;|gt;)/;

describe('slackText', () => {
  it('turns mentions, broadcasts and links into inert text', () => {
    const out = slackText('hi <!channel> <!here> <@U123> <#C42|ops> <https://evil.example|click> <script>', 500);
    expect(out).not.toMatch(/[<>]/);
    expect(out).toContain('&lt;!channel&gt;');
    expect(out).toContain('&lt;@U123&gt;');
    expect(out).toContain('&lt;https://evil.example|click&gt;');
    expect(out).toContain('&lt;script&gt;');
  });

  it('escapes & first, so an entity in the input stays visible text', () => {
    expect(slackText('a & b &lt; c', 100)).toBe('a &amp; b &amp;lt; c');
  });

  it('replaces mrkdwn formatting characters with look-alikes', () => {
    const out = slackText('*bold* _italic_ ~strike~ `code` ```block```', 200);
    expect(out).not.toMatch(/[*_~`]/);
    expect(out).toBe(
      '\u2217bold\u2217 \u02cditalic\u02cd \u223cstrike\u223c \u02cbcode\u02cb \u02cb\u02cb\u02cbblock\u02cb\u02cb\u02cb',
    );
  });

  it('defuses bare @here, @channel and @everyone but leaves other @ alone', () => {
    const out = slackText('@here @Channel @everyone @hereford ops@example.com', 200);
    expect(out).not.toMatch(/@(here|channel|everyone)\b/i);
    expect(out).toContain('@hereford');
    expect(out).toContain('ops@example.com');
  });

  it('flattens control characters, line and paragraph separators, and removes bidi overrides', () => {
    const out = slackText('a\u0000b\nc\r\nd\u2028e\u2029f\u0085g\u001b[31mh \u202eevil\u202c \u2066x\u2069', 200);
    expect(out).not.toMatch(CONTROL);
    expect(out).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    expect(out).toContain('evil');
  });

  it('keeps a leading > from starting a quote', () => {
    const out = slackText('> fake quote', 50);
    expect(out.startsWith('&gt;')).toBe(false);
    expect(out).toBe('\u200b&gt; fake quote');
  });

  it('returns text that fits unchanged and cuts longer text with an ellipsis within max', () => {
    expect(slackText('abc', 3)).toBe('abc');
    expect(slackText('abcd', 3)).toBe('ab…');
    expect(slackText('abcd', 1)).toBe('…');
    expect(slackText('abcd', 0)).toBe('');
  });

  it('never cuts inside an entity', () => {
    for (let max = 1; max < 30; max++) {
      const out = slackText('<'.repeat(20), max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out).toMatch(/^(&lt;)*…?$/);
    }
  });

  it('never cuts a surrogate pair and repairs lone surrogates', () => {
    for (let max = 1; max < 12; max++) {
      const out = slackText('😀'.repeat(10), max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out).not.toMatch(LONE_SURROGATE);
    }
    expect(slackText('a\ud800b\udc00c', 20)).toBe('a\ufffdb\ufffdc');
  });

  it('bounds a 100 KB string', () => {
    const out = slackText('<!channel> '.repeat(10_000), 3000);
    expect(out.length).toBeLessThanOrEqual(3000);
    expect(out.endsWith('…')).toBe(true);
    expect(out).not.toContain('<');
  });

  it('keeps unicode text intact', () => {
    expect(slackText('Zoë 東京 مرحبا 🔐', 100)).toBe('Zoë 東京 مرحبا 🔐');
  });

  it('holds its guarantees for random nasty input', () => {
    const alphabet = [
      '<',
      '>',
      '&',
      '!',
      '@',
      '*',
      '_',
      '~',
      '`',
      '|',
      '\n',
      '\u0000',
      '\u2028',
      '\u202e',
      '😀',
      '\ud800',
      'a',
      ' ',
      'é',
    ];
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let run = 0; run < 500; run++) {
      const input = Array.from({ length: random(80) }, () => alphabet[random(alphabet.length)]!).join('');
      const max = 1 + random(60);
      for (const out of [slackText(input, max), slackCode(input, max + 2), slackPlain(input, max)]) {
        expect(out.length).toBeLessThanOrEqual(max + 2);
        expect(out).not.toMatch(/[<>]/);
        expect(out).not.toMatch(BARE_AMPERSAND);
        expect(out).not.toMatch(CONTROL);
        expect(out).not.toMatch(LONE_SURROGATE);
      }
      expect(slackText(input, max)).not.toMatch(/[*_~`]/);
    }
  });
});

describe('slackCode', () => {
  it('wraps the exact value in one code span that a backtick cannot close', () => {
    const out = slackCode('User:sa_app*1~`<!here>`', 100);
    expect(out).toBe('`User:sa_app*1~\u02cb&lt;!here&gt;\u02cb`');
    expect(out.split('`')).toHaveLength(3);
  });

  it('counts the backticks in max and bounds a 100 KB value', () => {
    const out = slackCode('x'.repeat(100_000), 300);
    expect(out.length).toBeLessThanOrEqual(300);
    expect(out.startsWith('`') && out.endsWith('…`')).toBe(true);
  });

  it('shows an empty value as (empty) rather than a broken span', () => {
    expect(slackCode('', 10)).toBe('(empty)');
    expect(slackCode('\n\u0000', 10)).toBe('(empty)');
  });
});

describe('slackPlain and boundedText', () => {
  it('slackPlain escapes entities but leaves formatting characters (plain_text is not parsed)', () => {
    expect(slackPlain('A & <b> *x* _y_', 100)).toBe('A &amp; &lt;b&gt; *x* _y_');
  });

  it('boundedText only flattens and bounds', () => {
    expect(boundedText('<b>\n*x*', 100)).toBe('<b> *x*');
    expect(boundedText('y'.repeat(2000), 1024)).toHaveLength(1024);
  });
});
