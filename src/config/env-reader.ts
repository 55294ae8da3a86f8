import { parseDuration } from '../engine/duration.js';

/** Reads variables, recording problems by variable name only. */
export class EnvReader {
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly problems: string[],
  ) {}

  problem(text: string): void {
    this.problems.push(text);
  }

  string(name: string, o: { required?: boolean } = {}): string | undefined {
    const value = this.env[name]?.trim();
    if (value === undefined || value === '') {
      if (o.required) this.problems.push(`${name}: required`);
      return undefined;
    }
    return value;
  }

  list(name: string, o: { required?: boolean } = {}): string[] | undefined {
    const items = this.string(name, o)
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (items !== undefined && items.some((b) => !/^[^\s:]+:\d+$/.test(b)))
      this.problems.push(`${name}: must be host:port[,host:port…]`);
    return items;
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.string(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes'].includes(value)) return true;
    if (['false', '0', 'no'].includes(value)) return false;
    this.problems.push(`${name}: must be true or false`);
    return fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.string(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${name}: must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return n;
  }

  duration(name: string, fallback: number): number {
    const value = this.string(name);
    if (value === undefined) return fallback;
    const ms = parseDuration(value);
    if (ms === undefined) this.problems.push(`${name}: must be a duration such as 30s, 10m or 24h`);
    return ms ?? fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.string(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name}: must be one of ${allowed.join(', ')}`);
    return fallback;
  }

  url(name: string): string | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    try {
      const url = new URL(value);
      if (url.protocol === 'https:' || url.protocol === 'http:') return value;
    } catch {
      // fall through: the message must not quote the value
    }
    this.problems.push(`${name}: must be an http(s) URL`);
    return undefined;
  }
}
