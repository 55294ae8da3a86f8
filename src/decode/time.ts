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
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const date = new Date(utc);
  // Date.UTC rolls over (Feb 30 → Mar 2); a real event never carries such a date.
  if (date.getUTCDate() !== Number(d) || date.getUTCHours() !== Number(h) || Number(s) > 59) return undefined;
  if (sign === undefined) return utc;
  const offset = (Number(oh) * 60 + Number(om)) * 60_000;
  return sign === '+' ? utc - offset : utc + offset;
}
