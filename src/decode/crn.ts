/**
 * Confluent Resource Names: `crn://<authority>/<type>=<value>[/<type>=<value>]*`.
 * The authority may be empty (`crn:///kafka=…`, Confluent Platform) or a host.
 */
export interface Crn {
  authority: string;
  /** Path elements in order, values percent-decoded; unknown types are kept. */
  parts: ReadonlyArray<readonly [type: string, value: string]>;
}

const PREFIX = 'crn://';

function percentDecode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Parses a CRN, or returns undefined when the text is not one. Never throws. */
export function parseCrn(text: string): Crn | undefined {
  if (!text.startsWith(PREFIX)) return undefined;
  const rest = text.slice(PREFIX.length);
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const parts: Array<readonly [string, string]> = [];
  if (slash !== -1) {
    for (const segment of rest.slice(slash + 1).split('/')) {
      const eq = segment.indexOf('=');
      if (eq <= 0) continue;
      parts.push([segment.slice(0, eq), percentDecode(segment.slice(eq + 1))]);
    }
  }
  return { authority, parts };
}

/** The value of the last element of `type` in the CRN (the innermost one). */
export function crnValue(crn: Crn, type: string): string | undefined {
  return crn.parts.findLast((part) => part[0] === type)?.[1];
}

/** Bounds of the CRN memo: entries, and the longest text remembered. */
const MEMO_ENTRIES = 2_000;
const MEMO_MAX_LENGTH = 512;

/** A text and the CRN it holds (undefined when it is not a CRN). */
export interface KnownCrn {
  text: string;
  crn: Crn | undefined;
  /**
   * Memo slot for the decoder: what the decoder derived from this CRN (its
   * place fields), computed on first use and shared like the CRN itself.
   */
  derived?: unknown;
}

const memo = new Map<string, KnownCrn>();
/** The CRN asked for last. */
let last: KnownCrn | undefined;

/**
 * parseCrn, memoized with bounded memory: events carry the same few CRNs over
 * and over (a cluster's, an organization's). `text` of the result is the first
 * copy seen, for events to share: held events are what the GC copies, and four
 * CRN copies are about 40% of an event.
 */
export function knownCrn(text: string): KnownCrn {
  // One event often names one CRN three or four times (source, subject, service, resource): a fresh
  // string is hashed in full to look it up, and comparing it with the last one is cheaper.
  if (last !== undefined && last.text === text) return last;
  let known = memo.get(text);
  if (known === undefined) {
    known = { text, crn: parseCrn(text) };
    if (text.length <= MEMO_MAX_LENGTH) {
      if (memo.size >= MEMO_ENTRIES) memo.clear();
      memo.set(text, known);
    }
  }
  last = known;
  return known;
}
