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
  for (let i = crn.parts.length - 1; i >= 0; i--) {
    const part = crn.parts[i]!;
    if (part[0] === type) return part[1];
  }
  return undefined;
}
