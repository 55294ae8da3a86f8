import type { BusinessHoursSpec } from './rule-schema.js';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
type Day = (typeof DAYS)[number];

/** Default business hours: Monday to Friday, 08:00–18:00, UTC, no holidays. */
export const DEFAULT_BUSINESS_HOURS = {
  timezone: 'UTC',
  days: {
    mon: ['08:00-18:00'],
    tue: ['08:00-18:00'],
    wed: ['08:00-18:00'],
    thu: ['08:00-18:00'],
    fri: ['08:00-18:00'],
  },
  holidays: [] as string[],
} satisfies BusinessHoursSpec;

/** A weekly schedule in one IANA time zone. */
export interface Schedule {
  /** True when the instant (epoch ms) falls inside business hours. */
  isInside(timeMs: number): boolean;
  readonly timezone: string;
}

/** Whether the runtime knows this IANA zone. */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

/**
 * Builds a schedule. Local wall time comes from Intl (the IANA database), so DST
 * changes are right by construction: 09:00 in Europe/Berlin is 08:00 UTC in
 * winter and 07:00 UTC in summer. Holidays are local dates, entirely outside hours.
 */
export function buildSchedule(spec: BusinessHoursSpec, fallback: BusinessHoursSpec = {}): Schedule {
  const timezone = spec.timezone ?? fallback.timezone ?? DEFAULT_BUSINESS_HOURS.timezone;
  const days: NonNullable<BusinessHoursSpec['days']> = spec.days ?? fallback.days ?? DEFAULT_BUSINESS_HOURS.days;
  const holidays = new Set(spec.holidays ?? fallback.holidays ?? DEFAULT_BUSINESS_HOURS.holidays);
  const ranges = new Map<Day, Array<[number, number]>>();
  for (const day of DAYS)
    ranges.set(
      day,
      (days[day] ?? []).map((r) => r.split('-').map(minutes) as [number, number]),
    );
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  return {
    timezone,
    isInside(timeMs: number): boolean {
      const parts: Record<string, string> = {};
      for (const p of format.formatToParts(timeMs)) parts[p.type] = p.value;
      if (holidays.has(`${parts.year}-${parts.month}-${parts.day}`)) return false;
      const day = (parts.weekday ?? '').slice(0, 3).toLowerCase() as Day;
      const now = Number(parts.hour) * 60 + Number(parts.minute);
      return (ranges.get(day) ?? []).some(([start, end]) => now >= start && now < end);
    },
  };
}
