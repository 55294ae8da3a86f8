import { plainText } from '../alerts/summary.js';

/**
 * Escaping of attacker-controlled text for the sinks, in one place (DESIGN.md,
 * semantics 5). Every function here also flattens the text first: control
 * characters (newlines, U+2028/2029 included) become spaces via `plainText`,
 * bidirectional-override characters are removed (so a value cannot visually
 * reorder the text around it), lone UTF-16 surrogates become U+FFFD, and the
 * result is cut to `max` characters (UTF-16 code units, as Slack and PagerDuty
 * count them) ending in '…' — never in the middle of an entity or a surrogate pair.
 */

const ELLIPSIS = '…';
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** `@here`, `@channel`, `@everyone`: only special in `<!…>` form, but some clients still highlight them bare. */
const BROADCAST = /@(?=(?:here|channel|everyone)\b)/gi;

/** Slack's three control characters (https://api.slack.com/reference/surfaces/formatting#escaping). */
const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * mrkdwn has no backslash escape, so in free text the formatting characters
 * become look-alikes: ∗ (U+2217), ˍ (U+02CD), ∼ (U+223C), ˋ (U+02CB). Exact
 * values belong in code spans (`slackCode`), where only the backtick is replaced.
 */
const LOOKALIKES: Readonly<Record<string, string>> = { '*': '\u2217', _: '\u02cd', '~': '\u223c', '`': '\u02cb' };

/**
 * Text for a Slack mrkdwn text object: `&`, `<`, `>` as entities (so `<!channel>`,
 * `<@U123>` and `<https://evil|click>` stay text), formatting characters as
 * look-alikes, `@here`-style words defused, a leading `>` kept from quoting.
 */
export function slackText(value: string, max: number): string {
  const flat = flatten(value).replace(BROADCAST, '\uff20');
  const quoteSafe = flat.startsWith('>') ? `\u200b${flat}` : flat;
  return fit(quoteSafe, max, (ch) => ENTITIES[ch] ?? LOOKALIKES[ch] ?? ch);
}

/**
 * An exact value as an inline code span (backticks included in `max`). Slack
 * does not format inside code, so `*`, `_` and `~` stay as they are; a backtick
 * inside the value becomes ˋ (U+02CB) so it cannot close the span. Empty → `(empty)`.
 */
export function slackCode(value: string, max: number): string {
  const flat = flatten(value);
  if (flat.trim() === '') return fit('(empty)', max, (ch) => ch);
  // No room for a span with content: only the ellipsis says something was here.
  if (max < 3) return max >= 1 ? ELLIPSIS : '';
  return `\`${fit(flat, max - 2, (ch) => ENTITIES[ch] ?? (ch === '`' ? '\u02cb' : ch))}\``;
}

/**
 * Text for a Slack `plain_text` object (headers): no formatting is parsed there,
 * but Slack decodes its three entities in every text object, so they are escaped.
 */
export function slackPlain(value: string, max: number): string {
  return fit(flatten(value), max, (ch) => ENTITIES[ch] ?? ch);
}

/** Flattened, bounded text with no markup escaping, for sinks that render plain text (PagerDuty). */
export function boundedText(value: string, max: number): string {
  return fit(flatten(value), max, (ch) => ch);
}

function flatten(value: string): string {
  return plainText(value, Number.POSITIVE_INFINITY).replace(BIDI, '');
}

/**
 * Maps each code point through `escape` and keeps whole pieces while they fit
 * in `max`; when something is dropped the result ends in '…' (still ≤ max).
 */
function fit(text: string, max: number, escape: (ch: string) => string): string {
  if (!(max >= 1)) return '';
  let out = '';
  // Length of `out` at the last piece boundary that still leaves room for the ellipsis.
  let room = 0;
  for (const ch of text) {
    const piece = escape(isLoneSurrogate(ch) ? '\ufffd' : ch);
    if (out.length + piece.length > max) return `${out.slice(0, room)}${ELLIPSIS}`;
    out += piece;
    if (out.length < max) room = out.length;
  }
  return out;
}

function isLoneSurrogate(ch: string): boolean {
  if (ch.length !== 1) return false;
  const code = ch.charCodeAt(0);
  return code >= 0xd800 && code <= 0xdfff;
}
