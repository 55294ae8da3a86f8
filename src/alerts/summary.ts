import type { AuditEvent } from '../decode/audit-event.js';

/** Longest value placed into a summary; sinks truncate whole summaries further. */
const MAX_VALUE = 200;
const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

/**
 * Plain text from outside: control characters (newlines included, which could
 * fake extra lines in a message) and bidi overrides (which could reorder what a
 * reader sees) become spaces, and long values are cut. Sinks
 * escape the result for their own markup.
 */
export function plainText(value: string, max = MAX_VALUE): string {
  // eslint-disable-next-line no-control-regex -- control characters are what it removes
  const flat = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export interface SummaryValues {
  event: AuditEvent;
  count: number;
  window?: string;
  key: Record<string, string>;
  /** baseline detector: the figures for `{mean}`, `{deviation}` and `{z}`. */
  baseline?: { mean: number; deviation: number; z: number };
}

/**
 * Fills `{field}` placeholders from the triggering event, plus `{count}`,
 * `{window}` and `{key}`. An absent value renders as `-`.
 */
export function renderSummary(template: string, values: SummaryValues): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    if (name === 'count') return values.count.toLocaleString('en-US');
    if (name === 'window') return values.window ?? '-';
    if (name === 'mean' || name === 'deviation')
      return values.baseline === undefined ? '-' : amount(values.baseline[name]);
    if (name === 'z') return values.baseline === undefined ? '-' : values.baseline.z.toFixed(1);
    if (name === 'key') return keyText(values.key);
    const value = (values.event as unknown as Partial<Record<string, string | number | boolean>>)[name];
    return value === undefined ? '-' : plainText(String(value));
  });
}

/** A learned amount for people: whole numbers from 10 up (4,012), one decimal below (0.4, 3.5). */
function amount(x: number): string {
  return x >= 10 ? Math.round(x).toLocaleString('en-US') : String(Math.round(x * 10) / 10);
}

export function keyText(key: Record<string, string>): string {
  const parts = Object.entries(key).map(([field, value]) => `${field} ${plainText(value)}`);
  return parts.length === 0 ? 'all events' : parts.join(', ');
}

/** Placeholder names a template uses (for validation at load time). */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}
