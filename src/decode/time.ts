const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses an RFC 3339 time with 0–9 fractional digits and any offset into epoch
 * milliseconds. Digits beyond milliseconds are truncated (a `Date` keeps only
 * ms; truncation keeps the order of events within one millisecond stable).
 * Returns undefined for anything else, including impossible dates.
 */
export function parseEventTime(text: string): number | undefined {
  const canonical = parseCanonical(text);
  if (canonical !== undefined) return canonical;
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', , sign, oh, om] = m;
  const ms = Number((frac + '000').slice(0, 3));
  // Not Date.UTC: it reads years 0–99 as 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), ms);
  // Out-of-range parts roll over (month 13 → next January, Feb 30 → Mar 2); a real event never carries one.
  if (
    date.getUTCFullYear() !== Number(y) ||
    date.getUTCMonth() !== Number(mo) - 1 ||
    date.getUTCDate() !== Number(d) ||
    date.getUTCHours() !== Number(h) ||
    Number(s) > 59
  )
    return undefined;
  const utc = date.getTime();
  if (sign === undefined) return utc;
  if (Number(oh) > 23 || Number(om) > 59) return undefined;
  const offset = (Number(oh) * 60 + Number(om)) * 60_000;
  return sign === '+' ? utc - offset : utc + offset;
}

/** Value of the digit at `i`, or NaN when it is not a digit (NaN fails every range check below). */
function digit(text: string, i: number): number {
  const d = text.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : NaN;
}

function number(text: string, from: number, length: number): number {
  let n = 0;
  for (let i = from; i < from + length; i++) n = n * 10 + digit(text, i);
  return n;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : (DAYS[month - 1] ?? 31);
}

/**
 * The canonical form (`2024-05-01T12:00:00.000Z`, what most events carry)
 * without the regex and Date of the general path; undefined for anything else,
 * which the general path then decides. Same checks as that path.
 */
function parseCanonical(text: string): number | undefined {
  if (
    text.length !== 24 ||
    text[4] !== '-' ||
    text[7] !== '-' ||
    text[10] !== 'T' ||
    text[13] !== ':' ||
    text[16] !== ':' ||
    text[19] !== '.' ||
    text[23] !== 'Z'
  )
    return undefined;
  const y = number(text, 0, 4);
  const mo = number(text, 5, 2);
  const d = number(text, 8, 2);
  const h = number(text, 11, 2);
  const mi = number(text, 14, 2);
  const s = number(text, 17, 2);
  const ms = number(text, 20, 3);
  // Years below 100 go the general way: Date.UTC reads them as 1900–1999.
  if (!(y >= 100 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo) && h <= 23 && mi <= 59 && s <= 59 && ms >= 0))
    return undefined;
  return Date.UTC(y, mo - 1, d, h, mi, s, ms);
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
