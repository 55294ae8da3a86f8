import type { Alert } from '../alerts/alert.js';
import { slackCode, slackPlain, slackText } from './escape.js';

/**
 * Slack's documented limits (characters per text object, items per list), as
 * the Block Kit reference gives them; every text built here stays within them.
 */
export const SLACK_LIMITS = {
  headerText: 150,
  sectionText: 3000,
  fieldText: 2000,
  fields: 10,
  blocks: 50,
  contextElements: 10,
  /** The notification/fallback `text`; Slack accepts more, this keeps notifications short. */
  text: 3000,
} as const;

/** Evidence event ids and distinct values shown; the rest are counted ("… and 12 more"). */
const MAX_LISTED = 10;
/** Longest single value (a key value, a context value, an event id) before escaping, in characters. */
const MAX_VALUE = 300;
/** Group-by fields shown as their own fields; more are joined into one. */
const MAX_KEY_FIELDS = 6;

export interface SlackTextObject {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
  verbatim?: boolean;
}

export type SlackBlock =
  | { type: 'header'; text: SlackTextObject }
  | { type: 'section'; text?: SlackTextObject; fields?: SlackTextObject[] }
  | { type: 'context'; elements: SlackTextObject[] };

/** An incoming-webhook message: fallback `text` (notifications) plus Block Kit `blocks`. */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
  unfurl_links: false;
  unfurl_media: false;
}

/**
 * The Slack message for an alert. Every value is escaped (slackText for prose,
 * slackCode for exact values, slackPlain for the header), and every mrkdwn
 * object is `verbatim` so Slack does not auto-link URLs or channel names.
 */
export function slackMessage(alert: Alert): SlackMessage {
  const severity = alert.severity.toUpperCase();
  const fields = [
    field('Severity', slackText(severity, 20)),
    field('Rule', slackCode(alert.rule, 200)),
    field('Count', `${alert.count}${alert.window === undefined ? '' : ` in ${slackCode(alert.window, 40)}`}`),
    field('Time', slackCode(alert.time, 64)),
    ...keyFields(alert.key),
  ];
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: slackPlain(alert.title, SLACK_LIMITS.headerText) || 'auditwatch alert',
        emoji: false,
      },
    },
    section(slackText(alert.summary, SLACK_LIMITS.sectionText)),
    { type: 'section', fields },
  ];
  const context = Object.entries(alert.context).map(
    ([name, value]) => `*${slackText(name, 40)}:* ${slackCode(String(value), MAX_VALUE)}`,
  );
  if (context.length > 0) blocks.push(section(joinBounded(['*Context*', ...context], '\n', SLACK_LIMITS.sectionText)));
  blocks.push(section(listed('Evidence events', alert.events)));
  if (alert.values !== undefined && alert.values.length > 0)
    blocks.push(section(listed('Distinct values', alert.values)));
  const footer = [`alert ${slackCode(alert.id, 80)}`, `rule version ${slackCode(alert.ruleVersion, 60)}`];
  if (alert.tags.length > 0)
    footer.push(
      `tags ${alert.tags
        .slice(0, MAX_LISTED)
        .map((tag) => slackCode(tag, 80))
        .join(' ')}`,
    );
  blocks.push({ type: 'context', elements: [mrkdwn(joinBounded(footer, ' · ', SLACK_LIMITS.fieldText))] });

  const title = slackText(alert.title, SLACK_LIMITS.headerText);
  const text = `[${severity}] ${title}: ${slackText(alert.summary, SLACK_LIMITS.text - title.length - severity.length - 5)}`;
  return { text, blocks, unfurl_links: false, unfurl_media: false };
}

function mrkdwn(text: string): SlackTextObject {
  return { type: 'mrkdwn', text, verbatim: true };
}

function section(text: string): SlackBlock {
  return { type: 'section', text: mrkdwn(text === '' ? '(none)' : text) };
}

/** A field: bold label, value on the next line. Labels ≤ 60 and values ≤ 1 800 keep it under 2 000. */
function field(label: string, value: string): SlackTextObject {
  return mrkdwn(`*${slackText(label, 60)}*\n${value}`);
}

/** One field per group-by field and value; past MAX_KEY_FIELDS the rest share one field. */
function keyFields(key: Record<string, string>): SlackTextObject[] {
  const entries = Object.entries(key);
  if (entries.length <= MAX_KEY_FIELDS) return entries.map(([name, value]) => field(name, slackCode(value, MAX_VALUE)));
  const shown = entries.slice(0, MAX_KEY_FIELDS - 1).map(([name, value]) => field(name, slackCode(value, MAX_VALUE)));
  const rest = entries
    .slice(MAX_KEY_FIELDS - 1)
    .map(([name, value]) => `${slackText(name, 40)} ${slackCode(value, 100)}`);
  return [...shown, field('More key fields', joinBounded(rest, '\n', 1800))];
}

/** `*Label* (n)` and up to MAX_LISTED values as code spans. */
function listed(label: string, values: readonly string[]): string {
  const items = values.slice(0, MAX_LISTED).map((value) => slackCode(value, MAX_VALUE));
  const more = values.length - items.length;
  const head = `*${label}* (${values.length})`;
  const body = items.length === 0 ? 'none' : items.join(', ');
  return joinBounded([head, more > 0 ? `${body} … and ${more} more` : body], '\n', SLACK_LIMITS.sectionText);
}

/**
 * Joins whole items while they fit in `max`; the dropped ones are counted. Items
 * are never cut, so an escape sequence or a code span is never left half-open.
 */
export function joinBounded(items: readonly string[], separator: string, max: number): string {
  let out = '';
  for (const [i, item] of items.entries()) {
    const next = i === 0 ? item : `${out}${separator}${item}`;
    const remaining = items.length - i - 1;
    const note = remaining > 0 ? `${separator}… and ${remaining} more`.length : 0;
    if (next.length + note > max) return i === 0 ? '…' : `${out}${separator}… and ${items.length - i} more`;
    out = next;
  }
  return out;
}
