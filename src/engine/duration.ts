type Unit = 'ms' | 's' | 'm' | 'h' | 'd' | 'w';

const UNIT_MS: Readonly<Record<Unit, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `500ms`, `30s`, `10m`, `24h`, `30d`, `2w`, or sums such as `1h30m`. */
export const DURATION_PATTERN = /^(\d+(ms|s|m|h|d|w))+$/;

/** Parses a duration into milliseconds; undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION_PATTERN.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) total += Number(amount) * UNIT_MS[unit as Unit];
  return total;
}

/** A duration already validated (rule schema): throws if it is not one. */
export function durationMs(text: string): number {
  const value = parseDuration(text);
  if (value === undefined) throw new Error(`invalid duration ${JSON.stringify(text)}`);
  return value;
}

/** The shortest exact text for a duration: 600000 → `10m`. */
export function formatDuration(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit];
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
