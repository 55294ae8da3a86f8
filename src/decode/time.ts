const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses an RFC 3339 time with 0–9 fractional digits and any offset into epoch
 * milliseconds. Digits beyond milliseconds are truncated (a `Date` keeps only
 * ms; truncation keeps the order of events within one millisecond stable).
 * Returns undefined for anything else, including impossible dates.
 */
export function parseEventTime(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', , sign, oh, om] = m;
  const ms = Number((frac + '000').slice(0, 3));
  // Not Date.UTC: it reads years 0–99 as 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), ms);
  // Out-of-range parts roll over (month 13 → next January, Feb 30 → Mar 2); a real event never carries one.
  if (date.getUTCFullYear() !== Number(y) || date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d) || date.getUTCHours() !== Number(h) || Number(s) > 59) return undefined;
  const utc = date.getTime();
  if (sign === undefined) return utc;
  if (Number(oh) > 23 || Number(om) > 59) return undefined;
  const offset = (Number(oh) * 60 + Number(om)) * 60_000;
  return sign === '+' ? utc - offset : utc + offset;
}

/** The form `Date.prototype.toISOString` writes (4-digit years), which most events already use. */
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * `text` (a time parseEventTime accepted as `ms`) in canonical form: RFC 3339
 * UTC with milliseconds. Text already in that form is returned as it is, which
 * saves a Date per event; parseEventTime rejects impossible dates, so the text
 * is exactly what toISOString would write.
 */
export function canonicalTime(text: string, ms: number): string {
  return CANONICAL.test(text) ? text : new Date(ms).toISOString();
}
